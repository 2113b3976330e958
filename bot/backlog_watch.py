"""Looks at each handler group's backlog every half minute and lets core tell a group that
has fallen behind, at most once per `interval` per group. The time of the last notice is
kept in memory: after a restart a group may hear it once more, which costs nothing."""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from bot.backoff import Backoff
from core.clock import Clock
from core.services.desk_backlog import tell_backlogs
from core.services.staff_desk import StaffDesk
from core.storage.uow import UnitOfWorkFactory

log = logging.getLogger("kesu.desk")


class BacklogWatch:
    def __init__(
        self, uow_factory: UnitOfWorkFactory, desk: StaffDesk, clock: Clock, per_minute: float,
        at_least_minutes: float, interval: timedelta = timedelta(minutes=10),
    ) -> None:
        self._uow_factory = uow_factory
        self._desk = desk
        self._clock = clock
        self._per_minute = per_minute
        self._at_least = at_least_minutes
        self._interval = interval
        self._told: dict[int, datetime] = {}

    def _may_tell(self, chat_id: int) -> bool:
        last = self._told.get(chat_id)
        return last is None or self._clock.now() - last >= self._interval

    async def look(self) -> list[int]:
        async with self._uow_factory() as uow:
            told = await tell_backlogs(uow, self._desk, self._per_minute, self._at_least, self._may_tell)
            await uow.commit()
        for chat_id in told:
            self._told[chat_id] = self._clock.now()
            log.info("backlog notice", extra={"chat": chat_id})
        return told

    async def run(self, stop: asyncio.Event, every_seconds: float = 30.0) -> None:
        while not stop.is_set():
            try:
                if self._desk.chat_id is not None:
                    await self.look()
            except Exception:
                log.exception("backlog look failed")
            await Backoff.wait(every_seconds, stop)
