"""Repositories for complaint drafts and cases. They never commit."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from core.storage.models import Case, CaseCounter, CaseEvent, CaseEvidence, IntakeDraft


class DraftRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, user_id: int) -> IntakeDraft | None:
        return await self._session.get(IntakeDraft, user_id)

    def add(self, draft: IntakeDraft) -> None:
        self._session.add(draft)

    async def delete(self, draft: IntakeDraft) -> None:
        await self._session.delete(draft)
        await self._session.flush()


class CaseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

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

    async def get(self, case_id: int) -> Case | None:
        return await self._session.get(Case, case_id)

    async def by_number(self, number: str) -> Case | None:
        return (await self._session.execute(select(Case).where(Case.number == number))).scalar_one_or_none()

    async def for_customer(self, customer_id: int, limit: int = 20) -> Sequence[Case]:
        query = select(Case).where(Case.customer_id == customer_id).order_by(Case.id.desc()).limit(limit)
        return (await self._session.execute(query)).scalars().all()

    async def evidence(self, case_id: int) -> Sequence[CaseEvidence]:
        query = select(CaseEvidence).where(CaseEvidence.case_id == case_id).order_by(CaseEvidence.id)
        return (await self._session.execute(query)).scalars().all()

    async def events(self, case_id: int) -> Sequence[CaseEvent]:
        query = select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
        return (await self._session.execute(query)).scalars().all()
