"""What happened to a case, as data: recorded by the step that made it happen and handled
by core/services/case_events.py in the same transaction."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class StageChanged:
    """The case moved to another stage of the lifecycle (PROCESS.md §3)."""

    case: Any  # the case row, already changed
    before: str
    after: str
    trigger: str


@dataclass(frozen=True)
class SeverityChanged:
    """Staff judged the case's severity anew: the stage's deadlines follow its clock."""

    case: Any


@dataclass(frozen=True)
class CaseUpdated:
    """Something shown on the case's card changed (tier, owner, category, texts...);
    `renamed`: also its topic's name (the category is in it)."""

    case: Any
    renamed: bool = False


Event = StageChanged | SeverityChanged | CaseUpdated
