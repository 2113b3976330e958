"""Deadline rows: scheduled with a case's stage, claimed by a worker when due. Never commits."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain.sla import DeadlineKind
from core.storage import leases
from core.storage.models import Deadline

# A pending row cancelled because it was planned anew (a severity change puts the stage on
# another clock): unlike "cancelled", it says nothing about whether the stage was in time.
REPLANNED = "replanned"


class DeadlineRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, case_id: int, kind: DeadlineKind, stage: str, due_at: datetime, breach_no: int = 0) -> None:
        self._session.add(Deadline(case_id=case_id, kind=kind, stage=stage, due_at=due_at, breach_no=breach_no, status="pending"))

    async def cancel_pending(
        self, case_id: int, at: datetime, keep_kinds: tuple[DeadlineKind, ...] = (), status: str = "cancelled"
    ) -> None:
        """Cancels the case's pending rows, except those of `keep_kinds` (the overall
        limit outlives every stage); `status`: REPLANNED when new rows replace them."""
        await self._session.execute(
            update(Deadline)
            .where(Deadline.case_id == case_id, Deadline.status == "pending", Deadline.kind.not_in(keep_kinds))
            .values(status=status, done_at=at)
        )

    async def has_kind(self, case_id: int, kind: DeadlineKind) -> bool:
        """Whether the case ever had a row of this kind, whatever became of it."""
        query = select(Deadline.id).where(Deadline.case_id == case_id, Deadline.kind == kind).limit(1)
        return (await self._session.execute(query)).scalar_one_or_none() is not None

    async def claim_due(self, worker: str, now: datetime, lease: timedelta, limit: int) -> tuple[str, Sequence[int]]:
        """Claims up to `limit` due rows until the lease ends (core/storage/leases.py)."""
        return await leases.claim_due(self._session, Deadline, worker, now, lease, limit)

    async def get(self, deadline_id: int) -> Deadline | None:
        return await self._session.get(Deadline, deadline_id)

    async def for_case(self, case_id: int) -> Sequence[Deadline]:
        query = select(Deadline).where(Deadline.case_id == case_id).order_by(Deadline.id)
        return (await self._session.execute(query)).scalars().all()

    async def next_pending(self, case_id: int) -> Deadline | None:
        query = (
            select(Deadline)
            .where(Deadline.case_id == case_id, Deadline.status == "pending", Deadline.kind == DeadlineKind.BREACH)
            .order_by(Deadline.due_at)
            .limit(1)
        )
        return (await self._session.execute(query)).scalar_one_or_none()

    async def next_of_kind(self, case_id: int, *kinds: DeadlineKind) -> datetime | None:
        """When the case's earliest pending row of these kinds is due."""
        query = (
            select(Deadline.due_at)
            .where(Deadline.case_id == case_id, Deadline.status == "pending", Deadline.kind.in_(kinds))
            .order_by(Deadline.due_at)
            .limit(1)
        )
        return (await self._session.execute(query)).scalar_one_or_none()
