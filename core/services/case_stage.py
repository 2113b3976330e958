"""A stored case moved through the lifecycle machine (core/domain/lifecycle.py)."""
from __future__ import annotations

from typing import Any

from core.domain import lifecycle
from core.storage.models import Case


def transition(case: Case, trigger: str, **inputs: Any) -> bool:
    """Fires a lifecycle trigger on the case row; False when a guard refused it."""
    state = lifecycle.CaseState(
        stage=case.stage, severity=case.severity, tier=case.tier, owner_id=case.owner_id,
        appealed=case.appealed, reopen_count=case.reopen_count,
    )
    if not lifecycle.fire(state, trigger, **inputs):
        return False
    case.stage, case.tier, case.owner_id = state.stage.value, state.tier, state.owner_id
    case.appealed, case.reopen_count = state.appealed, state.reopen_count
    return True


def may(case: Case, trigger: str) -> bool:
    return trigger in lifecycle.available_triggers(lifecycle.Stage(case.stage))
