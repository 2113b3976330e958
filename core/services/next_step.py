"""What happens next to a case and by when, read from its pending deadline rows (so a
late case shows its new time, not the missed one). Shared by /status, /case and the card."""
from __future__ import annotations

from core.intents import Phrase
from core.storage.case_repositories import FINAL_STAGES
from core.storage.models import Case
from core.storage.uow import UnitOfWork


async def next_step(uow: UnitOfWork, case: Case) -> Phrase:
    """One plain sentence for the reader: who acts next, and when."""
    if case.stage in FINAL_STAGES:
        return Phrase("next.final")
    if case.stage == "solution_proposed":
        at = await uow.deadlines.next_of_kind(case.id, "close_unanswered")
        return Phrase("next.your_answer", at=at) if at else Phrase("next.your_answer_open")
    if case.stage == "follow_up":
        ask_at = await uow.deadlines.next_of_kind(case.id, "follow_up")
        if ask_at is not None:
            return Phrase("next.follow_up", at=ask_at)
        close_at = await uow.deadlines.next_of_kind(case.id, "close_unanswered")
        return Phrase("next.follow_up_answer", at=close_at) if close_at else Phrase("next.your_answer_open")
    at = await uow.deadlines.next_of_kind(case.id, "breach")
    return Phrase("status.due", at=at) if at else Phrase("status.no_due")
