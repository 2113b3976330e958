"""What a customer's private message means, decided in one place.

A text, a piece of media, an edit or /start is one of: an answer in the open intake
draft, the answer to a question we asked (why a proposal was rejected, a comment on a
rating), words for an open case (relayed to its thread), or the start of a new
complaint. decide() is that choice as a pure function of the customer's situation;
Inbox gathers the situation and hands the message to the service that path belongs to.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from core.domain.intake import Evidence
from core.services import onboarding, routing
from core.services.case_lifecycle import CustomerDecisions, waiting_for_words
from core.services.intake import Intake, IntakeContext
from core.services.staff_desk import StaffDesk
from core.storage.models import Case, User
from core.storage.uow import UnitOfWork


class Kind(Enum):
    TEXT = "text"
    MEDIA = "media"  # evidence (photo, document, voice, video...); its caption is its words
    EDITED_TEXT = "edited_text"
    EDITED_CAPTION = "edited_caption"
    START = "start"  # /start


class Path(Enum):
    DRAFT = "draft"  # an answer in the open intake draft (for /start: the offer to continue it)
    AWAITED = "awaited"  # the answer to a question we asked
    CASE = "case"  # words for an open case, or the correction of words passed on to one
    NEW_COMPLAINT = "new_complaint"  # the first words of a new complaint (for /start: its first prompt)
    RETURNING = "returning"  # /start with no draft but earlier cases: a greeting that offers a new complaint


@dataclass(frozen=True)
class Situation:
    """What decide() reads: the message's kind and the customer's state."""

    kind: Kind
    draft_open: bool = False
    edits_draft: bool = False  # the edited message is a part of the open draft's statement
    awaited: bool = False  # a case waits for the customer's words
    open_cases: int = 0
    earlier_cases: bool = False  # any case at all, closed ones included


def decide(situation: Situation) -> Path:
    s = situation
    if s.kind is Kind.START:
        if s.draft_open:
            return Path.DRAFT
        return Path.RETURNING if s.earlier_cases else Path.NEW_COMPLAINT
    if s.kind in (Kind.EDITED_TEXT, Kind.EDITED_CAPTION):
        # A correction follows what it corrects; only texts are parts of a statement.
        return Path.DRAFT if s.kind is Kind.EDITED_TEXT and s.draft_open and s.edits_draft else Path.CASE
    if s.draft_open:
        return Path.DRAFT  # a complaint being written takes everything, even words about another case
    if s.kind is Kind.TEXT and s.awaited:
        return Path.AWAITED  # only words answer a question; media goes on to the case
    if s.open_cases:
        return Path.CASE
    return Path.NEW_COMPLAINT


class Inbox:
    """One customer's private message within one unit of work."""

    def __init__(self, uow: UnitOfWork, customer: User, intake: IntakeContext, desk: StaffDesk) -> None:
        self.uow = uow
        self.customer = customer
        self.desk = desk
        self.dialog = Intake(uow, customer, intake)
        self._open_cases: Sequence[Case] = ()  # as _situation() read them, for routing to reuse

    async def _situation(self, kind: Kind, message_id: int | None = None) -> Situation:
        draft_open = await self.dialog.has_open_draft()
        edits_draft = kind is Kind.EDITED_TEXT and message_id is not None and await self.dialog.has_statement_part(message_id)
        cases, open_cases = await self.uow.cases.recent_and_open(self.customer.id)
        self._open_cases = open_cases
        return Situation(
            kind,
            draft_open=draft_open,
            edits_draft=edits_draft,
            awaited=waiting_for_words(cases) is not None,
            open_cases=len(open_cases),
            earlier_cases=bool(cases),
        )

    async def text(self, message_id: int, text: str) -> Path:
        path = decide(await self._situation(Kind.TEXT))
        if path is Path.AWAITED:
            answered = await CustomerDecisions(self.uow, self.desk, self.customer).answer_awaited(text)
            assert answered
        elif path is Path.CASE:
            await routing.customer_message(self.uow, self.desk, self.customer, message_id, text, open_cases=self._open_cases)
        else:
            await self.dialog.text(message_id, text)  # with no draft open, it starts one with these words
        return path

    async def media(self, evidence: Evidence) -> Path:
        path = decide(await self._situation(Kind.MEDIA))
        if path is Path.CASE:
            await routing.customer_message(
                self.uow, self.desk, self.customer, evidence.message_id, evidence.caption, media=True, open_cases=self._open_cases
            )
        else:
            await self.dialog.media(evidence)  # with no draft open, it starts one with this evidence
        return path

    async def edited(self, message_id: int, text: str, caption: bool = False) -> Path:
        path = decide(await self._situation(Kind.EDITED_CAPTION if caption else Kind.EDITED_TEXT, message_id))
        if path is Path.DRAFT:
            await self.dialog.edited(message_id, text)
        else:
            # Passed on to a case (or held while the customer picks one): the correction follows.
            await routing.customer_edit(self.uow, self.desk, self.customer, message_id, text)
        return path

    async def start(self) -> Path:
        path = decide(await self._situation(Kind.START))
        await onboarding.start(self.uow, self.customer, returning=path is Path.RETURNING)
        if path is not Path.RETURNING:
            await self.dialog.start()  # the open draft's offer to continue, or a new draft's first prompt
        return path
