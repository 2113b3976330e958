"""How busy each handler group is, for choosing one and for the backlog it is told of; and
a case's rows still waiting in a group it leaves."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.delivery_order import case_conversation
from core.domain.desk_routing import GroupLoad
from core.domain.lifecycle import FINAL_STAGES
from core.storage.models import Case, OutboxMessage


async def pending_in_groups(session: AsyncSession, chat_ids: Sequence[int]) -> dict[int, int]:
    """Messages waiting to be posted in each group (answers to button presses excluded: they
    take no share of the group's budget)."""
    query = (
        select(OutboxMessage.chat_id, func.count())
        .where(OutboxMessage.status == "pending", OutboxMessage.chat_id.in_(chat_ids), OutboxMessage.method != "answer_callback")
        .group_by(OutboxMessage.chat_id)
    )
    return {chat: count for chat, count in (await session.execute(query)).all()}


async def group_loads(session: AsyncSession, chat_ids: Sequence[int], home: int | None) -> dict[int, GroupLoad]:
    pending = await pending_in_groups(session, chat_ids)
    group = func.coalesce(Case.group_chat_id, home) if home is not None else Case.group_chat_id
    query = select(group, func.count()).where(Case.stage.not_in(FINAL_STAGES), group.in_(chat_ids)).group_by(group)
    open_cases = {chat: count for chat, count in (await session.execute(query)).all()}
    return {chat: GroupLoad(pending.get(chat, 0), open_cases.get(chat, 0)) for chat in chat_ids}


async def withdraw_case_rows(session: AsyncSession, chat_id: int, case_id: int, at: datetime) -> list[OutboxMessage]:
    """A case's rows still waiting in a group it leaves, marked superseded and returned (oldest
    first) so that what people wait for can be sent again in the new group."""
    base = case_conversation(case_id)
    in_case = (
        OutboxMessage.chat_id == chat_id, OutboxMessage.status == "pending",
        or_(OutboxMessage.conversation == base, OutboxMessage.conversation.like(f"{base}:%")),
    )
    rows = list((await session.execute(select(OutboxMessage).where(*in_case).order_by(OutboxMessage.id))).scalars().all())
    if rows:
        await session.execute(
            update(OutboxMessage).where(OutboxMessage.id.in_([r.id for r in rows])).values(status="superseded", finished_at=at)
        )
    return rows
