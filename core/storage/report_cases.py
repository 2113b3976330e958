"""The management report's case lists: its typical cases and the resolution records that
name problems and measures. Never commits; the same statements run on SQLite and
PostgreSQL.

Typical cases (TYPICAL_CASES at most) are the period's cases (filed in it) that are
urgent or major, were reopened or appealed, or had a remedy that cost something: the
most serious first (urgent, then major, then general), then the most often reopened, the
appealed, the costliest, the earliest filed. The rows carry no contact and no customer
name: the report never shows either.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Sequence

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain.lifecycle import Severity
from core.storage.models import Case, CaseRating, ResolutionRecord
from core.storage.report_queries import Scope

TYPICAL_CASES = 8
RECORDS = 12


@dataclass(frozen=True)
class TypicalCase:
    number: str
    category: str
    severity: str
    stage: str
    statement: str  # empty once the customer's data was erased
    reopen_count: int
    appealed: bool
    cost_cents: int
    remedy: str | None  # of the latest record
    stars: int | None  # of the latest rating


@dataclass(frozen=True)
class RecordLine:
    number: str
    category: str
    party: str | None
    kind: str | None
    root_cause: str | None
    improvement: str | None
    cost_cents: int | None
    completed_at: datetime | None


def _filed(scope: Scope) -> list[Any]:
    where = [Case.created_at >= scope.start, Case.created_at < scope.end]
    return where + ([Case.owner_id == scope.owner] if scope.owner is not None else [])


class ReportCases:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def typical(self, scope: Scope, limit: int = TYPICAL_CASES) -> list[TypicalCase]:
        costs = (
            select(ResolutionRecord.case_id, func.coalesce(func.sum(ResolutionRecord.cost_cents), 0).label("cost"))
            .group_by(ResolutionRecord.case_id)
            .subquery()
        )
        cost = func.coalesce(costs.c.cost, 0)
        rank = case((Case.severity == Severity.URGENT.value, 0), (Case.severity == Severity.MAJOR.value, 1), else_=2)
        query = (
            select(Case.id, Case.number, Case.category, Case.severity, Case.stage, Case.statement, Case.reopen_count, Case.appealed, cost)
            .outerjoin(costs, costs.c.case_id == Case.id)
            .where(
                *_filed(scope),
                or_(rank < 2, Case.reopen_count > 0, Case.appealed.is_(True), cost > 0),
            )
            .order_by(rank, Case.reopen_count.desc(), Case.appealed.desc(), cost.desc(), Case.created_at, Case.id)
            .limit(limit)
        )
        rows = (await self._session.execute(query)).all()
        ids = [row[0] for row in rows]
        remedies = await self._latest(ResolutionRecord, ResolutionRecord.remedy, ids)
        stars = await self._latest(CaseRating, CaseRating.stars, ids)
        return [
            TypicalCase(number, category, severity, stage, statement or "", reopen_count, bool(appealed), int(cost_cents or 0),
                        remedies.get(case_id), stars.get(case_id))
            for case_id, number, category, severity, stage, statement, reopen_count, appealed, cost_cents in rows
        ]

    async def records(self, scope: Scope, limit: int = RECORDS) -> list[RecordLine]:
        """The period's completed records that name a root cause or a measure, oldest first."""
        query = (
            select(
                Case.number, Case.category, ResolutionRecord.responsible_party, ResolutionRecord.responsibility_kind,
                ResolutionRecord.root_cause, ResolutionRecord.improvement, ResolutionRecord.cost_cents, ResolutionRecord.completed_at,
            )
            .join(Case, Case.id == ResolutionRecord.case_id)
            .where(
                ResolutionRecord.completed_at >= scope.start, ResolutionRecord.completed_at < scope.end,
                *([Case.owner_id == scope.owner] if scope.owner is not None else []),
                or_(and_(ResolutionRecord.root_cause.is_not(None), ResolutionRecord.root_cause != ""),
                    and_(ResolutionRecord.improvement.is_not(None), ResolutionRecord.improvement != "")),
            )
            .order_by(ResolutionRecord.completed_at, ResolutionRecord.id)
            .limit(limit)
        )
        return [RecordLine(*row) for row in (await self._session.execute(query)).all()]

    async def _latest(self, model: Any, column: Any, ids: Sequence[int]) -> dict[int, Any]:
        """Per case, the value of its latest handling round's row."""
        if not ids:
            return {}
        query = select(model.case_id, model.round, column).where(model.case_id.in_(ids)).order_by(model.case_id, model.round)
        return {case_id: value for case_id, _round, value in (await self._session.execute(query)).all()}
