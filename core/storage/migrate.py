"""Apply Alembic migrations at start-up (and in tests) on an async engine."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncEngine

# The advisory lock that makes instances starting together migrate in turn. Update
# transactions lock their chat id (core/storage/uow.py); no chat id is this low.
MIGRATION_LOCK_KEY = -(2**63)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


async def migrate(engine: AsyncEngine, revision: str = "head") -> None:
    def upgrade(connection: Any) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            # pysqlite opens no transaction for DDL, so without this each CREATE commits on
            # its own: a kill halfway through the first migration left tables without
            # their version row, and every later start failed on "table already exists".
            # One explicit transaction makes the upgrade all or nothing; IMMEDIATE takes
            # the write lock first, so two processes starting at once take turns.
            await connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            # PostgreSQL runs DDL in the transaction too. Several instances starting at once
            # (SHARED_DATABASE): the first migrates, the others wait here and then find the
            # version at head. The lock ends with the transaction, so a killed start holds
            # nothing.
            await connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})")
        await connection.run_sync(upgrade)
