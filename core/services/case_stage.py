"""A stored case moved through the lifecycle machine (core/domain/lifecycle.py); every
change is published as a domain event, whose follow-up lives in core/services/case_events.py."""
from __future__ import annotations

from typing import Any

from core.domain import lifecycle
from core.domain.events import CaseUpdated, SeverityChanged, StageChanged
from core.storage.models import Case
from core.storage.uow import UnitOfWork


def transition(case: Case, trigger: str, **inputs: Any) -> bool:
    """Fires a lifecycle trigger on the case row; False when a guard refused it. Publishes
    nothing: use advance() unless the caller publishes what follows itself."""
    state = lifecycle.CaseState(
        stage=case.stage, severity=case.severity, tier=case.tier, owner_id=case.owner_id,
        appealed=case.appealed, reopen_count=case.reopen_count,
    )
    if not lifecycle.fire(state, trigger, **inputs):
        return False
    case.stage, case.tier, case.owner_id = state.stage.value, state.tier, state.owner_id
    case.appealed, case.reopen_count = state.appealed, state.reopen_count
    return True


async def advance(uow: UnitOfWork, case: Case, trigger: str, said: str = "", **inputs: Any) -> bool:
    """A lifecycle step and its event: StageChanged when the stage moved, CaseUpdated when
    only the tier or owner did. `said`: words that came with the step, for the thread.
    False when a guard refused it."""
    before = case.stage
    if not transition(case, trigger, **inputs):
        return False
    await uow.publish(StageChanged(case, before, case.stage, trigger, said) if case.stage != before else CaseUpdated(case))
    return True


async def case_changed(uow: UnitOfWork, case: Case, renamed: bool = False) -> None:
    """Something shown on the card (`renamed`: and in the topic's name) changed without a
    lifecycle step."""
    await uow.publish(CaseUpdated(case, renamed))


async def severity_changed(uow: UnitOfWork, case: Case) -> None:
    await uow.publish(SeverityChanged(case))


def may(case: Case, trigger: str) -> bool:
    return trigger in lifecycle.available_triggers(lifecycle.Stage(case.stage))
