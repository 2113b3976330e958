"""Claims due deadline rows and has core act on them, one transaction per row."""
from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from datetime import timedelta

from bot.backoff import Backoff
from core.clock import Clock
from core.services.deadlines import handle_due
from core.services.staff_desk import StaffDesk
from core.storage.uow import UnitOfWorkFactory

log = logging.getLogger("kesu.deadlines")

LEASE = timedelta(minutes=2)
BATCH = 50


async def run_deadlines(uow_factory: UnitOfWorkFactory, desk: StaffDesk, clock: Clock, stop: asyncio.Event, poll_seconds: float) -> None:
    worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    while not stop.is_set():
        handled = 0
        try:
            async with uow_factory() as uow:
                token, ids = await uow.deadlines.claim_due(worker, clock.now(), LEASE, BATCH)
                await uow.commit()
            for deadline_id in ids:
                async with uow_factory() as uow:
                    outcome = await handle_due(uow, desk, deadline_id, token)
                    await uow.commit()
                log.info("deadline", extra={"deadline": deadline_id, "outcome": outcome})
                handled += 1
        except Exception:
            log.exception("deadline sweep failed")
        if handled < BATCH:
            await Backoff.wait(poll_seconds, stop)
