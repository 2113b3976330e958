"""SQLAlchemy's aiosqlite adapter, with one trip to the connection's thread per statement.

aiosqlite runs each sqlite3 call on the connection's own thread, and every call is a
hand-off both ways (a queue put, a wake-up of the event loop). SQLAlchemy's adapter makes
four of them for a SELECT (cursor, execute, fetchall, close) and three for a write, while
SQLite itself needs a few microseconds: the hand-offs were most of the bot's database CPU.
Here a statement runs as one job on that thread (execute, fetch, close together), and a
commit or rollback with no transaction open (a read-only unit of work, the pool's reset on
checkin) makes no trip at all, and a short statement seen before runs on the event loop's
thread without a trip (`StatementTiming`).

SQLite has one writer at a time. Concurrent units of work used to wait for it inside SQLite's
busy handler, each blocking its connection's thread in sleep-and-retry, and under load more
connections were opened than the pool keeps. Here a connection takes the process's writer
turn on the event loop before its first write and gives it back when its transaction ends;
the others wait for the turn as coroutines, in order. Another process's writer is still
waited for by SQLite's busy timeout, and the turn is not waited for longer than that either.
"""
from __future__ import annotations

import asyncio
import collections
import sqlite3
import time
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

# Statements that read only; anything else may write (pysqlite opens a transaction for it).
_READS = ("SELECT", "PRAGMA", "EXPLAI")

# (description, rows or None, rowcount, lastrowid)
_Outcome = tuple[Any, list[Any] | None, int, int | None]


def _run_statement(connection: sqlite3.Connection, operation: str, parameters: Any) -> _Outcome:
    cursor = connection.cursor()
    try:
        if parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        rows = cursor.fetchall() if cursor.description else None
        return cursor.description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


def _run_many(connection: sqlite3.Connection, operation: str, seq_of_parameters: Any) -> _Outcome:
    cursor = connection.cursor()
    try:
        cursor.executemany(operation, seq_of_parameters)
        return cursor.description, None, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor whose sqlite3 cursor lives and dies inside one job on the thread."""

    __slots__ = ("_description", "_rowcount", "_lastrowid")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description = None
        self._rowcount = -1
        self._lastrowid = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        pass

    async def _async_soft_close(self) -> None:
        pass  # the sqlite3 cursor is already closed; the rows stay buffered here

    def close(self) -> None:
        self._rows.clear()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        try:
            return await_(self._run(_run_statement, operation, parameters))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        try:
            return await_(self._run(_run_many, operation, seq_of_parameters))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    async def _run(self, job: Any, operation: Any, parameters: Any) -> None:
        connection = self._adapt_connection
        reads = operation.lstrip()[:6].upper() in _READS
        if not connection._writing and not reads:
            await connection.dbapi.writer_turn.take()
            connection._writing = True
        try:
            timing = connection.dbapi.timing
            raw = self._connection._connection
            if (
                timing.may_run_inline(operation)
                and raw is not None
                and (reads or raw.in_transaction)  # a first write may wait for another process's lock
                and not connection._execute_mutex.locked()
            ):
                outcome = timing.run_inline(job, raw, operation, parameters)
            else:
                async with connection._execute_mutex:
                    outcome = await self._connection._execute(timing.timed, job, raw, operation, parameters)
        finally:
            connection._end_turn_unless_in_transaction()
        self._description, rows, self._rowcount, self._lastrowid = outcome
        self._rows = collections.deque(rows) if rows is not None else collections.deque()


class StatementTiming:
    """Which statements run on the event loop's thread instead of the connection's.

    A statement is run inline once a run of it on the connection's thread took less than
    `INLINE_BELOW_SECONDS`; one that then takes longer inline (a report over a year of
    cases) goes back to the thread for good. Reads in WAL mode do not wait for writers, and a
    write runs inline only inside a transaction that already holds SQLite's write lock, so
    nothing inline waits in SQLite's busy handler. Commits (the fsync) always go to the thread.
    """

    INLINE_BELOW_SECONDS = 0.001
    BACK_TO_THREAD_SECONDS = 0.005
    MAX_REMEMBERED = 4096  # distinct statements (an IN list of each length is one)

    def __init__(self) -> None:
        self._fast: set[str] = set()
        self._slow: set[str] = set()

    def may_run_inline(self, operation: str) -> bool:
        return operation in self._fast

    def timed(self, job: Any, raw: sqlite3.Connection, operation: str, parameters: Any) -> _Outcome:
        """On the connection's thread: run `job` and learn whether it may run inline next time."""
        started = time.perf_counter()
        outcome = job(raw, operation, parameters)
        if time.perf_counter() - started < self.INLINE_BELOW_SECONDS and operation not in self._slow:
            self._remember(self._fast, operation)
        return outcome

    def run_inline(self, job: Any, raw: sqlite3.Connection, operation: str, parameters: Any) -> _Outcome:
        started = time.perf_counter()
        try:
            return job(raw, operation, parameters)
        finally:
            if time.perf_counter() - started > self.BACK_TO_THREAD_SECONDS:
                self._fast.discard(operation)
                self._remember(self._slow, operation)

    def _remember(self, statements: set[str], operation: str) -> None:
        if len(statements) >= self.MAX_REMEMBERED:
            statements.clear()
        statements.add(operation)


