"""The resolution record staff fill in when a case is resolved (docs/process.md §5).

A short form in the case's thread, one question at a time: the responsible party and the
kind of responsibility (buttons), then the root cause, the remedy, its cost and the
improvement measure (replies). The next question is always the first unanswered one, so
the form can be resumed with /record after anything went astray. When it is complete
the case moves on to the follow-up, and the customer hears when we will check back.
"""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from core.domain.lifecycle import Stage
from core.domain.sla import DeadlineKind
from core.intents import Button, CaseRoute, Phrase, Purpose, SendMessage, prompt_purpose
from core.services.callbacks import StaffButton
from core.services.case_stage import advance
from core.services.routing import notice_in_thread
from core.services.staff_desk import StaffDesk
from core.storage.models import Case, ResolutionRecord
from core.storage.uow import UnitOfWork

PARTIES = {
    "employee": Phrase("record.party.employee"),
    "department": Phrase("record.party.department"),
    "management": Phrase("record.party.management"),
    "third_party": Phrase("record.party.third_party"),
}
KINDS = {
    "direct": Phrase("record.kind.direct"),
    "indirect": Phrase("record.kind.indirect"),
    "joint": Phrase("record.kind.joint"),
}
# Prompted fields: the reply's purpose -> the record's column.
TEXT_FIELDS = {"cause": "root_cause", "remedy": "remedy", "cost": "cost_cents", "improve": "improvement"}
TEXT_QUESTIONS = {
    "cause": Phrase("record.ask.cause"),
    "remedy": Phrase("record.ask.remedy"),
    "cost": Phrase("record.ask.cost"),
    "improve": Phrase("record.ask.improve"),
}
MAX_COST_CENTS = 10**13


def next_question(record: ResolutionRecord) -> str | None:
    """The first unanswered field: party, kind, or a TEXT_FIELDS key; None when complete."""
    if record.responsible_party is None:
        return "party"
    if record.responsibility_kind is None:
        return "kind"
    for key, column in TEXT_FIELDS.items():
        if getattr(record, column) is None:
            return key
    return None


def parse_cost(text: str) -> int | None:
    """Whole cents from an amount such as "200", "¥1,299.50", "HK$ 80" or "0"; None if unreadable."""
    # NFKC: full-width digits and signs typed with a Chinese input method read as ASCII.
    cleaned = re.sub(r"[\s,]", "", unicodedata.normalize("NFKC", text))
    cleaned = re.sub(r"^(?:[A-Za-z]{0,3}[$¥￥€£]|RMB|CNY|HKD|TWD|NT\$|NTD)", "", cleaned, flags=re.IGNORECASE)
    cleaned = re.sub(r"(?:元|圓|圆|块|塊|RMB|CNY|HKD|TWD|NTD)$", "", cleaned, flags=re.IGNORECASE)
    if not re.fullmatch(r"[0-9]+(?:\.[0-9]{1,2})?", cleaned):
        return None
    try:
        cents = int(Decimal(cleaned) * 100)
    except InvalidOperation:
        return None
    return cents if cents < MAX_COST_CENTS else None


def format_cost(cents: int) -> str:
    return f"{cents // 100:,}.{cents % 100:02d}"


def round_of(case: Case) -> int:
    return case.reopen_count


async def ask_next(uow: UnitOfWork, desk: StaffDesk, case: Case) -> None:
    """Posts the form's next question in the case's thread (or completes nothing: the
    caller checks completeness)."""
    desk = desk.of(case)
    if desk.chat_id is None:
        return
    record = await uow.records.get_or_start(case.id, round_of(case), uow.clock.now())
    question = next_question(record)
    if question is None:
        return
    if question in ("party", "kind"):
        options = PARTIES if question == "party" else KINDS
        buttons = tuple((Button(label, StaffButton(case.id, question, key).encode()),) for key, label in options.items())
        text = Phrase("record.ask.party", number=case.number) if question == "party" else Phrase("record.ask.kind", number=case.number)
        uow.emit(SendMessage(desk.chat_id, desk.locale, text, buttons, route=CaseRoute(case.id, Purpose.RECORD)))
        return
    uow.emit(
        SendMessage(
            desk.chat_id,
            desk.locale,
            Phrase("record.question", number=case.number, question=TEXT_QUESTIONS[question]),
            route=CaseRoute(case.id, prompt_purpose(question)),
            force_reply=True,
        )
    )


class ResolutionRecordForm:
    """A staff member's answers to the form; permission is checked by the caller."""

    def __init__(self, uow: UnitOfWork, desk: StaffDesk, staff_id: int) -> None:
        self.uow = uow
        self.desk = desk
        self.staff_id = staff_id

    async def choose(self, case: Case, question: str, key: str) -> bool:
        """A party or kind button; False when the button no longer applies."""
        options = PARTIES if question == "party" else KINDS
        if case.stage != Stage.RESOLVED or key not in options:
            return False
        record = await self.uow.records.get_or_start(case.id, round_of(case), self.uow.clock.now())
        column = "responsible_party" if question == "party" else "responsibility_kind"
        setattr(record, column, key)
        await self._next_or_finish(case, record)
        return True

    async def answer(self, case: Case, question: str, text: str) -> None:
        """A reply to a prompted question (root cause, remedy, cost, improvement)."""
        if case.stage != Stage.RESOLVED:
            notice_in_thread(self.uow, self.desk, case, Phrase("record.not_now", number=case.number))
            return
        record = await self.uow.records.get_or_start(case.id, round_of(case), self.uow.clock.now())
        column = TEXT_FIELDS[question]
        if question == "cost":
            cents = parse_cost(text)
            if cents is None:
                notice_in_thread(self.uow, self.desk, case, Phrase("record.cost_invalid", text=text))
                await ask_next(self.uow, self.desk, case)
                return
            record.cost_cents = cents
        else:
            setattr(record, column, text)
        await self._next_or_finish(case, record)

    async def resume(self, case: Case) -> None:
        """/record in the thread: the next unanswered question again."""
        if case.stage != Stage.RESOLVED:
            notice_in_thread(self.uow, self.desk, case, Phrase("record.not_now", number=case.number))
            return
        await ask_next(self.uow, self.desk, case)

    async def _next_or_finish(self, case: Case, record: ResolutionRecord) -> None:
        if next_question(record) is not None:
            await ask_next(self.uow, self.desk, case)
            return
        now = self.uow.clock.now()
        record.recorded_by, record.completed_at = self.staff_id, now
        if not await advance(self.uow, case, "finish", record_complete=True):
            return
        case.updated_at = now
        self.uow.cases.record_event(
            case.id, now, f"staff:{self.staff_id}", "resolution_recorded",
            party=record.responsible_party, kind=record.responsibility_kind, cause=record.root_cause,
            remedy=record.remedy, cost_cents=record.cost_cents, improvement=record.improvement,
        )
        follow_up_at = await self.uow.deadlines.next_of_kind(case.id, DeadlineKind.FOLLOW_UP)
        assert record.responsible_party is not None and record.responsibility_kind is not None
        notice_in_thread(
            self.uow,
            self.desk,
            case,
            Phrase(
                "record.done",
                number=case.number,
                party=PARTIES[record.responsible_party],
                kind=KINDS[record.responsibility_kind],
                cause=record.root_cause or "",
                remedy=record.remedy or "",
                cost=format_cost(record.cost_cents or 0),
                improvement=record.improvement or "",
                follow_up=follow_up_at or now,
            ),
        )
