"""The WAL is copied back by the background task, not inside the commits of the bot's writers."""
from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text

from core.storage.db import create_engine
from core.storage.wal_checkpoints import AUTOCHECKPOINT_BACKSTOP_PAGES, checkpoint, run_wal_checkpoints

PAGE = 4096


async def database_file_reaches(database: Path, size: int, timeout: float) -> None:
    """Nothing announces a checkpoint, so look at the file until it has the pages (or time is up)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while database.stat().st_size < size:
        assert loop.time() < deadline, f"{database} stayed at {database.stat().st_size} bytes"
        await asyncio.sleep(0.02)


async def write_pages(engine, pages: int) -> None:
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE IF NOT EXISTS blobs (body BLOB)"))
    for _ in range(pages // 50):  # many commits, as the bot makes them
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO blobs VALUES (zeroblob(:size))"), {"size": 50 * PAGE})


async def test_commits_leave_the_log_to_the_checkpointer(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'kesu.db'}")
    try:
        await write_pages(engine, 2_000)
        state = await checkpoint(engine)
        # With SQLite's default of 1,000 pages a commit would have copied the log back and
        # the log would have started over.
        assert 2_000 <= state.log_pages < AUTOCHECKPOINT_BACKSTOP_PAGES
        assert state.copied_pages == state.log_pages
    finally:
        await engine.dispose()


async def test_the_background_task_copies_the_log_into_the_database(tmp_path: Path) -> None:
    database = tmp_path / "kesu.db"
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    stop = asyncio.Event()
    try:
        await write_pages(engine, 1_000)
        assert database.stat().st_size < 100 * PAGE  # the pages are still in the log only
        task = asyncio.create_task(run_wal_checkpoints(engine, stop, interval=0.05))
        await database_file_reaches(database, 1_000 * PAGE, timeout=30)
        stop.set()
        await asyncio.wait_for(task, timeout=30)
    finally:
        stop.set()
        await engine.dispose()
