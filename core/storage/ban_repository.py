"""The ban list. Never commits."""
from __future__ import annotations

from datetime import datetime
from typing import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.storage.by_key import get_by_key
from core.storage.models import BannedUser


class BanRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, user_id: int) -> BannedUser | None:
        return await get_by_key(self._session, BannedUser, user_id)

    async def ban(self, user_id: int, by: int, reason: str | None, at: datetime) -> bool:
        """False when the user was banned already."""
        if await self.get(user_id) is not None:
            return False
        self._session.add(BannedUser(user_id=user_id, banned_by=by, reason=reason, banned_at=at))
        return True

    async def unban(self, user_id: int) -> bool:
        row = await self.get(user_id)
        if row is None:
            return False
        await self._session.delete(row)
        return True

    async def all(self, limit: int = 50) -> Sequence[BannedUser]:
        query = select(BannedUser).order_by(BannedUser.banned_at.desc()).limit(limit)
        return (await self._session.execute(query)).scalars().all()
