"""/status: the customer's cases, or one case's history, in plain words."""
from __future__ import annotations

from datetime import datetime
from typing import Callable

from core.intents import Lines, Phrase, SendMessage
from core.services.intake_prompts import category_label
from core.domain.deployment import IntakeConfig
from core.storage.models import Case, User
from core.storage.uow import UnitOfWork

STAGE_NAMES = {"received": Phrase("stage.received")}
EVENT_NAMES = {"filed": Phrase("history.filed"), "customer_message": Phrase("history.customer_message")}
OTHER_EVENT = Phrase("history.other")


def _stage(case: Case) -> Phrase:
    return STAGE_NAMES.get(case.stage, Phrase("stage.unknown"))


async def show_status(
    uow: UnitOfWork, user: User, config: IntakeConfig, next_due: Callable[[Case], datetime | None], number: str | None = None
) -> None:
    def say(text: Phrase) -> None:
        uow.emit(SendMessage(user.id, user.locale, text))

    if number:
        case = await uow.cases.by_number(number.strip().upper())
        # Another customer's number is answered exactly like a number that does not exist.
        if case is None or case.customer_id != user.id:
            say(Phrase("status.not_found", number=number.strip()))
            return
        events = await uow.cases.events(case.id)
        lines = [Phrase("status.history_line", at=e.at, event=EVENT_NAMES.get(e.action, OTHER_EVENT)) for e in events]
        say(
            Phrase(
                "status.detail",
                number=case.number,
                category=category_label(config, case.category),
                stage=_stage(case),
                due=_due(next_due(case)),
                history=Lines(lines),
            )
        )
        return
    cases = await uow.cases.for_customer(user.id)
    if not cases:
        say(Phrase("status.none"))
        return
    lines = [
        Phrase("status.case_line", number=c.number, category=category_label(config, c.category), stage=_stage(c), due=_due(next_due(c)))
        for c in cases
    ]
    say(Phrase("status.list", cases=Lines(lines)))


def _due(moment: datetime | None) -> Phrase:
    return Phrase("status.due", at=moment) if moment else Phrase("status.no_due")
