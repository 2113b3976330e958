"""Apply Alembic migrations at start-up (and in tests) on an async engine.

A database already at `HEAD_REVISION` is recognised by one read of its version table,
without importing Alembic: Alembic and Mako are ~11 MiB of a running bot's memory and
~0.1 s of its start, for work that a migrated database does not need.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config

# The newest file in migrations/versions. tests/unit/test_migration_head.py fails when a new
# migration is added without moving this.
HEAD_REVISION = "0014"
# The advisory lock that makes instances starting together migrate in turn. Update
# transactions lock their chat id (core/storage/uow.py); no chat id is this low.
MIGRATION_LOCK_KEY = -(2**63)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


async def current_revision(engine: AsyncEngine, write_lock: bool = False) -> str | None:
    """The revision the database is at, or None for a database Alembic never touched.

    `write_lock` (SQLite): read it holding the write lock, as a migration would, so that a
    database another process keeps locked stops the start here, in this step, and not at
    the first update the bot cannot store."""
    async with engine.connect() as connection:
        if write_lock and connection.dialect.name == "sqlite":
            await connection.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            rows = (await connection.execute(text("SELECT version_num FROM alembic_version"))).all()
        except DBAPIError:  # no version table yet
            return None
        finally:
            await connection.rollback()
    # More than one row would be branches, which this project does not have: let Alembic judge.
    return rows[0][0] if len(rows) == 1 else None


async def migrate(engine: AsyncEngine, revision: str = "head") -> None:
    if revision == "head" and await current_revision(engine, write_lock=True) == HEAD_REVISION:
        return

    def upgrade(connection: Any) -> None:
        from alembic import command

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
