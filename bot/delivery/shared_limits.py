"""Telegram's limits shared by several instances on one PostgreSQL database.

Each instance keeps its in-memory buckets (bot/delivery/limits.py: its own queue order, a
card refresh yielding to relays) and then reserves a slot in the `send_budgets` table, which
every instance draws on: one row for the whole bot and one per chat, each a GCRA bucket
(the "theoretical arrival time" form of a token bucket: one number per bucket). A message
first reserves its chat's earliest slot, however far ahead, and sleeps until it; only then
does it reserve the earliest global slot, so a group's backlog minutes long never holds the
global queue. Each reservation is one statement, so a row is locked only while the server
runs it. Times are the database's, so the instances' clocks need not agree. A reserved slot
that goes unused (a crash, a 429) is only budget left unspent, never a message over the
limit.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.delivery.lane_claims import LaneLost, LocalLanes
from bot.delivery.limits import RateLimits, SendRateLimiter

log = logging.getLogger("kesu.delivery")

GLOBAL_KEY = "global"
# Rows of chats not written for this long are the same as new ones, and are deleted.
PRUNE_AFTER_SECONDS = 600.0
PRUNE_EVERY_SECONDS = 300.0

# Each reservation is one statement in a transaction of its own, so a row is locked only
# while the server runs it, never across a round trip, and no statement locks two rows.
_NOW = "extract(epoch FROM clock_timestamp())"
# GCRA: the slot is max(now, tat - tolerance) and the bucket moves to max(tat, now) + interval.
_TAKE = f"UPDATE send_budgets SET tat = greatest(tat, {_NOW}) + :interval WHERE key = :key"
_TAKE_ANY = text(f"{_TAKE} RETURNING tat, {_NOW}")
# A card refresh: only a slot free now with another one left behind it.
_TAKE_SPARE = text(f"{_TAKE} AND tat + :interval - :tolerance <= {_NOW} RETURNING tat, {_NOW}")
_READ = text(f"SELECT tat, {_NOW} FROM send_budgets WHERE key = :key")
_SHIFT = text("UPDATE send_budgets SET tat = tat + :seconds WHERE key = :key")


def chat_key(chat_id: int) -> str:
    return f"chat:{chat_id}"


class SharedRateLimiter(SendRateLimiter):
    def __init__(
        self,
        engine: AsyncEngine,
        limits: RateLimits = RateLimits(),
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        lanes: LocalLanes | None = None,
    ) -> None:
        """`lanes`: whose leases are checked once a message's slot has come (a lease lost
        while it waited means another instance sends it now)."""
        super().__init__(limits, monotonic, sleep)
        self._lanes = lanes or LocalLanes()
        self._engine = engine
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._known: set[str] = set()
        self._next_prune = 0.0
        self._blocks: set[asyncio.Task[None]] = set()

    def _interval_and_tolerance(self, chat_id: int | None) -> tuple[float, float]:
        """(seconds between messages at the sustained rate, how far ahead a burst may run)."""
        lim = self.limits
        if chat_id is None:
            rate, burst = lim.global_per_second, lim.global_burst
        elif chat_id < 0:
            rate, burst = lim.per_group_per_minute / 60.0, lim.per_group_burst
        else:
            rate, burst = lim.per_chat_per_second, lim.per_chat_burst
        return 1.0 / rate, (burst - 1) / rate

    async def acquire(self, chat_id: int, spare: bool = False) -> None:
        await super().acquire(chat_id, spare)
        while True:
            at, now, reserved = await self._reserve_chat(chat_id, spare)
            if reserved:
                break
            await self._sleep(at - now)  # a card refresh reserved nothing: look again then
        if at > now:
            await self._sleep(at - now)  # the chat's slot is ours: go at its time
        at, now = await self._reserve_global(chat_id)
        if at > now:
            await self._sleep(at - now)
        if not self._lanes.holds_chat(chat_id):
            raise LaneLost(chat_id)

    async def _ensure_rows(self, *keys: str) -> None:
        missing = [key for key in keys if key not in self._known]
        if not missing:
            return
        async with self._engine.begin() as connection:
            for key in missing:
                await connection.execute(
                    text("INSERT INTO send_budgets (key, tat) VALUES (:key, 0) ON CONFLICT (key) DO NOTHING"), {"key": key}
                )
        self._known.update(missing)

    async def _reserve_chat(self, chat_id: int, spare: bool) -> tuple[float, float, bool]:
        """Reserves the chat's earliest slot, however far ahead (it holds back only this
        chat); returns (the slot, the database's now, True). `spare` reserves only a slot
        free now with another left behind it, and otherwise returns (when to ask again, now,
        False)."""
        key = chat_key(chat_id)
        interval, tolerance = self._interval_and_tolerance(chat_id)
        while True:
            await self._ensure_rows(key)
            params = {"key": key, "interval": interval, "tolerance": tolerance}
            async with self._autocommit.connect() as connection:
                row = (await connection.execute(_TAKE_SPARE if spare else _TAKE_ANY, params)).first()
                if row is None:
                    row = (await connection.execute(_READ, params)).first()
                    if row is None:  # pruned by another instance meanwhile: made again, then retried
                        self._known.discard(key)
                        continue
                    tat, now = float(row[0]), float(row[1])
                    return tat + interval - tolerance, now, False
            tat, now = float(row[0]), float(row[1])
            if now >= self._next_prune:
                self._next_prune = now + PRUNE_EVERY_SECONDS
                await self._prune(now)
            return max(now, tat - interval - tolerance), now, True

    async def _reserve_global(self, chat_id: int) -> tuple[float, float]:
        """Reserves the bot's earliest slot in all; returns (the slot, the database's now).
        Only a message whose chat slot has come asks, so the global queue is never held for
        a chat's budget. A wait here moves the chat's later slots by as much, so the chat
        never gets two messages closer together than its budget allows."""
        interval, tolerance = self._interval_and_tolerance(None)
        await self._ensure_rows(GLOBAL_KEY)
        async with self._autocommit.connect() as connection:
            row = (await connection.execute(_TAKE_ANY, {"key": GLOBAL_KEY, "interval": interval})).first()
            if row is None:  # the global row is never pruned; made again should it be deleted by hand
                self._known.discard(GLOBAL_KEY)
                return await self._reserve_global(chat_id)
            tat, now = float(row[0]), float(row[1])
            at = max(now, tat - interval - tolerance)
            if at > now:
                await connection.execute(_SHIFT, {"key": chat_key(chat_id), "seconds": at - now})
        return at, now

    async def _prune(self, now: float) -> None:
        """Deletes chats' rows long in the past (a full bucket, as a missing row is), in a
        transaction of its own that skips rows others hold, so it waits for nobody."""
        async with self._engine.begin() as connection:
            await connection.execute(
                text(
                    "DELETE FROM send_budgets WHERE key IN (SELECT key FROM send_budgets "
                    "WHERE key <> :global AND tat < :before FOR UPDATE SKIP LOCKED)"
                ),
                {"global": GLOBAL_KEY, "before": now - PRUNE_AFTER_SECONDS},
            )
        self._known = {GLOBAL_KEY}

    def delay_chat(self, chat_id: int, seconds: float) -> None:
        """A 429 for the chat holds every instance back from it, not only this one."""
        super().delay_chat(chat_id, seconds)
        if seconds > 0:
            task = asyncio.get_running_loop().create_task(self._block(chat_id, seconds))
            self._blocks.add(task)
            task.add_done_callback(self._blocks.discard)

    async def _block(self, chat_id: int, seconds: float) -> None:
        key = chat_key(chat_id)
        _interval, tolerance = self._interval_and_tolerance(chat_id)
        try:
            await self._ensure_rows(key)
            async with self._engine.begin() as connection:
                # Nothing before now + seconds; then the sustained rate, not a fresh burst.
                await connection.execute(
                    text(f"UPDATE send_budgets SET tat = greatest(tat, {_NOW} + :until) WHERE key = :key"),
                    {"key": key, "until": seconds + tolerance},
                )
        except Exception:
            log.warning("could not share a chat's flood wait", extra={"chat": chat_id}, exc_info=True)
