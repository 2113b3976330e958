"""Deadline rows: scheduled with a case's stage, claimed by a worker when due. Never commits."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain.sla import DeadlineKind
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
        """Claims up to `limit` due rows until the lease ends; returns the claim's token
        (the rows' claimed_by) and their ids. Each call is a claim of its own.

        One UPDATE with the claim condition in its WHERE: two workers racing for the same
        rows cannot both win (the database re-checks the condition on the row it locks).
        The query reads only due rows through the (status, due_at) index.
        """
        due = (
            select(Deadline.id)
            .where(Deadline.status == "pending", Deadline.due_at <= now)
            .where((Deadline.claimed_until.is_(None)) | (Deadline.claimed_until < now))
            .order_by(Deadline.due_at)
            .limit(limit)
            # PostgreSQL: skip rows another worker is claiming right now instead of waiting
            # for them and then finding them taken (SQLite has one writer and ignores this).
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        token = f"{worker}/{uuid.uuid4().hex[:12]}"
        await self._session.execute(
            update(Deadline)
            .where(Deadline.id.in_(due))
            .where((Deadline.claimed_until.is_(None)) | (Deadline.claimed_until < now))
            .values(claimed_by=token, claimed_until=now + lease)
            .execution_options(synchronize_session=False)
        )
        query = select(Deadline.id).where(Deadline.claimed_by == token).order_by(Deadline.due_at)
        return token, (await self._session.execute(query)).scalars().all()

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
