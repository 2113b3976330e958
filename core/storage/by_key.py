"""One row by its primary key, with the statement built once per model.

`Session.get` builds and compiles a new statement on each call that misses the session's
identity map, which in the update path was most of a lookup's cost. A row already in the
map is still answered from it by `Session.get`, with its rules for expired and deleted rows.
"""
from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.util import identity_key

Model = TypeVar("Model")

_STATEMENTS: dict[type, Select[Any]] = {}


def _statement(model: type) -> Select[Any]:
    statement = _STATEMENTS.get(model)
    if statement is None:
        [column] = model.__mapper__.primary_key  # type: ignore[attr-defined]
        statement = _STATEMENTS.setdefault(model, select(model).where(column == bindparam("key")))
    return statement


async def get_by_key(session: AsyncSession, model: type[Model], key: Any) -> Model | None:
    if identity_key(model, key) in session.sync_session.identity_map:
        return await session.get(model, key)
    return (await session.execute(_statement(model), {"key": key})).scalar_one_or_none()
