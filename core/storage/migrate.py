"""Apply Alembic migrations at start-up (and in tests) on an async engine."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncEngine

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
        await connection.run_sync(upgrade)
