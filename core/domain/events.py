"""What happened to a case, as data: recorded by the step that made it happen and handled
by core/services/case_events.py in the same transaction."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class StageChanged:
    """The case moved to another stage of the lifecycle (docs/process.md §3).
    `said`: the words that came with the step (a customer's reason for rejecting a
    proposal), for the thread to read."""

    case: Any  # the case row, already changed
    before: str
    after: str
    trigger: str
    said: str = ""


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


@dataclass(frozen=True)
class Claimed:
    """A staff member took the case; `by`: their name."""

    case: Any
    by: str


@dataclass(frozen=True)
class Escalated:
    """A staff member handed the case one tier up by hand (deadline escalations are the
    deadline service's own: core/services/deadlines.py)."""

    case: Any
    by: str


@dataclass(frozen=True)
class StaffWroteToCustomer:
    """Staff's words for the customer: `action` is "ask" (a question), "propose" (a
    solution, ProposalMade in the lifecycle's terms), "reject" or "terminate" (with the
    reason). Any stage change it came with was published before it."""

    case: Any
    action: str
    text: str
    by: str


@dataclass(frozen=True)
class RelatedCasesFound:
    """A case just filed is likely about the matter of earlier cases (docs/process.md §4):
    `repeat_of`, the same customer's earlier case (`reason`: core.domain.repeats.Reason's
    value, `likeness` of the statements, `reference`: the shared field's key), after
    which the new case starts at tier 2; `raised`: the earlier case, still open, was moved
    up to tier 2 as well. `shared`: per reference field, other customers' case numbers
    with the same value."""

    case: Any
    repeat_of: Any | None = None
    reason: str = ""
    likeness: float = 0.0
    reference: str | None = None
    raised: bool = False
    shared: tuple[tuple[str, tuple[str, ...]], ...] = ()


Event = StageChanged | SeverityChanged | CaseUpdated | Claimed | Escalated | StaffWroteToCustomer | RelatedCasesFound
