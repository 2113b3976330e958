"""The weekly digest's rows: planned for a slot, claimed by a worker with a lease when due,
as deadline rows are (core/storage/deadline_repository.py). Never commits."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.storage import leases
from core.storage.models import Digest

WEEKLY = "weekly"


class DigestRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def plan(self, due_at: datetime, kind: str = WEEKLY) -> None:
        """The slot's row pending: a new one, or the one cancelled earlier (a setting changed
        and changed back), since a slot has one row."""
        query = select(Digest).where(Digest.kind == kind, Digest.due_at == due_at)
        row = (await self._session.execute(query)).scalar_one_or_none()
        if row is None:
            self._session.add(Digest(kind=kind, due_at=due_at, status="pending"))
        elif row.status == "cancelled":
            row.status, row.done_at, row.claimed_by, row.claimed_until = "pending", None, None, None

    async def pending(self, kind: str = WEEKLY) -> Sequence[Digest]:
        query = select(Digest).where(Digest.kind == kind, Digest.status == "pending").order_by(Digest.due_at)
        return (await self._session.execute(query)).scalars().all()

    async def get(self, digest_id: int) -> Digest | None:
        return await self._session.get(Digest, digest_id)

    async def all(self, kind: str = WEEKLY) -> Sequence[Digest]:
        query = select(Digest).where(Digest.kind == kind).order_by(Digest.due_at, Digest.id)
        return (await self._session.execute(query)).scalars().all()

    async def claim_due(self, worker: str, now: datetime, lease: timedelta, limit: int = 10) -> tuple[str, Sequence[int]]:
        """Claims up to `limit` due rows until the lease ends (core/storage/leases.py)."""
        return await leases.claim_due(self._session, Digest, worker, now, lease, limit)
