"""Repositories for complaint drafts and cases. They never commit."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.util import identity_key

from core.domain.lifecycle import FINAL_STAGES
from core.storage.by_key import get_by_key
from core.storage.models import Case, CaseCounter, CaseEvent, CaseEvidence, CaseLink, IntakeDraft, PendingRelay

# A staff member's first claim, assignment or message to the customer: the case's first
# response, which the reports measure (core/storage/report_queries.py).
RESPONSE_ACTIONS = ("claimed", "assigned", "asked", "staff_reply", "proposed", "rejected", "terminated")
# Read for each message a customer sends: built once.
_NEWEST_CASE_IDS = (
    select(Case.id).where(Case.customer_id == bindparam("customer_id")).order_by(Case.id.desc()).limit(bindparam("limit"))
)
_RECENT_AND_OPEN = (
    select(Case)
    .where(Case.customer_id == bindparam("customer_id"),
           or_(Case.stage.not_in(FINAL_STAGES), Case.id.in_(_NEWEST_CASE_IDS.scalar_subquery())))
    .order_by(Case.id.desc())
)


class DraftRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, user_id: int) -> IntakeDraft | None:
        return await get_by_key(self._session, IntakeDraft, user_id)

    def add(self, draft: IntakeDraft) -> None:
        self._session.add(draft)

    async def delete(self, draft: IntakeDraft) -> None:
        await self._session.delete(draft)
        await self._session.flush()


class CaseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._unloaded_responses: dict[int, datetime] = {}  # case id -> earliest response, see write_pending()

    async def next_sequence(self, day: str) -> int:
        """Atomically takes the day's next number: one upsert, safe with concurrent writers."""
        dialect = self._session.bind.dialect.name if self._session.bind else "sqlite"
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(CaseCounter).values(day=day, last=1)
        statement = statement.on_conflict_do_update(
            index_elements=[CaseCounter.day], set_={"last": CaseCounter.last + 1}
        ).returning(CaseCounter.last)
        return (await self._session.execute(statement)).scalar_one()

    async def add(self, case: Case) -> Case:
        self._session.add(case)
        await self._session.flush()  # the id is needed for evidence and history rows
        return case

    def add_evidence(self, evidence: CaseEvidence) -> None:
        self._session.add(evidence)

    def record_event(self, case_id: int, at: datetime, actor: str, action: str, **detail: Any) -> None:
        self._session.add(CaseEvent(case_id=case_id, at=at, actor=actor, action=action, detail=detail))
        if action in RESPONSE_ACTIONS and actor.startswith("staff:"):
            self._first_response(case_id, at)

    def _first_response(self, case_id: int, at: datetime) -> None:
        """Keeps cases.first_response_at the earliest response in the history, in the same
        transaction as the event. Staff usually act on a case they have loaded; one that is
        not is written by one UPDATE when the unit of work commits."""
        case = self._session.identity_map.get(identity_key(Case, case_id))
        if case is None:
            earliest = self._unloaded_responses.get(case_id)
            self._unloaded_responses[case_id] = at if earliest is None else min(earliest, at)
        elif case.first_response_at is None or at < case.first_response_at:
            case.first_response_at = at

    async def write_pending(self) -> None:
        """Writes what record_event() could not set on a loaded case; the unit of work calls it
        before committing."""
        for case_id, at in self._unloaded_responses.items():
            await self._session.execute(
                update(Case)
                .where(Case.id == case_id, or_(Case.first_response_at.is_(None), Case.first_response_at > at))
                .values(first_response_at=at)
                .execution_options(synchronize_session=False)
            )
        self._unloaded_responses.clear()

    def forget_pending(self) -> None:
        self._unloaded_responses.clear()

    async def get(self, case_id: int) -> Case | None:
        return await get_by_key(self._session, Case, case_id)

    async def by_number(self, number: str) -> Case | None:
        return (await self._session.execute(select(Case).where(Case.number == number))).scalar_one_or_none()

    async def for_customer(self, customer_id: int, limit: int = 20) -> Sequence[Case]:
        query = select(Case).where(Case.customer_id == customer_id).order_by(Case.id.desc()).limit(limit)
        return (await self._session.execute(query)).scalars().all()

    async def recent_and_open(self, customer_id: int, limit: int = 20) -> tuple[Sequence[Case], Sequence[Case]]:
        """for_customer() and open_for_customer() in one query: the `limit` newest cases and
        every open one, however old."""
        parameters = {"customer_id": customer_id, "limit": limit}
        cases = (await self._session.execute(_RECENT_AND_OPEN, parameters)).scalars().all()
        return cases[:limit], [c for c in reversed(cases) if c.stage not in FINAL_STAGES]

    async def evidence(self, case_id: int) -> Sequence[CaseEvidence]:
        query = select(CaseEvidence).where(CaseEvidence.case_id == case_id).order_by(CaseEvidence.id)
        return (await self._session.execute(query)).scalars().all()

    async def last_event_at(self, case_id: int, *actions: str) -> datetime | None:
        query = select(func.max(CaseEvent.at)).where(CaseEvent.case_id == case_id, CaseEvent.action.in_(actions))
        return (await self._session.execute(query)).scalar_one_or_none()

    async def events(self, case_id: int) -> Sequence[CaseEvent]:
        query = select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
        return (await self._session.execute(query)).scalars().all()

    async def open_for_customer(self, customer_id: int) -> Sequence[Case]:
        query = (
            select(Case)
            .where(Case.customer_id == customer_id, Case.stage.not_in(FINAL_STAGES))
            .order_by(Case.id)
        )
        return (await self._session.execute(query)).scalars().all()

    async def claim(self, case_id: int, owner_id: int, at: datetime) -> bool:
        """Takes an unowned case; False when someone else got there first (one UPDATE, no race)."""
        result = await self._session.execute(
            update(Case)
            .where(Case.id == case_id, Case.owner_id.is_(None))
            .values(owner_id=owner_id, updated_at=at)
            .execution_options(synchronize_session="fetch")
        )
        return (result.rowcount or 0) == 1

    async def by_thread(self, thread_id: int) -> Case | None:
        return (await self._session.execute(select(Case).where(Case.thread_id == thread_id))).scalar_one_or_none()

    async def by_thread_in(self, chat_id: int, thread_id: int, home: int | None) -> Case | None:
        """The case whose topic in group `chat_id` this is (topic ids are per group)."""
        in_group = Case.group_chat_id == chat_id
        if chat_id == home:
            in_group = in_group | Case.group_chat_id.is_(None)
        query = select(Case).where(Case.thread_id == thread_id, in_group)
        return (await self._session.execute(query)).scalars().first()

    def add_link(self, chat_id: int, message_id: int, case_id: int, purpose: str) -> None:
        self._session.add(CaseLink(chat_id=chat_id, message_id=message_id, case_id=case_id, purpose=purpose))

    async def link(self, chat_id: int, message_id: int) -> CaseLink | None:
        return await self._session.get(CaseLink, (chat_id, message_id))

    async def queue(self, limit: int = 30) -> Sequence[Case]:
        """Open cases, unclaimed first, then the oldest."""
        query = (
            select(Case)
            .where(Case.stage.not_in(FINAL_STAGES))
            .order_by(Case.owner_id.is_not(None), Case.id)
            .limit(limit)
        )
        return (await self._session.execute(query)).scalars().all()

    async def owned_by(self, owner_id: int, limit: int = 30) -> Sequence[Case]:
        query = (
            select(Case)
            .where(Case.owner_id == owner_id, Case.stage.not_in(FINAL_STAGES))
            .order_by(Case.id)
            .limit(limit)
        )
        return (await self._session.execute(query)).scalars().all()

    async def find(self, text: str, limit: int = 20) -> Sequence[Case]:
        # The words are matched as typed: % and _ are not wildcards here.
        escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        query = (
            select(Case)
            .where(or_(func.lower(Case.number).like(pattern, escape="\\"), func.lower(Case.statement).like(pattern, escape="\\")))
            .order_by(Case.id.desc())
            .limit(limit)
        )
        return (await self._session.execute(query)).scalars().all()

    async def hold_relay(self, user_id: int, message_id: int, text: str | None, at: datetime) -> PendingRelay:
        relay = PendingRelay(user_id=user_id, message_id=message_id, text=text, created_at=at)
        self._session.add(relay)
        await self._session.flush()
        return relay

    async def held_relay(self, relay_id: int) -> PendingRelay | None:
        return await self._session.get(PendingRelay, relay_id)

    async def held_relay_of_message(self, user_id: int, message_id: int) -> PendingRelay | None:
        query = select(PendingRelay).where(PendingRelay.user_id == user_id, PendingRelay.message_id == message_id)
        return (await self._session.execute(query)).scalars().first()

    async def event_of_message(self, case_id: int, action: str, message_id: int) -> CaseEvent | None:
        return await self._latest_event_of_message(CaseEvent.case_id == case_id, action, message_id)

    async def relayed_from(self, customer_id: int, message_id: int) -> CaseEvent | None:
        """The latest relay of one of the customer's messages to one of their cases."""
        of_customer = CaseEvent.case_id.in_(select(Case.id).where(Case.customer_id == customer_id))
        return await self._latest_event_of_message(of_customer, "customer_message", message_id)

    async def _latest_event_of_message(self, which_cases: Any, action: str, message_id: int) -> CaseEvent | None:
        query = (
            select(CaseEvent)
            .where(which_cases, CaseEvent.action == action, CaseEvent.detail["message_id"].as_integer() == message_id)
            .order_by(CaseEvent.id.desc())
            .limit(1)
        )
        return (await self._session.execute(query)).scalar_one_or_none()

    async def release_relay(self, relay: PendingRelay) -> None:
        await self._session.delete(relay)
