"""The SQLite adapter: one trip to the connection's thread per statement, none for a commit or
rollback with nothing open, none for a short statement it has seen before unless it may wait
for a lock; results, errors and transactions as with SQLAlchemy's own."""
from __future__ import annotations

import asyncio
from pathlib import Path

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

from core.storage.db import create_engine


@pytest.fixture
async def sqlite_engine(tmp_path: Path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"))
    yield engine
    await engine.dispose()


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the jobs sent to aiosqlite's threads."""
    seen: list[str] = []
    original = aiosqlite.Connection._execute

    async def counting(self, fn, *args, **kwargs):
        name = getattr(fn, "__name__", repr(fn))
        if name == "timed":  # a statement, timed on the thread: name the statement's job
            name = args[0].__name__
        seen.append(name)
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counting)
    return seen


async def queued_for_the_turn(engine) -> None:
    """Until a connection of `engine` waits for the writer turn."""
    turn = engine.sync_engine.dialect.dbapi.writer_turn
    async with asyncio.timeout(5):
        while not turn.waiting:
            await asyncio.sleep(0.001)


async def test_a_select_is_one_trip_and_a_read_only_transaction_ends_without_one(sqlite_engine, trips) -> None:
    async with sqlite_engine.connect() as connection:
        await connection.execute(text("SELECT 1"))  # the pool's connection is open now
        trips.clear()
        rows = (await connection.execute(text("SELECT :a AS a, :b AS b"), {"a": 1, "b": "x"})).all()
        assert [tuple(row) for row in rows] == [(1, "x")]
        assert trips == ["_run_statement"]
        await connection.rollback()
    assert trips == ["_run_statement"]  # neither the rollback nor the pool's reset made a trip


async def test_a_short_statement_seen_before_runs_without_a_trip(sqlite_engine, trips) -> None:
    select = text("SELECT count(*) FROM notes WHERE body = :body")
    async with sqlite_engine.connect() as connection:
        assert (await connection.execute(select, {"body": "x"})).scalar_one() == 0
        assert trips == ["_run_statement"]
        await connection.execute(text("INSERT INTO notes (body) VALUES ('x')"))
        assert (await connection.execute(select, {"body": "x"})).scalar_one() == 1  # inline, same transaction
        await connection.commit()
    assert trips == ["_run_statement", "_run_statement", "commit"]


async def test_a_first_write_goes_to_the_thread_and_the_writes_after_it_do_not(sqlite_engine, trips) -> None:
    insert = text("INSERT INTO notes (body) VALUES (:body)")
    async with sqlite_engine.connect() as connection:
        await connection.execute(insert, {"body": "learnt"})
        await connection.commit()
        trips.clear()
        # Known and short, but the first write of a transaction may wait for another
        # process's write lock, which only the thread may do.
        await connection.execute(insert, {"body": "first"})
        await connection.execute(insert, {"body": "second"})
        assert trips == ["_run_statement"]
        await connection.commit()
        assert trips == ["_run_statement", "commit"]  # the commit's fsync is on the thread too
        bodies = (await connection.execute(text("SELECT body FROM notes ORDER BY id"))).scalars().all()
    assert bodies == ["learnt", "first", "second"]


async def test_a_statement_slow_inline_goes_back_to_the_thread_for_good(sqlite_engine, trips) -> None:
    timing = sqlite_engine.sync_engine.dialect.dbapi.timing
    select = text("SELECT count(*) FROM notes")
    async with sqlite_engine.connect() as connection:
        await connection.execute(select)  # learnt on the thread
        timing.BACK_TO_THREAD_SECONDS = -1.0  # any inline run is too slow
        await connection.execute(select)  # inline, and found slow
        assert trips == ["_run_statement"]
        del timing.BACK_TO_THREAD_SECONDS  # the class's limit again
        await connection.execute(select)
        await connection.execute(select)
    assert trips == ["_run_statement"] * 3


async def test_a_statement_slow_on_the_thread_stays_there(sqlite_engine, trips, monkeypatch) -> None:
    monkeypatch.setattr(sqlite_engine.sync_engine.dialect.dbapi.timing, "INLINE_BELOW_SECONDS", 0.0)
    async with sqlite_engine.connect() as connection:
        for _ in range(3):
            await connection.execute(text("SELECT count(*) FROM notes"))
    assert trips == ["_run_statement"] * 3


