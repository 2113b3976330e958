"""Outbox lanes (one conversation of the outbox) claimed with a lease, so that of several
instances sharing PostgreSQL only one sends a conversation's rows at a time. Times are the
database's (clock_timestamp()), so the instances' own clocks do not matter. Never commits."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, func, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.storage.models import OutboxLane


def _until(lease_seconds: float):  # type: ignore[no-untyped-def]
    return func.clock_timestamp() + func.make_interval(0, 0, 0, 0, 0, 0, lease_seconds)


async def claim_lanes(
    session: AsyncSession, lanes: Iterable[tuple[int, str]], owner: str, lease_seconds: float
) -> set[tuple[int, str]]:
    """Takes each lane unless another owner's lease on it is still running; returns the lanes
    won. One statement for them all: two instances racing for a free lane cannot both win
    (the conflict is re-checked on the locked row)."""
    wanted = sorted(set(lanes))  # one order for every instance, so two claims never deadlock
    if not wanted:
        return set()
    statement = insert(OutboxLane).values(
        [{"chat_id": chat_id, "conversation": conversation, "claimed_by": owner, "claimed_until": _until(lease_seconds)}
         for chat_id, conversation in wanted]
    )
    statement = statement.on_conflict_do_update(
        index_elements=[OutboxLane.chat_id, OutboxLane.conversation],
        set_={"claimed_by": owner, "claimed_until": _until(lease_seconds)},
        where=(OutboxLane.claimed_until < func.clock_timestamp()) | (OutboxLane.claimed_by == owner),
    ).returning(OutboxLane.chat_id, OutboxLane.conversation, OutboxLane.claimed_by)
    rows = (await session.execute(statement)).all()
    return {(chat_id, conversation) for chat_id, conversation, claimed_by in rows if claimed_by == owner}


async def claim_lane(session: AsyncSession, chat_id: int, conversation: str, owner: str, lease_seconds: float) -> bool:
    return (chat_id, conversation) in await claim_lanes(session, [(chat_id, conversation)], owner, lease_seconds)


async def renew_lanes(
    session: AsyncSession, lanes: Iterable[tuple[int, str]], owner: str, lease_seconds: float
) -> set[tuple[int, str]]:
    """Extends this owner's leases on `lanes`; returns the lanes it still holds."""
    wanted = list(lanes)
    if not wanted:
        return set()
    result = await session.execute(
        update(OutboxLane)
        .where(OutboxLane.claimed_by == owner, tuple_(OutboxLane.chat_id, OutboxLane.conversation).in_(wanted))
        .values(claimed_until=_until(lease_seconds))
        .returning(OutboxLane.chat_id, OutboxLane.conversation)
    )
    return {(chat_id, conversation) for chat_id, conversation in result.all()}


async def release_lane(session: AsyncSession, chat_id: int, conversation: str, owner: str) -> None:
    await session.execute(
        delete(OutboxLane).where(
            OutboxLane.chat_id == chat_id, OutboxLane.conversation == conversation, OutboxLane.claimed_by == owner
        )
    )
