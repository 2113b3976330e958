"""The real outbox sender on a migrated database, sending to the fake Bot API."""
from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from sqlalchemy import select

from bot.delivery.limits import RateLimits, SendRateLimiter
from bot.delivery.sender import OutboxSender, RetryPolicy
from bot.i18n import Catalogs, Renderer
from core.clock import SystemClock
from core.storage.db import session_factory
from core.storage.models import Case, OutboxMessage
from core.storage.uow import UnitOfWork
from fake_telegram import FakeTelegramServer

TOKEN = "123456:TEST-TOKEN"
FAST_LIMITS = RateLimits(per_chat_per_second=1000, per_chat_burst=100, per_group_per_minute=60000, per_group_burst=100,
                         global_per_second=10000, global_burst=100)
QUICK_RETRIES = RetryPolicy(max_attempts=3, backoff_base_seconds=0.05, backoff_cap_seconds=0.2)


class Harness:
    def __init__(self, server: FakeTelegramServer, bot: Bot, uow_factory: Any, sender: OutboxSender) -> None:
        self.server = server
        self.bot = bot
        self.uow_factory = uow_factory
        self.sender = sender

    async def emit(self, *intents: Any) -> None:
        async with self.uow_factory() as uow:
            uow.emit(*intents)
            await uow.commit()

    async def rows(self) -> list[OutboxMessage]:
        async with self.uow_factory() as uow:
            return list((await uow.session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars())

    async def row_states(self) -> list[tuple[str, str | None, int]]:
        return [(row.status, row.last_error, row.parts_sent) for row in await self.rows()]

    async def wait_settled(self, timeout: float = 20) -> list[tuple[str, str | None, int]]:
        async def settled() -> list:
            while True:
                states = await self.row_states()
                if all(status != "pending" for status, _, _ in states):
                    return states
                await asyncio.sleep(0.02)

        try:
            return await asyncio.wait_for(settled(), timeout)
        except TimeoutError:
            raise AssertionError(f"outbox not settled in {timeout}s: {[(r.id, r.method, r.conversation, r.status, r.attempts, r.next_attempt_at, r.last_error) for r in await self.rows()]}") from None

    async def add_case(self, number: str, customer_id: int, thread_id: int | None = None, card_message_id: int | None = None) -> int:
        now = SystemClock().now()
        async with self.uow_factory() as uow:
            case = Case(number=number, customer_id=customer_id, category="other", statement="s", reference_values={},
                        contact_phone=None, resolution="refund", resolution_note=None, locale="en", channel="telegram",
                        stage="received", severity="general", tier=1, reopen_count=0, appealed=False,
                        thread_id=thread_id, card_message_id=card_message_id, created_at=now, updated_at=now)
            await uow.cases.add(case)
            await uow.commit()
            return case.id

    def calls(self, method: str, **params: Any) -> list:
        return [c for c in self.server.calls if c.method == method and all(c.params.get(k) == v for k, v in params.items())]


@asynccontextmanager
async def running_sender(engine: Any, retry: RetryPolicy = QUICK_RETRIES, limits: RateLimits = FAST_LIMITS,
                         idle_recheck_seconds: float = 5.0) -> AsyncIterator[Harness]:
    server = FakeTelegramServer(token=TOKEN)
    await server.start()
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(server.base_url), timeout=2))
    sessions = session_factory(engine)
    sender_box: list[OutboxSender] = []

    def uow_factory() -> UnitOfWork:
        return UnitOfWork(sessions, SystemClock(), on_outbox_commit=sender_box[0].wake if sender_box else None)

    sender = OutboxSender(bot, uow_factory, Renderer(Catalogs(), "Asia/Shanghai"), SendRateLimiter(limits), SystemClock(), retry,
                          idle_recheck_seconds=idle_recheck_seconds)
    sender_box.append(sender)
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(stop))
    try:
        yield Harness(server, bot, uow_factory, sender)
    finally:
        stop.set()
        await task
        await bot.session.close()
        await server.stop()
