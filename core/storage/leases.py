"""Claiming due rows with a lease: how planned work (deadlines, digests) is shared by
workers so that two instances never act on one row. Never commits."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any, Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession


async def claim_due(
    session: AsyncSession, model: Any, worker: str, now: datetime, lease: timedelta, limit: int
) -> tuple[str, Sequence[int]]:
    """Claims up to `limit` pending rows of `model` due by `now` until the lease ends;
    returns the claim's token (the rows' claimed_by) and their ids, earliest due first.
    Each call is a claim of its own. `model` has status, due_at, claimed_by, claimed_until.

    One UPDATE with the claim condition in its WHERE: two workers racing for the same
    rows cannot both win (the database re-checks the condition on the row it locks).
    The query reads only due rows through the (status, due_at) index.
    """
    free = (model.claimed_until.is_(None)) | (model.claimed_until < now)
    due = (
        select(model.id)
        .where(model.status == "pending", model.due_at <= now)
        .where(free)
        .order_by(model.due_at)
        .limit(limit)
        # PostgreSQL: skip rows another worker is claiming right now instead of waiting
        # for them and then finding them taken (SQLite has one writer and ignores this).
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    token = f"{worker}/{uuid.uuid4().hex[:12]}"
    await session.execute(
        update(model)
        .where(model.id.in_(due))
        .where(free)
        .values(claimed_by=token, claimed_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    query = select(model.id).where(model.claimed_by == token).order_by(model.due_at)
    return token, (await session.execute(query)).scalars().all()
