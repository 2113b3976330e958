"""Cases about one matter: the rows a repeat or a shared reference is judged on, and the
links between cases. Never commits."""
from __future__ import annotations

from datetime import datetime
from typing import Sequence

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core.domain.lifecycle import FINAL_STAGES
from core.storage.models import Case, RelatedCase

REPEAT = "repeat"
SHARED_REFERENCE = "shared_reference"
# Enough to judge by: a customer with more recent cases than this is rare (max_open_cases).
CANDIDATES = 20


class RelatedCaseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def repeat_candidates(self, case: Case, ended_since: datetime) -> Sequence[Case]:
        """The customer's other cases a new one may repeat, newest first: open ones, and
        those that reached a final stage at `ended_since` or later."""
        finals = [s.value for s in FINAL_STAGES]
        query = (
            select(Case)
            .where(
                Case.customer_id == case.customer_id,
                Case.id != case.id,
                or_(Case.stage.not_in(finals), and_(Case.stage.in_(finals), Case.stage_entered_at >= ended_since)),
            )
            .order_by(Case.id.desc())
            .limit(CANDIDATES)
        )
        return (await self._session.execute(query)).scalars().all()

    async def same_reference(self, case: Case, key: str, value: str, filed_since: datetime) -> Sequence[Case]:
        """Other customers' cases filed at `filed_since` or later with this reference (compared
        without case), oldest first."""
        stored = func.upper(Case.reference_values[key].as_string())
        query = (
            select(Case)
            .where(Case.customer_id != case.customer_id, Case.created_at >= filed_since, Case.id != case.id, stored == value.upper())
            .order_by(Case.id)
            .limit(CANDIDATES)
        )
        return (await self._session.execute(query)).scalars().all()

    async def add(self, link: RelatedCase) -> None:
        self._session.add(link)
        await self._session.flush()

    async def of_case(self, case_id: int) -> Sequence[tuple[RelatedCase, Case]]:
        """Every link of a case, either way, with the case at its other end, oldest link first."""
        other = aliased(Case)
        query = (
            select(RelatedCase, other)
            .join(other, or_(and_(RelatedCase.case_id == case_id, other.id == RelatedCase.related_id),
                             and_(RelatedCase.related_id == case_id, other.id == RelatedCase.case_id)))
            .where(or_(RelatedCase.case_id == case_id, RelatedCase.related_id == case_id))
            .order_by(RelatedCase.id)
        )
        return [(link, case) for link, case in (await self._session.execute(query)).all()]
