"""SQLite's write-ahead log is copied back into the database file by a background task.

By default the commit that takes the WAL past 1,000 pages copies it back itself, inside
its COMMIT, while this process's other writers wait their turn (core/storage/sqlite_driver.py):
that commit, and every update queued behind it, took 0.1-0.3 s. Here the bot's connections
leave that to `run_wal_checkpoints`, which runs a PASSIVE checkpoint (it never waits for a
reader or a writer) every second on a pooled connection, off the event loop. If the task
is not running (a script, a test) or falls behind, a commit still checkpoints past
`AUTOCHECKPOINT_BACKSTOP_PAGES`, so the log cannot grow without bound.
"""
from __future__ import annotations

import asyncio
import logging
from typing import NamedTuple

from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)

CHECKPOINT_INTERVAL_SECONDS = 1.0
# 40 MiB of 4 KiB pages: ten times SQLite's default, for when nothing else checkpoints.
AUTOCHECKPOINT_BACKSTOP_PAGES = 10_000


class Checkpoint(NamedTuple):
    """What `PRAGMA wal_checkpoint` answers."""

    busy: bool  # a complete checkpoint was not possible (only for the blocking modes)
    log_pages: int
    copied_pages: int


async def checkpoint(engine: AsyncEngine) -> Checkpoint:
    async with engine.connect() as connection:
        busy, log_pages, copied_pages = (await connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")).one()
    return Checkpoint(bool(busy), log_pages, copied_pages)


async def run_wal_checkpoints(engine: AsyncEngine, stop: asyncio.Event,
                              interval: float = CHECKPOINT_INTERVAL_SECONDS) -> None:
    """Checkpoint every `interval` seconds until `stop`; a SQLite engine only."""
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), interval)
        except TimeoutError:
            pass
        try:
            await checkpoint(engine)
        except Exception as error:  # the next round tries again; the backstop bounds the log meanwhile
            log.warning("WAL checkpoint failed", extra={"error": f"{type(error).__name__}: {error}"})
