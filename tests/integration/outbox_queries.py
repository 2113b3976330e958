"""Questions only the tests ask of the outbox."""
from __future__ import annotations

from sqlalchemy import func, select

from core.storage.models import OutboxMessage
from core.storage.uow import UnitOfWork


async def head_for_chat(uow: UnitOfWork, chat_id: int) -> OutboxMessage | None:
    """The oldest pending row of a chat, whatever its conversation."""
    rows = await uow.outbox.pending_for_chat(chat_id, limit=1)
    return rows[0] if rows else None


async def count_by_status(uow: UnitOfWork) -> dict[str, int]:
    query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    return {status: count for status, count in (await uow.session.execute(query)).all()}
