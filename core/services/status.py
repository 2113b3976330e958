"""/status: the customer's cases, or one case's history, in plain words."""
from __future__ import annotations

from core.intents import Lines, Phrase, SendMessage
from core.services.case_card import stage_name
from core.services.next_step import next_step
from core.services.intake_prompts import category_label
from core.domain.deployment import IntakeConfig
from core.storage.models import Case, User
from core.storage.uow import UnitOfWork

EVENT_NAMES = {
    "filed": Phrase("history.filed"),
    "customer_message": Phrase("history.customer_message"),
    "customer_message_edited": Phrase("history.customer_message_edited"),
    "claimed": Phrase("history.claimed"),
    "asked": Phrase("history.asked"),
    "staff_reply": Phrase("history.staff_reply"),
    "staff_reply_edited": Phrase("history.staff_reply_edited"),
    "proposed": Phrase("history.proposed"),
    "solution_accepted": Phrase("history.solution_accepted"),
    "solution_rejected": Phrase("history.solution_rejected"),
    "rejected": Phrase("history.rejected"),
    "withdrawn": Phrase("history.withdrawn"),
    "closed_unanswered": Phrase("history.closed_unanswered"),
    "appealed": Phrase("history.appealed"),
    "terminated": Phrase("history.terminated"),
    "rated": Phrase("history.rated"),
    "resolution_recorded": Phrase("history.resolution_recorded"),
    "follow_up_asked": Phrase("history.follow_up_asked"),
    "follow_up_ok": Phrase("history.follow_up_ok"),
    "follow_up_not_solved": Phrase("history.reopened"),
    "reopened_unsatisfied": Phrase("history.reopened"),
    "deadline_missed": Phrase("history.deadline_missed"),
}


def _stage(case: Case) -> Phrase:
    return stage_name(case.stage)


async def show_status(uow: UnitOfWork, user: User, config: IntakeConfig, number: str | None = None) -> None:
    def say(text: Phrase) -> None:
        uow.emit(SendMessage(user.id, user.locale, text))

    if number:
        case = await uow.cases.by_number(number.strip().upper())
        # Another customer's number is answered exactly like a number that does not exist.
        if case is None or case.customer_id != user.id:
            say(Phrase("status.not_found", number=number.strip()))
            return
        events = await uow.cases.events(case.id)
        # Only what the customer may know: internal notes and staff bookkeeping stay out.
        lines = [Phrase("status.history_line", at=e.at, event=EVENT_NAMES[e.action]) for e in events if e.action in EVENT_NAMES]
        say(
            Phrase(
                "status.detail",
                number=case.number,
                category=category_label(config, case.category),
                stage=_stage(case),
                due=await next_step(uow, case),
                history=Lines(lines),
            )
        )
        return
    cases = await uow.cases.for_customer(user.id)
    if not cases:
        say(Phrase("status.none"))
        return
    lines = [
        Phrase("status.case_line", number=c.number, category=category_label(config, c.category), stage=_stage(c), due=await next_step(uow, c))
        for c in cases
    ]
    say(Phrase("status.list", cases=Lines(lines)))