class WriterTurn:
    """One writing transaction at a time in this process, queued on the event loop."""

    def __init__(self, timeout_seconds: float) -> None:
        self._lock = asyncio.Lock()
        self._timeout = timeout_seconds

    async def take(self) -> None:
        try:
            async with asyncio.timeout(self._timeout):
                await self._lock.acquire()
        except TimeoutError:
            raise sqlite3.OperationalError("database is locked") from None

    def give_back(self) -> None:
        self._lock.release()

    @property
    def waiting(self) -> int:
        """Connections waiting for the turn (for tests and diagnostics)."""
        return len(self._lock._waiters or ())


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("_writing",)

    _cursor_cls = OneTripCursor
    dbapi: "OneTripDBAPI"

    def __init__(self, dbapi: "OneTripDBAPI", connection: aiosqlite.Connection) -> None:
        super().__init__(dbapi, connection)
        self._writing = False  # holds dbapi.writer_turn

    def _end_turn(self) -> None:
        if self._writing:
            self._writing = False
            self.dbapi.writer_turn.give_back()

    def _end_turn_unless_in_transaction(self) -> None:
        if self._writing and not self._in_transaction():
            self._end_turn()

    def _in_transaction(self) -> bool:
        # Read on the event loop's thread: sqlite3 allows this attribute from any thread,
        # and no job runs on this connection while SQLAlchemy is in commit or rollback.
        raw = self._connection._connection
        return raw is not None and raw.in_transaction

    def commit(self) -> None:
        try:
            if self._in_transaction():
                super().commit()
        finally:
            self._end_turn_unless_in_transaction()  # a failed commit keeps it until the rollback

    def rollback(self) -> None:
        try:
            if self._in_transaction():
                super().rollback()
        finally:
            self._end_turn_unless_in_transaction()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._end_turn()

    def terminate(self) -> None:
        try:
            super().terminate()
        finally:
            self._end_turn()


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def __init__(self, busy_timeout_seconds: float) -> None:
        super().__init__(aiosqlite, sqlite3)
        self.writer_turn = WriterTurn(busy_timeout_seconds)
        self.timing = StatementTiming()

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        connection = self.aiosqlite.connect(*arg, **kw)
        connection._thread.daemon = True  # as SQLAlchemy's adapter does: never block exit
        return OneTripConnection(self, await_(connection))


def one_trip_dbapi(busy_timeout_seconds: float) -> OneTripDBAPI:
    """The DBAPI module for `create_async_engine(..., module=...)` on a sqlite+aiosqlite URL:
    one per engine, so one writer turn per engine."""
    return OneTripDBAPI(busy_timeout_seconds)
