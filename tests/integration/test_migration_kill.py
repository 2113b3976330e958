"""A process killed halfway through the first migration leaves a database the next start can
migrate: the upgrade is all or nothing (SQLite; PostgreSQL has transactional DDL anyway)."""
from __future__ import annotations

import asyncio
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory

from core.storage.db import create_engine
from core.storage.migrate import alembic_config, migrate

ROOT = Path(__file__).resolve().parents[2]

# Migrates, and stops for good inside the third revision, once the first two have run:
# the test kills it there, so the kill lands mid-migration every time.
CHILD = """
import asyncio, logging, sys
sys.path.insert(0, sys.argv[2])

class StopInside(logging.Handler):
    def emit(self, record):
        if record.getMessage().startswith("Running upgrade 0002 -> 0003"):
            print("inside 0003", flush=True)
            sys.stdin.read()  # until killed

logging.getLogger("alembic").addHandler(StopInside())
logging.getLogger("alembic").setLevel(logging.INFO)
from core.storage.db import create_engine
from core.storage.migrate import migrate
asyncio.run(migrate(create_engine(sys.argv[1])))
"""


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as connection:
        return {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


async def test_a_kill_during_the_first_migration_leaves_nothing_half_done(tmp_path: Path) -> None:
    path = tmp_path / "kesu.db"
    url = f"sqlite+aiosqlite:///{path}"
    child = subprocess.Popen([sys.executable, "-c", CHILD, url, str(ROOT)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert await asyncio.to_thread(child.stdout.readline) == "inside 0003\n"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    # Revisions 0001 and 0002 had created their tables when the kill came: none is left.
    assert tables(path) <= {"alembic_version"}

    engine = create_engine(url)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()
    with sqlite3.connect(path) as connection:
        [(version,)] = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    assert version == ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert {"users", "outbox", "cases", "deadlines"} <= tables(path)
