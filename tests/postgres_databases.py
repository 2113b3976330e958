"""Fresh PostgreSQL databases for tests and benchmarks, made and dropped through an admin URL."""
from __future__ import annotations

import uuid

from sqlalchemy.engine import make_url


async def admin_execute(admin_url: str, statement: str) -> None:
    import asyncpg  # only when PostgreSQL is in use

    admin = make_url(admin_url)
    connection = await asyncpg.connect(
        host=admin.host, port=admin.port or 5432, user=admin.username, password=admin.password, database=admin.database
    )
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def create_database(admin_url: str, prefix: str = "kesu_test") -> tuple[str, str]:
    """A fresh database beside the admin URL's: (its SQLAlchemy URL, its name)."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    await admin_execute(admin_url, f'CREATE DATABASE "{name}"')
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False), name


async def drop_database(admin_url: str, name: str) -> None:
    await admin_execute(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
