"""Who may drain an outbox conversation ("lane"). One instance: itself, always
(`LocalLanes`). Several instances sharing PostgreSQL: the one holding the lane's lease in
the database (`SharedLanes`), renewed while it lives; a killed instance's lanes are taken
over when its leases run out."""
from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.backoff import Backoff

from core.storage.lane_leases import claim_lanes, release_lane, renew_lanes

log = logging.getLogger("kesu.delivery")

Lane = tuple[int, str]


class LaneLost(Exception):
    """The conversation's lease was lost while a message waited for its slot: the instance
    that took the conversation over sends it instead."""


class LocalLanes:
    """A single instance owns every lane: no claim, nothing to renew."""

    async def claim(self, lanes: list[Lane]) -> set[Lane]:
        """The lanes of `lanes` this instance may drain now."""
        return set(lanes)

    def holds(self, lane: Lane) -> bool:
        return True

    def holds_chat(self, chat_id: int) -> bool:
        """Whether every conversation of the chat this instance drains is still its own."""
        return True

    async def release(self, lane: Lane) -> None:
        return None

    async def run(self, stop: asyncio.Event) -> None:
        return None


class SharedLanes(LocalLanes):
    """Leases in the outbox_lanes table. A lane counts as held only while its last
    confirmed renewal is recent enough that at least half the lease is left, so a stalled
    process stops before the next row instead of racing the instance that took over."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], lease_seconds: float = 20.0, monotonic=time.monotonic  # type: ignore[no-untyped-def]
    ) -> None:
        self._sessions = sessions
        self.lease_seconds = lease_seconds
        self.owner = f"{socket.gethostname()[:30]}/{os.getpid()}/{uuid.uuid4().hex[:8]}"
        self._monotonic = monotonic
        self._confirmed: dict[Lane, float] = {}  # lane -> monotonic time its lease was last confirmed
        self._draining: set[Lane] = set()  # claimed and not yet released, held or not

    async def claim(self, lanes: list[Lane]) -> set[Lane]:
        if not lanes:
            return set()
        started = self._monotonic()
        async with self._sessions() as session:
            won = await claim_lanes(session, lanes, self.owner, self.lease_seconds)
            await session.commit()
        for lane in won:
            self._confirmed[lane] = started
        self._draining |= won
        return won

    def holds(self, lane: Lane) -> bool:
        confirmed = self._confirmed.get(lane)
        return confirmed is not None and self._monotonic() - confirmed < self.lease_seconds / 2

    def holds_chat(self, chat_id: int) -> bool:
        return all(self.holds(lane) for lane in self._draining if lane[0] == chat_id)

    async def release(self, lane: Lane) -> None:
        self._confirmed.pop(lane, None)
        self._draining.discard(lane)
        try:
            async with self._sessions() as session:
                await release_lane(session, lane[0], lane[1], self.owner)
                await session.commit()
        except Exception:  # the lease runs out by itself
            log.warning("could not release an outbox lane", extra={"chat": lane[0], "conversation": lane[1]}, exc_info=True)

    async def renew(self) -> None:
        lanes = list(self._confirmed)
        started = self._monotonic()
        async with self._sessions() as session:
            held = await renew_lanes(session, lanes, self.owner, self.lease_seconds)
            await session.commit()
        for lane in lanes:
            if lane in held:
                if lane in self._confirmed:  # not released meanwhile
                    self._confirmed[lane] = started
            elif self._confirmed.pop(lane, None) is not None:
                log.warning("outbox lane lost to another instance", extra={"chat": lane[0], "conversation": lane[1]})

    async def run(self, stop: asyncio.Event) -> None:
        """Renews the held leases every quarter lease until `stop`."""
        while not stop.is_set():
            try:
                await self.renew()
            except Exception:
                log.exception("could not renew outbox lanes")
            await Backoff.wait(self.lease_seconds / 4, stop)
