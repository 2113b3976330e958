"""Outbox conversations on a real database: which rows queue together, superseded edits, and
the migration that gave the rows already stored their conversation."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy import text

from core.intents import AnswerCallback, CaseRoute, CopyMessage, CreateTopic, EditCard, EditTopic, Phrase, SendMessage, SetReaction, SetTopicClosed
from core.storage.db import create_engine
from core.storage.migrate import migrate
from core.storage.models import UTCDateTime
from tests.integration.outbox_queries import count_by_status

GROUP = -1001


async def test_each_case_of_the_group_is_a_conversation_of_its_own(uow_factory, clock) -> None:
    later = clock.now() + timedelta(minutes=5)
    async with uow_factory() as uow:
        uow.emit(
            CreateTopic(GROUP, "zh_Hans", 1, Phrase("help.text")),
            SendMessage(GROUP, "zh_Hans", Phrase("help.text"), route=CaseRoute(1, "card")),
            SendMessage(GROUP, "zh_Hans", Phrase("help.text"), route=CaseRoute(2, "card")),
            EditCard(GROUP, "zh_Hans", 1, Phrase("help.text")),
            EditTopic(GROUP, "zh_Hans", 1, Phrase("help.text")),
            SetTopicClosed(GROUP, "zh_Hans", 1),
            SetReaction(GROUP, "zh_Hans", 77, "👌"),
            SendMessage(GROUP, "zh_Hans", Phrase("help.text"), thread_id=9),
            SendMessage(GROUP, "zh_Hans", Phrase("help.text")),
            SendMessage(5, "en", Phrase("help.text")),
            CopyMessage(5, "en", GROUP, 77),
            AnswerCallback(5, "en", "cb-1"),
        )
        await uow.commit()
    async with uow_factory() as uow:
        [topic] = await uow.outbox.pending_in_conversation(GROUP, "case:1", 1)
        await uow.outbox.retry_later(topic.id, later, "500: Internal Server Error")
        await uow.commit()
    async with uow_factory() as uow:
        heads = {(chat, conversation): at for chat, conversation, at in await uow.outbox.pending_conversations(100)}
        assert heads == {
            (GROUP, "case:1"): later,  # held by its failing head; nothing else is
            (GROUP, "case:2"): clock.now(),
            (GROUP, "case:1:card"): clock.now(),
            (GROUP, "case:1:topic"): clock.now(),
            (GROUP, "reaction:77"): clock.now(),
            (GROUP, "thread:9"): clock.now(),
            (GROUP, "chat"): clock.now(),
            (5, "chat"): clock.now(),
            (5, "callback:cb-1"): clock.now(),
        }
        case_one = await uow.outbox.pending_in_conversation(GROUP, "case:1", 10)
        assert [row.method for row in case_one] == ["create_topic", "send_message", "set_topic_closed"]
        customer = await uow.outbox.pending_in_conversation(5, "chat", 10)
        assert [row.method for row in customer] == ["send_message", "copy_message"]
        # A card edit waits only while the rows that make the card have not gone.
        [edit] = await uow.outbox.pending_in_conversation(GROUP, "case:1:card", 10)
        assert await uow.outbox.waiting_ahead(GROUP, "case:1", edit.id) == clock.now()
        assert await uow.outbox.waiting_ahead(GROUP, "case:2", edit.id) == clock.now()
        assert await uow.outbox.waiting_ahead(GROUP, "case:3", edit.id) is None
        assert await uow.outbox.waiting_ahead(GROUP, "case:1", topic.id) is None


async def test_only_the_newest_edit_of_a_card_is_kept(uow_factory, clock) -> None:
    async with uow_factory() as uow:
        for n in range(3):
            uow.emit(EditCard(GROUP, "zh_Hans", 1, Phrase("help.text", n=n)), EditCard(GROUP, "zh_Hans", 2, Phrase("help.text", n=n)))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.outbox.supersede_all_but_newest(GROUP, "case:1:card", clock.now()) == 2
        assert await uow.outbox.supersede_all_but_newest(GROUP, "case:1:card", clock.now()) == 0
        await uow.commit()
    async with uow_factory() as uow:
        [kept] = await uow.outbox.pending_in_conversation(GROUP, "case:1:card", 10)
        assert kept.payload["text"]["params"] == {"n": 2}
        assert len(await uow.outbox.pending_in_conversation(GROUP, "case:2:card", 10)) == 3  # another card: untouched
        assert await count_by_status(uow) == {"pending": 4, "superseded": 2}


async def test_the_migration_gives_pending_rows_their_conversation(database_url, clock) -> None:
    engine = create_engine(database_url)
    try:
        await migrate(engine, "0007")
        route = {"case_id": 4, "purpose": "relay", "in_thread": True}
        rows = [
            ("send_message", {"route": route, "thread_id": None}, "pending"),
            ("send_message", {"route": None, "thread_id": 12}, "pending"),
            ("copy_message", {"route": None, "from_chat_id": 1, "message_id": 2}, "pending"),
            ("edit_card", {"case_id": 4}, "pending"),
            ("edit_topic", {"case_id": 4}, "pending"),
            ("create_topic", {"case_id": 4}, "pending"),
            ("set_reaction", {"message_id": 8, "emoji": "x"}, "pending"),
            ("answer_callback", {"callback_query_id": "q7"}, "pending"),
            ("send_message", {"route": {**route, "case_id": 5}}, "sent"),
        ]
        old_outbox = sa.table(
            "outbox", *(sa.column(name) for name in ("chat_id", "locale", "method", "status", "attempts", "parts_sent")),
            sa.column("payload", sa.JSON()), sa.column("sent_message_ids", sa.JSON()),
            sa.column("next_attempt_at", UTCDateTime()), sa.column("created_at", UTCDateTime()),
        )
        async with engine.begin() as connection:
            await connection.execute(sa.insert(old_outbox), [
                {"chat_id": -1, "locale": "en", "method": method, "payload": payload, "status": status, "attempts": 0,
                 "parts_sent": 0, "sent_message_ids": [], "next_attempt_at": clock.now(), "created_at": clock.now()}
                for method, payload, status in rows
            ])
        await migrate(engine)
        async with engine.connect() as connection:
            stored = (await connection.execute(text("SELECT conversation FROM outbox ORDER BY id"))).scalars().all()
        assert stored == ["case:4", "thread:12", "chat", "case:4:card", "case:4:topic", "case:4", "reaction:8", "callback:q7", "chat"]
    finally:
        await engine.dispose()
