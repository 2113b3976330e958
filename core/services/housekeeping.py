"""Periodic clean-up of bookkeeping rows."""
from __future__ import annotations

from datetime import timedelta

from core.storage.uow import UnitOfWork

# Telegram re-delivers an unconfirmed update for at most 24 hours; a week is ample.
KEEP_PROCESSED_UPDATES = timedelta(days=7)
# Sent messages keep their rendered parameters (what customers wrote among them): they
# are kept a week for diagnosis, then dropped, so an erasure leaves no copy behind.
KEEP_FINISHED_OUTBOX = timedelta(days=7)


async def prune_processed_updates(uow: UnitOfWork) -> int:
    removed = await uow.updates.prune_before(uow.clock.now() - KEEP_PROCESSED_UPDATES)
    await uow.commit()
    return removed


async def prune_finished_outbox(uow: UnitOfWork) -> int:
    removed = await uow.outbox.prune_finished_before(uow.clock.now() - KEEP_FINISHED_OUTBOX)
    await uow.commit()
    return removed
