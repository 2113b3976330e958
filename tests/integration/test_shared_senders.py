"""Two outbox senders on one PostgreSQL database, as two instances run them: every row is
sent once and in its conversation's order, and a dead instance's conversation is taken
over when its lease runs out, not before."""
from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from sqlalchemy import text

from bot.delivery.lane_claims import SharedLanes
from bot.delivery.sender import OutboxSender
from bot.delivery.shared_limits import SharedRateLimiter
from bot.i18n import Catalogs, Renderer
from core.clock import SystemClock
from core.intents import Phrase, SendMessage
from core.storage.db import session_factory
from core.storage.lane_leases import claim_lane
from core.storage.uow import UnitOfWork
from fake_telegram import FakeTelegramServer
from tests.integration.sender_harness import FAST_LIMITS, QUICK_RETRIES, TOKEN


@pytest.fixture
def pg_engine(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("several instances share PostgreSQL only")
    return engine


@asynccontextmanager
async def two_senders(engine) -> AsyncIterator[tuple[FakeTelegramServer, list[OutboxSender], object]]:
    server = FakeTelegramServer(token=TOKEN)
    await server.start()
    sessions = session_factory(engine)
    bots, senders, tasks, stop = [], [], [], asyncio.Event()
    renderer = Renderer(Catalogs(), "Asia/Shanghai")

    def uow_factory() -> UnitOfWork:
        return UnitOfWork(sessions, SystemClock(), on_outbox_commit=lambda lanes: [s.wake(lanes) for s in senders])

    try:
        for _ in range(2):
            bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(server.base_url), timeout=2))
            bots.append(bot)
            lanes = SharedLanes(sessions)
            sender = OutboxSender(bot, uow_factory, renderer, SharedRateLimiter(engine, FAST_LIMITS), SystemClock(),
                                  QUICK_RETRIES, idle_recheck_seconds=0.2, lanes=lanes)
            senders.append(sender)
            tasks += [asyncio.create_task(sender.run(stop)), asyncio.create_task(lanes.run(stop))]
        yield server, senders, uow_factory
    finally:
        stop.set()
        await asyncio.gather(*tasks)
        for bot in bots:
            await bot.session.close()
        await server.stop()


async def emit(uow_factory, *intents) -> None:
    async with uow_factory() as uow:
        uow.emit(*intents)
        await uow.commit()


async def wait_settled(engine, timeout: float = 15) -> None:
    """Until every outbox row is recorded as done (a message reaches the fake server a moment
    before its sender records it)."""
    query = text("SELECT count(*) FROM outbox WHERE status = 'pending'")
    async with asyncio.timeout(timeout):
        while True:
            async with engine.connect() as connection:
                if not (await connection.execute(query)).scalar_one():
                    return
            await asyncio.sleep(0.02)


def numbered(server: FakeTelegramServer, chat_id: int) -> list[str]:
    return [m["text"] for m in server.bot_messages(chat_id)]


async def test_two_senders_send_each_row_once_in_order(pg_engine) -> None:
    async with two_senders(pg_engine) as (server, senders, uow_factory):
        users = [server.create_user(first_name=f"U{n}") for n in range(8)]
        for round_ in range(6):
            await emit(uow_factory, *(SendMessage(u.chat_id, "en", Phrase("start.greeting", name=f"R{round_}")) for u in users))
        for user in users:
            await server.wait_for_messages(user.chat_id, 6, timeout=30)
        await wait_settled(pg_engine)
        async with pg_engine.connect() as connection:
            assert (await connection.execute(text("SELECT count(*) FROM outbox WHERE status <> 'sent'"))).scalar_one() == 0
        sends = [c for c in server.calls if c.method == "sendMessage"]
        assert len(sends) == 6 * len(users)  # none twice
        for user in users:
            texts = numbered(server, user.chat_id)
            assert [re.search(r"R(\d)", t).group(1) for t in texts] == [str(n) for n in range(6)]


async def test_a_dead_instances_conversation_waits_for_its_lease_then_goes_once(pg_engine) -> None:
    async with two_senders(pg_engine) as (server, senders, uow_factory):
        stuck, free = server.create_user(first_name="Stuck"), server.create_user(first_name="Free")
        # An instance killed while it held the customer's conversation: its lease runs 3 s more.
        async with session_factory(pg_engine)() as session:
            assert await claim_lane(session, stuck.chat_id, "chat", "dead/1/0", 3.0)
            await session.commit()
        await emit(uow_factory, SendMessage(stuck.chat_id, "en", Phrase("help.text")), SendMessage(free.chat_id, "en", Phrase("help.text")))
        await server.wait_for_messages(free.chat_id, 1, timeout=10)
        async with pg_engine.connect() as connection:
            lease_left = (await connection.execute(text(
                "SELECT extract(epoch FROM claimed_until - clock_timestamp()) FROM outbox_lanes WHERE claimed_by = 'dead/1/0'"
            ))).scalar_one_or_none()
        if lease_left is not None and lease_left > 0:
            assert server.bot_messages(stuck.chat_id) == []  # nobody sends while the lease runs
        await server.wait_for_messages(stuck.chat_id, 1, timeout=15)
        await wait_settled(pg_engine)
        assert len(server.bot_messages(stuck.chat_id)) == 1
        assert len([c for c in server.calls if c.method == "sendMessage"]) == 2
