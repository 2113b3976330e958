"""Repositories: queries over one session. They flush when they must, never commit."""
from __future__ import annotations

from datetime import datetime
from typing import Sequence

from sqlalchemy import bindparam, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.delivery_order import conversation_of
from core.intents import Intent, encode_intent
from core.storage.by_key import get_by_key
from core.storage.models import OutboxMessage, ProcessedUpdate, User

# The hot statements go to the tables, not through the ORM: these updates need no loaded
# objects, and the ORM's bulk-update path cost more than the statement itself. The ones
# every update or delivery runs are built once.
OUTBOX = OutboxMessage.__table__
PROCESSED = ProcessedUpdate.__table__
_SEEN = select(PROCESSED.c.update_id).where(PROCESSED.c.update_id == bindparam("update_id"))
# SET takes the columns given with each execution (finish: status, finished_at, last_error;
# a part sent: parts_sent, sent_message_ids and, for the last, status and finished_at).
_UPDATE_ROW = update(OUTBOX).where(OUTBOX.c.id == bindparam("row_id"))
_PENDING_IN_CONVERSATION = (
    select(OUTBOX)
    .where(OUTBOX.c.chat_id == bindparam("chat_id"), OUTBOX.c.conversation == bindparam("conversation"),
           OUTBOX.c.status == "pending")
    .order_by(OUTBOX.c.id)
    .limit(bindparam("limit"))
)


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, user_id: int) -> User | None:
        return await get_by_key(self._session, User, user_id)

    def add(self, user: User) -> None:
        self._session.add(user)


class ProcessedUpdateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def seen(self, update_id: int) -> bool:
        return (await self._session.execute(_SEEN, {"update_id": update_id})).first() is not None

    def record(self, update_id: int, outcome: str, at: datetime) -> None:
        self._session.add(ProcessedUpdate(update_id=update_id, outcome=outcome, processed_at=at))

    async def prune_before(self, cutoff: datetime) -> int:
        result = await self._session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < cutoff))
        return result.rowcount or 0


class OutboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        # (chat_id, conversation) of the rows added in this transaction: the sender's hint.
        self.added_lanes: set[tuple[int, str]] = set()

    def add(self, intent: Intent, now: datetime) -> OutboxMessage:
        method, payload = encode_intent(intent)
        conversation = conversation_of(intent)
        row = OutboxMessage(
            chat_id=intent.chat_id,
            conversation=conversation,
            locale=intent.locale,
            method=method,
            payload=payload,
            status="pending",
            attempts=0,
            parts_sent=0,
            sent_message_ids=[],
            next_attempt_at=now,
            created_at=now,
        )
        self._session.add(row)
        self.added_lanes.add((intent.chat_id, conversation))
        return row

    async def get(self, row_id: int) -> OutboxMessage | None:
        return await self._session.get(OutboxMessage, row_id)

    async def pending_conversations(self, limit: int) -> Sequence[tuple[int, str, datetime]]:
        """(chat, conversation, earliest time its head row may go) for conversations with pending rows."""
        head = (
            select(func.min(OutboxMessage.id).label("head_id"))
            .where(OutboxMessage.status == "pending")
            .group_by(OutboxMessage.chat_id, OutboxMessage.conversation)
            .subquery()
        )
        query = (
            select(OutboxMessage.chat_id, OutboxMessage.conversation, OutboxMessage.next_attempt_at)
            .join(head, OutboxMessage.id == head.c.head_id)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
        return [(chat_id, conversation, at) for chat_id, conversation, at in (await self._session.execute(query)).all()]

    async def pending_in_conversation(self, chat_id: int, conversation: str, limit: int) -> Sequence[OutboxMessage]:
        """The conversation's pending rows in order, as snapshots outside the session (the
        sender reads them once per drain and changes them only through this repository's
        statements): half the cost of loading them through the ORM."""
        await self._session.flush()  # rows added in this transaction are among them
        parameters = {"chat_id": chat_id, "conversation": conversation, "limit": limit}
        rows = (await self._session.execute(_PENDING_IN_CONVERSATION, parameters)).mappings().all()
        return [OutboxMessage(**row) for row in rows]

    async def waiting_ahead(self, chat_id: int, conversation: str, before_id: int) -> datetime | None:
        """When the earliest pending row of the conversation queued before `before_id` may go next;
        None when there is none."""
        query = select(func.min(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.conversation == conversation,
            OutboxMessage.status == "pending",
            OutboxMessage.id < before_id,
        )
        return (await self._session.execute(query)).scalar_one_or_none()

    async def supersede_all_but_newest(self, chat_id: int, conversation: str, at: datetime) -> int:
        """Marks every pending row of the conversation but its newest one superseded."""
        in_lane = (OutboxMessage.chat_id == chat_id, OutboxMessage.conversation == conversation, OutboxMessage.status == "pending")
        newest = select(func.max(OutboxMessage.id)).where(*in_lane).scalar_subquery()
        result = await self._session.execute(
            update(OutboxMessage).where(*in_lane, OutboxMessage.id < newest).values(status="superseded", finished_at=at)
        )
        return result.rowcount or 0

    async def pending_for_chat(self, chat_id: int, limit: int) -> Sequence[OutboxMessage]:
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.chat_id == chat_id, OutboxMessage.status == "pending")
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
        return (await self._session.execute(query)).scalars().all()

    async def record_part_sent(self, row: OutboxMessage, message_id: int, finished_at: datetime | None) -> None:
        """One UPDATE per part sent; `finished_at` marks the last part and the row sent."""
        values: dict[str, object] = {
            "row_id": row.id,
            "parts_sent": row.parts_sent + 1,
            "sent_message_ids": [*row.sent_message_ids, message_id],
        }
        if finished_at is not None:
            values.update(status="sent", finished_at=finished_at)
        await self._session.execute(_UPDATE_ROW, values)
        row.parts_sent, row.sent_message_ids = values["parts_sent"], values["sent_message_ids"]  # type: ignore[assignment]

    async def prune_finished_before(self, cutoff: datetime) -> int:
        result = await self._session.execute(
            delete(OutboxMessage).where(OutboxMessage.status != "pending", OutboxMessage.finished_at < cutoff)
        )
        return result.rowcount or 0

    async def delete_finished_about_cases(self, case_ids: Sequence[int]) -> int:
        """Sent or failed rows that name one of the cases (a message routed to its thread, or
        an edit of its card or topic): their rendered parameters may quote the customer."""
        if not case_ids:
            return 0
        about = or_(
            OutboxMessage.payload[("route", "case_id")].as_integer().in_(case_ids),
            OutboxMessage.payload["case_id"].as_integer().in_(case_ids),
        )
        result = await self._session.execute(delete(OutboxMessage).where(OutboxMessage.status != "pending", about))
        return result.rowcount or 0

    async def finish(self, row_id: int, status: str, at: datetime, error: str | None = None) -> None:
        await self._session.execute(_UPDATE_ROW, {"row_id": row_id, "status": status, "finished_at": at, "last_error": error})

    async def retry_later(self, row_id: int, at: datetime, error: str, count_attempt: bool = True) -> int:
        row = await self._session.get(OutboxMessage, row_id)
        assert row is not None
        if count_attempt:
            row.attempts += 1
        row.next_attempt_at = at
        row.last_error = error
        return row.attempts

    async def delay_chat(self, chat_id: int, until: datetime) -> None:
        """Nothing more goes to this chat before `until` (a 429 names the chat, not the row)."""
        await self._session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.chat_id == chat_id,
                OutboxMessage.status == "pending",
                OutboxMessage.next_attempt_at < until,
            )
            .values(next_attempt_at=until)
        )
