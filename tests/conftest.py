"""Shared fixtures: a migrated database on SQLite always and on PostgreSQL when
TEST_POSTGRES_URL is set (CI sets it)."""
from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import AsyncIterator

import pytest

from core.clock import FrozenClock
from core.storage.db import create_engine, session_factory
from core.storage.migrate import migrate
from core.storage.uow import UnitOfWork
from tests.postgres_databases import create_database, drop_database

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")


async def _create_postgres_database() -> tuple[str, str]:
    return await create_database(POSTGRES_URL)


async def _drop_postgres_database(name: str) -> None:
    await drop_database(POSTGRES_URL, name)


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.skipif(not POSTGRES_URL, reason="TEST_POSTGRES_URL not set")),
    ]
)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'kesu.db'}"
        return
    url, name = await _create_postgres_database()
    try:
        yield url
    finally:
        await _drop_postgres_database(name)


@pytest.fixture
async def engine(database_url: str):
    engine = create_engine(database_url)
    await migrate(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc))


@pytest.fixture
def uow_factory(engine, clock):
    sessions = session_factory(engine)
    return lambda: UnitOfWork(sessions, clock)
