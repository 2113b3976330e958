"""Claims due deadline rows and due digest rows and has core act on them, one transaction
per row."""
from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from bot.backoff import Backoff
from core.clock import Clock
from core.domain.digest_schedule import ReportsConfig
from core.services import digest
from core.services.deadlines import handle_due
from core.services.staff_desk import StaffDesk
from core.storage.digest_repository import DigestRepository
from core.storage.uow import UnitOfWorkFactory

log = logging.getLogger("kesu.deadlines")

LEASE = timedelta(minutes=2)
BATCH = 50


async def plan_digest(uow_factory: UnitOfWorkFactory, desk: StaffDesk, reports: ReportsConfig) -> None:
    """The next digest's row, as the deployment file now says (another instance starting at
    the same moment may plan the same slot first: its row is the one)."""
    try:
        async with uow_factory() as uow:
            await digest.plan(uow, desk, reports)
            await uow.commit()
    except IntegrityError:
        log.info("digest already planned by another instance")


async def _digests(uow_factory: UnitOfWorkFactory, desk: StaffDesk, reports: ReportsConfig, clock: Clock, worker: str) -> None:
    async with uow_factory() as uow:
        token, ids = await DigestRepository(uow.session).claim_due(worker, clock.now(), LEASE)
        await uow.commit()
    for digest_id in ids:
        async with uow_factory() as uow:
            outcome = await digest.handle_due(uow, desk, reports, digest_id, token)
            await uow.commit()
        log.info("digest", extra={"digest": digest_id, "outcome": outcome})


async def _next_due(uow_factory: UnitOfWorkFactory) -> str | None:
    async with uow_factory() as uow:
        pending = await DigestRepository(uow.session).pending()
    return pending[0].due_at.isoformat() if pending else None


async def run_deadlines(
    uow_factory: UnitOfWorkFactory, desk: StaffDesk, clock: Clock, stop: asyncio.Event, poll_seconds: float,
    reports: ReportsConfig | None = None,
) -> None:
    worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    planned = swept = reports is None
    while not stop.is_set():
        handled = 0
        try:
            if not planned:
                assert reports is not None
                await plan_digest(uow_factory, desk, reports)
                planned = True
            async with uow_factory() as uow:
                token, ids = await uow.deadlines.claim_due(worker, clock.now(), LEASE, BATCH)
                await uow.commit()
            for deadline_id in ids:
                async with uow_factory() as uow:
                    outcome = await handle_due(uow, desk, deadline_id, token)
                    await uow.commit()
                log.info("deadline", extra={"deadline": deadline_id, "outcome": outcome})
                handled += 1
            if reports is not None:
                if reports.digest:  # off: the planning above cancelled any row left over
                    await _digests(uow_factory, desk, reports, clock, worker)
                if not swept:
                    # From here on a digest is posted when due: one that was due is done.
                    log.info("digest schedule checked", extra={"next_due": await _next_due(uow_factory)})
                    swept = True
        except Exception:
            log.exception("deadline sweep failed")
        if handled < BATCH:
            await Backoff.wait(poll_seconds, stop)
