"""What happens next to a case and by when, read from its pending deadline rows (so a
late case shows its new time, not the missed one). Shared by /status, /case and the card;
the customer reads it addressed to them, staff read it about the customer."""
from __future__ import annotations

from core.domain.lifecycle import FINAL_STAGES, Stage
from core.domain.sla import DeadlineKind
from core.intents import Phrase
from core.storage.models import Case
from core.storage.uow import UnitOfWork


async def next_step(uow: UnitOfWork, case: Case, for_staff: bool = False) -> Phrase:
    """One plain sentence: who acts next, and when."""
    if case.stage in FINAL_STAGES:
        return Phrase("next.final")
    if case.stage == Stage.SOLUTION_PROPOSED:
        at = await uow.deadlines.next_of_kind(case.id, DeadlineKind.CLOSE_UNANSWERED)
        if for_staff:
            return Phrase("next.staff.customer_answer", at=at) if at else Phrase("next.staff.customer_answer_open")
        return Phrase("next.your_answer", at=at) if at else Phrase("next.your_answer_open")
    if case.stage == Stage.FOLLOW_UP:
        ask_at = await uow.deadlines.next_of_kind(case.id, DeadlineKind.FOLLOW_UP)
        if ask_at is not None:
            return Phrase("next.staff.follow_up", at=ask_at) if for_staff else Phrase("next.follow_up", at=ask_at)
        close_at = await uow.deadlines.next_of_kind(case.id, DeadlineKind.CLOSE_UNANSWERED)
        if for_staff:
            return Phrase("next.staff.follow_up_answer", at=close_at) if close_at else Phrase("next.staff.customer_answer_open")
        return Phrase("next.follow_up_answer", at=close_at) if close_at else Phrase("next.your_answer_open")
    at = await uow.deadlines.next_of_kind(case.id, DeadlineKind.BREACH)
    return Phrase("status.due", at=at) if at else Phrase("status.no_due")
