"""Client-side token buckets that keep outgoing messages within Telegram's limits.

Telegram's published guidance: about one message per second to a private chat
(short bursts tolerated), at most 20 messages per minute to a group, and about
30 messages per second overall. A token bucket of rate r and capacity b allows
at most ``b + r * T`` messages in any window of T seconds, so the group and
global defaults keep ``burst + rate * period`` at the published figure instead
of adding the burst on top of it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

__all__ = ["RateLimits", "SendRateLimiter"]

# Absorbs float drift so a bucket refilled to 0.9999999999 tokens counts as ready.
_EPSILON = 1e-9


@dataclass(frozen=True)
class RateLimits:
    """Sending limits; chat ids below zero (groups, supergroups, channels) use the group bucket."""

    # Private chats: Telegram tolerates short bursts, so three parts of a split
    # message arrive together, then one per second.
    per_chat_per_second: float = 1.0
    per_chat_burst: int = 3
    # Groups: 1 at once + 19/min keeps any 60 s window at or below Telegram's 20, and a
    # group's whole budget goes to a backlog (a burst of 3 would leave only 17/min for it).
    per_group_per_minute: float = 19.0
    per_group_burst: int = 1
    # Overall: 5 at once + 25/s keeps any 1 s window at or below Telegram's 30. The bot runs
    # with SEND_GLOBAL_BURST=2 (bot/settings.py): calls arrive closer together than they left.
    global_per_second: float = 25.0
    global_burst: int = 5
    # How often idle, full chat buckets are forgotten (seconds).
    prune_interval: float = 60.0

    def __post_init__(self) -> None:
        for name in ("per_chat_per_second", "per_group_per_minute", "global_per_second", "prune_interval"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive")
        for name in ("per_chat_burst", "per_group_burst", "global_burst"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")


class _Bucket:
    """Token bucket whose state is ``tokens`` as of time ``stamp``.

    A flood wait moves ``stamp`` into the future, which blocks the bucket and
    stops refilling until then without a separate field.
    """

    __slots__ = ("rate", "capacity", "tokens", "stamp", "lock", "pending", "urgent", "calm")

    def __init__(self, rate: float, capacity: int, now: float) -> None:
        self.rate = rate
        self.capacity = float(capacity)
        self.tokens = float(capacity)
        self.stamp = now
        self.lock = asyncio.Lock()  # FIFO, so waiters are served in arrival order
        self.pending = 0  # acquire() calls in progress on this bucket
        self.urgent = 0  # of which not spare: someone waits for what they send
        self.calm = asyncio.Event()  # set while urgent == 0
        self.calm.set()

    def _refill(self, now: float) -> None:
        if now > self.stamp:
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now

    def wait(self, now: float, needed: float = 1.0) -> float:
        """Seconds until ``needed`` tokens are available."""
        self._refill(now)
        deficit = needed - self.tokens
        return max(0.0, self.stamp - now) + (deficit / self.rate if deficit > _EPSILON else 0.0)

    def take(self, now: float) -> None:
        self._refill(now)
        self.tokens -= 1.0

    def block(self, now: float, until: float) -> None:
        self._refill(now)
        base = max(now, self.stamp)
        if until <= base:
            return
        # Resume at the sustained rate after a flood wait instead of a fresh burst,
        # which would likely trigger the next one.
        self.tokens = min(1.0, self.tokens + (until - base) * self.rate)
        self.stamp = until

    def forgettable(self, now: float) -> bool:
        """A full, unused, unblocked bucket behaves exactly like a new one."""
        self._refill(now)
        return self.pending == 0 and self.stamp <= now and self.tokens >= self.capacity - _EPSILON


class SendRateLimiter:
    """Decides when a message may go to a chat; one instance per bot token."""

    def __init__(
        self,
        limits: RateLimits = RateLimits(),
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._limits = limits
        self._monotonic = monotonic
        self._sleep = sleep
        now = monotonic()
        self._global = _Bucket(limits.global_per_second, limits.global_burst, now)
        self._chats: dict[int, _Bucket] = {}
        self._next_prune = now + limits.prune_interval

    @property
    def limits(self) -> RateLimits:
        return self._limits

    @property
    def tracked_chats(self) -> int:
        """Number of chats whose bucket is kept in memory."""
        return len(self._chats)

    def _chat_bucket(self, chat_id: int, now: float) -> _Bucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            lim = self._limits
            if chat_id < 0:
                bucket = _Bucket(lim.per_group_per_minute / 60.0, lim.per_group_burst, now)
            else:
                bucket = _Bucket(lim.per_chat_per_second, lim.per_chat_burst, now)
            self._chats[chat_id] = bucket
        return bucket

    def _maybe_prune(self, now: float) -> None:
        if now < self._next_prune:
            return
        self._next_prune = now + self._limits.prune_interval
        for chat_id in [c for c, b in self._chats.items() if b.forgettable(now)]:
            del self._chats[chat_id]

    async def acquire(self, chat_id: int, spare: bool = False) -> None:
        """Wait until one message may be sent to ``chat_id`` now, and account for it.

        ``spare``: nobody waits for this call (a card refresh). It takes a token only while no
        other sender to the chat wants one, and only when one is left for whoever comes next,
        so the chat's budget goes to what people wait for first.
        """
        now = self._monotonic()
        self._maybe_prune(now)
        chat = self._chat_bucket(chat_id, now)
        chat.pending += 1
        if not spare:
            chat.urgent += 1
            chat.calm.clear()
        try:
            if spare:
                await self._acquire_spare(chat)
                return
            # Holding the chat lock until the tokens are taken keeps concurrent
            # senders to one chat from both spending its last token.
            async with chat.lock:
                while True:
                    while (delay := chat.wait(self._monotonic())) > 0:
                        await self._sleep(delay)
                    if await self._take_global(chat):
                        return
        finally:
            chat.pending -= 1
            if not spare:
                chat.urgent -= 1
                if chat.urgent == 0:
                    chat.calm.set()

    async def _acquire_spare(self, chat: _Bucket) -> None:
        reserve = min(2.0, chat.capacity)
        while True:
            await chat.calm.wait()
            # Sleeps without the lock: an urgent sender arriving meanwhile goes first.
            delay = chat.wait(self._monotonic(), reserve)
            if delay > 0:
                await self._sleep(delay)
                continue
            async with chat.lock:
                if chat.urgent or chat.wait(self._monotonic(), reserve) > 0:
                    continue
                if await self._take_global(chat):
                    return

    async def _take_global(self, chat: _Bucket) -> bool:
        """Take a global and a chat token; False if the chat got blocked meanwhile."""
        glob = self._global
        glob.pending += 1
        try:
            async with glob.lock:
                while True:
                    now = self._monotonic()
                    if chat.wait(now) > 0:
                        # A flood wait arrived for this chat: give the global queue to others.
                        return False
                    delay = glob.wait(now)
                    if delay <= 0:
                        chat.take(now)
                        glob.take(now)
                        return True
                    await self._sleep(delay)
        finally:
            glob.pending -= 1

    def delay_chat(self, chat_id: int, seconds: float) -> None:
        """Honour a 429 retry_after for one chat: nothing goes to it before now + seconds."""
        if seconds <= 0:
            return
        now = self._monotonic()
        self._chat_bucket(chat_id, now).block(now, now + seconds)

    def seconds_until_ready(self, chat_id: int) -> float:
        """Estimated wait for a new acquire(chat_id), counting calls already queued; 0 if none."""
        now = self._monotonic()
        waits = [self._global.wait(now, 1 + self._global.pending)]
        chat = self._chats.get(chat_id)
        if chat is not None:
            waits.append(chat.wait(now, 1 + chat.pending))
        return max(waits)
