"""Resolution records and ratings, one of each per case and handling round. Never commits."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.storage.models import CaseRating, ResolutionRecord


class ResolutionRecordRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, case_id: int, round_no: int) -> ResolutionRecord | None:
        query = select(ResolutionRecord).where(ResolutionRecord.case_id == case_id, ResolutionRecord.round == round_no)
        return (await self._session.execute(query)).scalar_one_or_none()

    async def get_or_start(self, case_id: int, round_no: int, at: datetime) -> ResolutionRecord:
        record = await self.get(case_id, round_no)
        if record is None:
            record = ResolutionRecord(case_id=case_id, round=round_no, started_at=at)
            self._session.add(record)
            await self._session.flush()
        return record


class RatingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, case_id: int, round_no: int) -> CaseRating | None:
        query = select(CaseRating).where(CaseRating.case_id == case_id, CaseRating.round == round_no)
        return (await self._session.execute(query)).scalar_one_or_none()

    async def set_stars(self, case_id: int, round_no: int, stars: int, at: datetime) -> tuple[CaseRating, int | None]:
        """Creates or changes the round's rating; returns it and the stars it had before."""
        rating = await self.get(case_id, round_no)
        if rating is None:
            rating = CaseRating(case_id=case_id, round=round_no, stars=stars, aspects={}, rated_at=at, updated_at=at)
            self._session.add(rating)
            await self._session.flush()
            return rating, None
        before = rating.stars
        rating.stars, rating.updated_at = stars, at
        return rating, before

    async def for_case(self, case_id: int) -> list[CaseRating]:
        query = select(CaseRating).where(CaseRating.case_id == case_id).order_by(CaseRating.round)
        return list((await self._session.execute(query)).scalars().all())
