"""A customer's personal data: /mydata sends what we hold about them as a file; /forget
erases it once their cases are closed (after a confirmation). Erasure anonymises the
personal fields and keeps the cases' statistics (category, severity, stages, times,
ratings), filed under a pseudonym instead of the Telegram user id."""
from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import delete, select

from core.intents import AnswerCallback, Button, Lines, Phrase, SendDocument, SendMessage
from core.services.callbacks import PrivacyButton
from core.services.case_stage import case_changed
from core.services.staff_desk import StaffDesk
from core.storage.models import Case, CaseEvent, CaseEvidence, CaseRating, IntakeDraft, OutboxMessage, PendingRelay, User
from core.storage.uow import UnitOfWork

# What the customer said and what we said to them; staff bookkeeping and notes stay out.
_SHARED_EVENTS = {
    "filed", "customer_message", "customer_message_edited", "asked", "staff_reply", "staff_reply_edited", "proposed",
    "solution_accepted", "solution_rejected", "rejected", "terminated", "withdrawn", "appealed", "rated", "rated_aspect",
    "rating_comment", "follow_up_ok", "follow_up_not_solved", "reopened_unsatisfied",
}
# Event details that may hold what someone wrote: the customer, or staff about them.
_FREE_TEXT_KEYS = ("text", "reason")
ERASED = ""


def pseudonym(user_id: int) -> int:
    """A stable negative id (never a Telegram user id) that keeps one person's cases together."""
    return -(int.from_bytes(hashlib.sha256(f"kesu-erased-{user_id}".encode()).digest()[:6], "big") + 1)


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


async def export(uow: UnitOfWork, user: User) -> dict[str, Any]:
    cases = (await uow.session.execute(select(Case).where(Case.customer_id == user.id).order_by(Case.id))).scalars().all()
    exported = []
    for case in cases:
        events = await uow.cases.events(case.id)
        evidence = await uow.cases.evidence(case.id)
        ratings = await uow.ratings.for_case(case.id)
        exported.append({
            "number": case.number,
            "category": case.category,
            "stage": case.stage,
            "filed_at": _iso(case.created_at),
            "statement": case.statement,
            "reference_values": case.reference_values,
            "contact_phone": case.contact_phone,
            "expected_resolution": case.resolution,
            "resolution_note": case.resolution_note,
            "evidence": [{"kind": e.kind, "file_name": e.file_name, "caption": e.caption} for e in evidence],
            "history": [
                {"at": _iso(e.at), "event": e.action, **{k: e.detail[k] for k in _FREE_TEXT_KEYS + ("stars",) if k in e.detail}}
                for e in events
                if e.action in _SHARED_EVENTS
            ],
            "ratings": [{"stars": r.stars, "aspects": r.aspects, "comment": r.comment, "at": _iso(r.rated_at)} for r in ratings],
        })
    return {
        "user": {"telegram_id": user.id, "name": user.first_name, "language": user.locale, "first_seen": _iso(user.created_at)},
        "complaints": exported,
    }


class PersonalData:
    def __init__(self, uow: UnitOfWork, user: User, desk: StaffDesk) -> None:
        self.uow = uow
        self.user = user
        self.desk = desk

    def _say(self, text: Phrase, buttons: tuple[tuple[Button, ...], ...] = ()) -> None:
        self.uow.emit(SendMessage(self.user.id, self.user.locale, text, buttons))

    async def send_export(self) -> None:
        content = json.dumps(await export(self.uow, self.user), ensure_ascii=False, indent=2)
        day = self.uow.clock.now().strftime("%Y%m%d")
        self.uow.emit(SendDocument(self.user.id, self.user.locale, f"kesu-my-data-{day}.json", content, Phrase("privacy.export_caption")))

    async def ask_to_forget(self) -> None:
        if await self._refuse_while_open():
            return
        button = Button(Phrase("privacy.button.forget"), PrivacyButton("forget").encode())
        self._say(Phrase("privacy.forget_question"), ((button,),))

    async def press(self, callback_id: str, data: str) -> None:
        if PrivacyButton.decode(data) != PrivacyButton("forget"):
            self.uow.emit(AnswerCallback(self.user.id, self.user.locale, callback_id, Phrase("button.expired")))
            return
        self.uow.emit(AnswerCallback(self.user.id, self.user.locale, callback_id))
        if await self._refuse_while_open():
            return
        await self._erase()
        self._say(Phrase("privacy.forgotten"))

    async def _refuse_while_open(self) -> bool:
        open_cases = await self.uow.cases.open_for_customer(self.user.id)
        if open_cases:
            numbers = Lines([Phrase("intake.open_case_line", number=c.number) for c in open_cases])
            self._say(Phrase("privacy.cases_still_open", cases=numbers))
        return bool(open_cases)

    async def _erase(self) -> None:
        session, user_id, now = self.uow.session, self.user.id, self.uow.clock.now()
        cases = (await session.execute(select(Case).where(Case.customer_id == user_id))).scalars().all()
        case_ids = [case.id for case in cases]
        for case in cases:
            case.customer_id = pseudonym(user_id)
            case.statement, case.reference_values, case.contact_phone, case.resolution_note = ERASED, {}, None, None
            case.updated_at = now
        if case_ids:
            for event in (await session.execute(select(CaseEvent).where(CaseEvent.case_id.in_(case_ids)))).scalars():
                if any(key in event.detail for key in _FREE_TEXT_KEYS):
                    event.detail = {k: (ERASED if k in _FREE_TEXT_KEYS else v) for k, v in event.detail.items()}
            for rating in (await session.execute(select(CaseRating).where(CaseRating.case_id.in_(case_ids)))).scalars():
                rating.comment = None
            await session.execute(delete(CaseEvidence).where(CaseEvidence.case_id.in_(case_ids)))
            for case_id in case_ids:
                self.uow.cases.record_event(case_id, now, "customer", "personal_data_erased")
        for case in cases:
            await case_changed(self.uow, case)  # the card in the group drops the statement too
        # Sent messages keep their rendered parameters (customer text among them) in the
        # outbox; rows still pending go out and are pruned with the rest (housekeeping).
        await session.execute(delete(OutboxMessage).where(OutboxMessage.chat_id == user_id, OutboxMessage.status != "pending"))
        await self.uow.outbox.delete_finished_about_cases(case_ids)
        await session.execute(delete(PendingRelay).where(PendingRelay.user_id == user_id))
        await session.execute(delete(IntakeDraft).where(IntakeDraft.user_id == user_id))
        # The users row goes; the confirmation below still reaches the chat by its id.
        await session.execute(delete(User).where(User.id == user_id))