async def test_writes_commit_and_roll_back_as_before(sqlite_engine, trips) -> None:
    async with sqlite_engine.connect() as connection:
        result = await connection.execute(text("INSERT INTO notes (body) VALUES ('kept')"))
        assert result.rowcount == 1 and result.lastrowid == 1
        await connection.commit()
        await connection.execute(text("INSERT INTO notes (body) VALUES ('dropped')"))
        await connection.rollback()
        await connection.execute(
            text("INSERT INTO notes (body) VALUES (:body)"), [{"body": "many 1"}, {"body": "many 2"}],
        )
        await connection.commit()
        bodies = (await connection.execute(text("SELECT body FROM notes ORDER BY id"))).scalars().all()
    assert bodies == ["kept", "many 1", "many 2"]
    assert "_run_many" in trips and trips.count("commit") == 2 and trips.count("rollback") == 1


async def test_an_error_is_sqlalchemys_and_leaves_the_connection_usable(sqlite_engine) -> None:
    async with sqlite_engine.connect() as connection:
        with pytest.raises(IntegrityError):
            await connection.execute(text("INSERT INTO notes (body) VALUES (NULL)"))
        await connection.rollback()
        assert (await connection.execute(text("SELECT count(*) FROM notes"))).scalar_one() == 0


async def test_streamed_results_still_work(sqlite_engine) -> None:
    async with sqlite_engine.connect() as connection:
        await connection.execute(text("INSERT INTO notes (body) VALUES ('a'), ('b'), ('c')"))
        streamed = await connection.stream(text("SELECT body FROM notes ORDER BY id"))
        assert [row.body async for row in streamed] == ["a", "b", "c"]


async def test_writers_take_turns_on_the_event_loop(sqlite_engine) -> None:
    events: list[str] = []
    first_wrote = asyncio.Event()

    async def first() -> None:
        async with sqlite_engine.connect() as connection:
            await connection.execute(text("INSERT INTO notes (body) VALUES ('first')"))
            events.append("first wrote")
            first_wrote.set()
            await queued_for_the_turn(sqlite_engine)
            events.append("first commits")
            await connection.commit()

    async def second() -> None:
        await first_wrote.wait()
        async with sqlite_engine.connect() as connection:
            events.append("second writes")
            await connection.execute(text("INSERT INTO notes (body) VALUES ('second')"))
            events.append("second wrote")
            await connection.commit()

    await asyncio.gather(first(), second())
    assert events == ["first wrote", "second writes", "first commits", "second wrote"]
    async with sqlite_engine.connect() as connection:
        assert (await connection.execute(text("SELECT body FROM notes ORDER BY id"))).scalars().all() == ["first", "second"]


async def test_a_failed_write_keeps_the_turn_until_its_rollback(sqlite_engine) -> None:
    async with sqlite_engine.connect() as failing, sqlite_engine.connect() as other:
        with pytest.raises(IntegrityError):
            await failing.execute(text("INSERT INTO notes (body) VALUES (NULL)"))
        waiting = asyncio.ensure_future(other.execute(text("INSERT INTO notes (body) VALUES ('after')")))
        await queued_for_the_turn(sqlite_engine)
        assert not waiting.done()
        await failing.rollback()
        await asyncio.wait_for(waiting, 5)
        await other.commit()


async def test_the_turn_is_waited_for_no_longer_than_the_busy_timeout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("core.storage.db.SQLITE_BUSY_TIMEOUT_MS", 200)
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'timeout.db'}")
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))
        async with engine.connect() as holder, engine.connect() as late:
            await holder.execute(text("INSERT INTO notes (body) VALUES ('held')"))
            with pytest.raises(OperationalError, match="database is locked"):
                await late.execute(text("INSERT INTO notes (body) VALUES ('late')"))
            await holder.commit()
            await late.rollback()
            await late.execute(text("INSERT INTO notes (body) VALUES ('late')"))  # the turn is free again
            await late.commit()
    finally:
        await engine.dispose()
