"""The reports' figures as SQL aggregates (COUNT, SUM, AVG, MIN and MAX with GROUP BY):
rows are counted where they are, never loaded one by one. The same statements run on
SQLite and PostgreSQL. Never commits.

Which rows each figure reads (the definitions the reports document):

- the period's cases: filed in it (cases.created_at); counts by category, severity,
  stage, tier and outcome, workload per owner, reopen rate and appeals are of these;
- first response: from filing to the first of a staff member's claim, assignment,
  question, reply, proposal, rejection or termination (case_repositories.RESPONSE_ACTIONS), for the
  period's cases; kept on the case (cases.first_response_at) when it is recorded;
- resolution: from filing to the customer's acceptance of a solution, for the
  acceptances recorded in the period (the last one when a case was resolved twice);
- over time: filings, final stages reached (FINAL_ACTIONS) and reopenings
  (REOPEN_ACTIONS) per bucket, from the case history;
- deadlines: each stage's own deadline (the first breach row of a stage) falling due in
  the period. Met: the stage was left before it (the row was cancelled before its due
  time); missed: the row fell due and was acted on, the stage was left after it, or it is
  past due and still pending. A row replaced because the severity changed counts no more
  (the replacement does);
- satisfaction: ratings given in the period; response rate: those ratings per
  acceptance of a solution in the period;
- resolution records: completed in the period;
- repeat complaints: the period's cases linked, when filed, as a repeat of the same
  customer's earlier case; shared references: the period's cases whose reference other
  customers gave too (core/services/repeats.py).

`owner` limits everything to the cases one staff member owns (an agent's own report).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, AsyncIterator, Sequence

from sqlalchemy import BigInteger, and_, case, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement, Select

from core.domain.lifecycle import FINAL_STAGES, Stage
from core.domain.sla import DeadlineKind
from core.storage.deadline_repository import REPLANNED
from core.storage.models import Case, CaseEvent, CaseRating, Deadline, RelatedCase, ResolutionRecord, User
from core.storage.related_cases import REPEAT, SHARED_REFERENCE

UNIX_EPOCH_JULIAN_DAY = 2440587.5
MS_PER_DAY = 86_400_000.0
PARTITION_ROWS = 2_000
RESOLVED_ACTION = "solution_accepted"
# The lifecycle's reopenings (the case goes back to investigating one tier up).
REOPEN_ACTIONS = ("solution_rejected", "reopened_unsatisfied", "follow_up_not_solved")
APPEAL_ACTION = "appealed"
# Events that put a case in a final stage.
FINAL_ACTIONS = ("follow_up_ok", "closed_unanswered", "withdrawn", "rejected", "terminated")
# When a case first entered each stage, by the events that mark it (the export's columns).
STAGE_ENTRY_ACTIONS: dict[str, tuple[str, ...]] = {
    Stage.ACCEPTED: ("claimed", "assigned"),
    Stage.INVESTIGATING: ("asked", "staff_reply", "proposed", "proposal_held", *REOPEN_ACTIONS, APPEAL_ACTION),
    Stage.SOLUTION_PROPOSED: ("proposed",),
    Stage.RESOLVED: (RESOLVED_ACTION,),
    Stage.FOLLOW_UP: ("resolution_recorded",),
}
ASPECT_KEYS = ("quality", "speed", "attitude", "price")
OUTCOMES = ("open", Stage.CLOSED.value, Stage.WITHDRAWN.value, Stage.REJECTED.value, Stage.TERMINATED.value)


@dataclass(frozen=True)
class Scope:
    start: datetime
    end: datetime
    owner: int | None = None  # only this staff member's cases
    now: datetime | None = None  # deadlines due before it and still pending count as missed


@dataclass(frozen=True)
class Satisfaction:
    ratings: int
    average: float | None
    stars: dict[int, int]
    aspects: dict[str, tuple[float | None, int]]  # key -> (average, how many scored it)


@dataclass(frozen=True)
class Records:
    completed: int
    parties: dict[str, int]
    kinds: dict[str, int]
    cost_cents: int


@dataclass(frozen=True)
class PeriodCases:
    """The period's cases counted: all, per value of each column, per outcome (a final
    stage, or "open"), and how many were reopened, appealed, or have no first response."""

    filed: int
    by_category: dict[str, int]
    by_severity: dict[str, int]
    by_stage: dict[str, int]
    by_tier: dict[int, int]
    by_channel: dict[str, int]
    by_outcome: dict[str, int]
    reopened: int
    appealed: int
    unanswered: int


@dataclass(frozen=True)
class PeriodEvents:
    """What happened in the period, from the history: acceptances of a solution, final
    stages reached, reopenings, appeals, and per bucket the filings, final stages and reopenings."""

    accepted: int
    concluded: int
    reopenings: int
    appeals: int
    timeline: dict[str, list[int]]


@dataclass(frozen=True)
class OwnerLoad:
    owner_id: int | None
    name: str | None
    cases: int
    open: int


@dataclass(frozen=True)
class CaseLine:
    """One case for the export: its row's fields and what its history says."""

    id: int
    number: str
    channel: str
    category: str
    severity: str
    tier: int
    stage: str
    owner_id: int | None
    owner_name: str | None
    customer_id: int
    customer_name: str | None
    contact_phone: str | None
    reopen_count: int
    appealed: bool
    filed_at: datetime
    first_response_at: datetime | None
    entered: dict[str, datetime | None]
    concluded_at: datetime | None
    resolved_at: datetime | None
    deadlines_met: int
    deadlines_missed: int
    stars: int | None
    aspects: dict[str, int]
    comment: str | None
    party: str | None
    kind: str | None
    root_cause: str | None
    remedy: str | None
    improvement: str | None
    cost_cents: int | None
    repeat_of: str | None = None  # the number of the earlier case this one repeats


def _in(column: Any, scope: Scope) -> ColumnElement[bool]:
    return and_(column >= scope.start, column < scope.end)


def _owned(scope: Scope) -> list[ColumnElement[bool]]:
    return [Case.owner_id == scope.owner] if scope.owner is not None else []


def _filed(scope: Scope) -> list[ColumnElement[bool]]:
    return [_in(Case.created_at, scope), *_owned(scope)]


def _of_owner(query: Select[Any], case_id: Any, scope: Scope) -> Select[Any]:
    """Limited to one owner's cases, by a join that only an owner's report needs."""
    if scope.owner is None:
        return query
    return query.join(Case, Case.id == case_id).where(Case.owner_id == scope.owner)


class ReportQueries:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _rows(self, query: Select[Any]) -> Sequence[Any]:
        return (await self._session.execute(query)).all()

    async def _each(self, query: Select[Any]) -> AsyncIterator[Any]:
        """The rows of a large result a partition at a time: between partitions the event
        loop serves everyone else (an export of a busy year is 100,000 cases)."""
        result = await self._session.stream(query)
        async for partition in result.partitions(PARTITION_ROWS):
            for row in partition:
                yield row

    # -- the period's cases ------------------------------------------------------------
    async def period_cases(self, scope: Scope) -> PeriodCases:
        """Every count of the period's cases in one grouped scan (of ix_cases_report alone):
        per category, severity, stage, tier and channel at once, with how many of each
        group were reopened, appealed or not answered yet; the few groups are added up here."""
        keys = (Case.category, Case.severity, Case.stage, Case.tier, Case.channel)
        query = (
            select(
                *keys, func.count(), func.sum(case((Case.reopen_count > 0, 1), else_=0)),
                func.sum(case((Case.appealed.is_(True), 1), else_=0)), func.sum(case((Case.first_response_at.is_(None), 1), else_=0)),
            )
            .where(*_filed(scope))
            .group_by(*keys)
        )
        counts: list[Counter[Any]] = [Counter() for _ in keys]
        outcomes: Counter[str] = Counter()
        filed = reopened = appealed = unanswered = 0
        finals = {s.value for s in FINAL_STAGES}
        for *values, n, reopened_n, appealed_n, unanswered_n in await self._rows(query):
            for counter, value in zip(counts, values):
                counter[value] += n
            outcomes[values[2] if values[2] in finals else "open"] += n
            filed += n
            reopened, appealed, unanswered = reopened + int(reopened_n), appealed + int(appealed_n), unanswered + int(unanswered_n)
        category, severity, stage, tier, channel = (dict(c) for c in counts)
        return PeriodCases(filed, category, severity, stage, tier, channel, dict(outcomes), reopened, appealed, unanswered)

    async def related(self, scope: Scope) -> tuple[int, int]:
        """(repeat complaints, cases with a reference other customers gave) among the period's cases."""
        def linked(kind: str) -> ColumnElement[int]:
            return case((Case.id.in_(select(RelatedCase.case_id).where(RelatedCase.kind == kind)), 1), else_=0)

        query = select(func.coalesce(func.sum(linked(REPEAT)), 0), func.coalesce(func.sum(linked(SHARED_REFERENCE)), 0)).where(*_filed(scope))
        repeats, shared = (await self._session.execute(query)).one()
        return int(repeats), int(shared)

    async def workload(self, scope: Scope) -> list[OwnerLoad]:
        still_open = func.sum(case((Case.stage.not_in([s.value for s in FINAL_STAGES]), 1), else_=0))
        # Counted on the cases' index first, then the few owners named.
        per_owner = select(Case.owner_id.label("owner_id"), func.count().label("cases"), still_open.label("open")).where(*_filed(scope)).group_by(Case.owner_id).subquery()
        query = (
            select(per_owner.c.owner_id, User.first_name, per_owner.c.cases, per_owner.c.open)
            .outerjoin(User, User.id == per_owner.c.owner_id)
            .order_by(per_owner.c.cases.desc(), per_owner.c.owner_id.nulls_last())
        )
        return [OwnerLoad(owner, name, count, int(open_ or 0)) for owner, name, count, open_ in await self._rows(query)]

    def _epoch_ms(self, column: Any) -> ColumnElement[int]:
        """A time as whole epoch milliseconds, computed by the database: a year of durations
        is hundreds of thousands of times, which need not become datetime objects, and
        whole numbers keep differences exact."""
        if self._session.get_bind().dialect.name == "postgresql":
            return cast(func.round(func.extract("epoch", column) * 1000), BigInteger)
        return cast(func.round((func.julianday(column) - UNIX_EPOCH_JULIAN_DAY) * MS_PER_DAY), BigInteger)

    async def first_responses(self, scope: Scope) -> list[tuple[int, int, str]]:
        """(filed at, first response at, severity) in epoch milliseconds, for each of the
        period's cases that staff have answered (the others are PeriodCases.unanswered)."""
        query = select(self._epoch_ms(Case.created_at), self._epoch_ms(Case.first_response_at), Case.severity).where(
            *_filed(scope), Case.first_response_at.is_not(None)
        )
        return [(filed, at, severity) async for filed, at, severity in self._each(query)]

    # -- what happened in the period -----------------------------------------------------
    async def resolutions(self, scope: Scope) -> list[tuple[int, int]]:
        """(filed at, accepted at) in epoch milliseconds, for each case whose solution was accepted in the period."""
        query = (
            select(self._epoch_ms(Case.created_at), self._epoch_ms(func.max(CaseEvent.at)))
            .join(Case, Case.id == CaseEvent.case_id)
            .where(CaseEvent.action == RESOLVED_ACTION, _in(CaseEvent.at, scope), *_owned(scope))
            .group_by(Case.id, Case.created_at)
        )
        return [(filed, at) async for filed, at in self._each(query)]

    async def period_events(self, scope: Scope, edges: Sequence[datetime]) -> PeriodEvents:
        """The period's acceptances, final stages, reopenings and appeals, and per bucket
        (edges[i] to edges[i+1], which divide the period) the filings, final stages and
        reopenings: each a count over a range of an index ((action, at) for the history,
        ix_cases_report for filings), all in one statement. Counting ranges spares
        comparing every row with every bucket's edges."""
        kinds = {"accepted": (RESOLVED_ACTION,), "closed": FINAL_ACTIONS, "reopened": REOPEN_ACTIONS, "appeals": (APPEAL_ACTION,)}

        def events(actions: Sequence[str], start: datetime, end: datetime) -> Any:
            query = select(func.count()).select_from(CaseEvent).where(CaseEvent.action.in_(actions), CaseEvent.at >= start, CaseEvent.at < end)
            return _of_owner(query, CaseEvent.case_id, scope).scalar_subquery()

        def filed(start: datetime, end: datetime) -> Any:
            return select(func.count()).select_from(Case).where(Case.created_at >= start, Case.created_at < end, *_owned(scope)).scalar_subquery()

        spans = list(zip(edges, edges[1:]))
        counts = [*(events(actions, scope.start, scope.end) for actions in kinds.values())]
        for name in ("closed", "reopened"):
            counts += [events(kinds[name], start, end) for start, end in spans]
        counts += [filed(start, end) for start, end in spans]
        row = [int(n) for n in (await self._session.execute(select(*counts))).one()]
        totals, n = dict(zip(kinds, row)), len(spans)
        timeline = {"filed": row[4 + 2 * n:], "closed": row[4:4 + n], "reopened": row[4 + n:4 + 2 * n]}
        return PeriodEvents(totals["accepted"], totals["closed"], totals["reopened"], totals["appeals"], timeline)

    async def deadlines(self, scope: Scope) -> dict[str, tuple[int, int]]:
        """Per stage: (deadlines met, deadlines missed) among those due in the period."""
        now = scope.now or scope.end
        query = _of_owner(
            select(Deadline.stage, func.sum(_met()), func.sum(_missed(now))).where(*_stage_deadlines(), _in(Deadline.due_at, scope)),
            Deadline.case_id, scope,
        ).group_by(Deadline.stage)
        return {stage: (int(met or 0), int(missed or 0)) for stage, met, missed in await self._rows(query)}

    async def satisfaction(self, scope: Scope) -> Satisfaction:
        """The period's ratings in one scan: count, averages and how many gave each number of stars."""
        aspects = [CaseRating.aspects[key].as_integer() for key in ASPECT_KEYS]
        levels = range(1, 6)
        totals = _of_owner(
            select(
                func.count(CaseRating.id), func.avg(CaseRating.stars), *[func.avg(a) for a in aspects], *[func.count(a) for a in aspects],
                *[func.sum(case((CaseRating.stars == n, 1), else_=0)) for n in levels],
            ).where(_in(CaseRating.rated_at, scope)),
            CaseRating.case_id, scope,
        )
        row = (await self._session.execute(totals)).one()
        count, average = row[0], row[1]
        n = len(ASPECT_KEYS)
        aspect_figures = {
            key: (float(row[2 + i]) if row[2 + i] is not None else None, int(row[2 + n + i])) for i, key in enumerate(ASPECT_KEYS)
        }
        stars = {level: int(given) for level, given in zip(levels, row[2 + 2 * n:]) if given}
        return Satisfaction(count, float(average) if average is not None else None, stars, aspect_figures)

    async def low_rating_comments(self, scope: Scope, at_most: int = 2, limit: int = 5) -> list[tuple[str, int, str]]:
        """(case number, stars, comment) of the period's lowest ratings that came with words, newest first."""
        query = (
            select(Case.number, CaseRating.stars, CaseRating.comment)
            .join(Case, Case.id == CaseRating.case_id)
            .where(_in(CaseRating.rated_at, scope), *_owned(scope), CaseRating.stars <= at_most, CaseRating.comment.is_not(None), CaseRating.comment != "")
            .order_by(CaseRating.rated_at.desc(), CaseRating.id.desc())
            .limit(limit)
        )
        return [(number, stars, comment) for number, stars, comment in await self._rows(query)]

    async def records(self, scope: Scope) -> Records:
        """The period's resolution records in one grouped scan: per responsible party and kind, and their cost."""
        query = _of_owner(
            select(ResolutionRecord.responsible_party, ResolutionRecord.responsibility_kind, func.count(), func.sum(ResolutionRecord.cost_cents))
            .where(_in(ResolutionRecord.completed_at, scope)),
            ResolutionRecord.case_id, scope,
        ).group_by(ResolutionRecord.responsible_party, ResolutionRecord.responsibility_kind)
        parties: Counter[Any] = Counter()
        kinds: Counter[Any] = Counter()
        completed = cost = 0
        for party, kind, n, cents in await self._rows(query):
            parties[party] += n
            kinds[kind] += n
            completed, cost = completed + n, cost + int(cents or 0)
        return Records(completed, dict(parties), dict(kinds), cost)

    async def improvements(self, scope: Scope, limit: int = 5) -> list[tuple[str, str]]:
        """(case number, improvement measure) of the period's records, newest first."""
        query = (
            select(Case.number, ResolutionRecord.improvement)
            .join(Case, Case.id == ResolutionRecord.case_id)
            .where(_in(ResolutionRecord.completed_at, scope), *_owned(scope), ResolutionRecord.improvement.is_not(None), ResolutionRecord.improvement != "")
            .order_by(ResolutionRecord.completed_at.desc(), ResolutionRecord.id.desc())
            .limit(limit)
        )
        return [(number, text) for number, text in await self._rows(query)]

    # -- one line per case (the export) --------------------------------------------------
    async def case_lines(self, scope: Scope) -> list[CaseLine]:
        owner, customer = User.__table__.alias("owner"), User.__table__.alias("customer")
        cases = (
            select(Case.__table__, owner.c.first_name.label("owner_name"), customer.c.first_name.label("customer_name"))
            .outerjoin(owner, owner.c.id == Case.owner_id)
            .outerjoin(customer, customer.c.id == Case.customer_id)
            .where(*_filed(scope))
            .order_by(Case.id)
        )
        ids = select(Case.id).where(*_filed(scope)).scalar_subquery()
        history = await self._history(ids)
        deadlines = await self._deadlines_per_case(ids, scope.now or scope.end)
        ratings = await self._latest(CaseRating, ids)
        records = await self._latest(ResolutionRecord, ids)
        costs = {
            case_id: cost
            async for case_id, cost in self._each(
                select(ResolutionRecord.case_id, func.sum(ResolutionRecord.cost_cents)).where(ResolutionRecord.case_id.in_(ids)).group_by(ResolutionRecord.case_id)
            )
        }
        repeats = await self._repeat_of(ids)
        lines = []
        async for row in self._each(cases):
            owner_name, customer_name = row.owner_name, row.customer_name
            events = history.get(row.id, {})
            rating, record = ratings.get(row.id), records.get(row.id)
            met, missed = deadlines.get(row.id, (0, 0))
            lines.append(
                CaseLine(
                    id=row.id, number=row.number, channel=row.channel, category=row.category, severity=row.severity, tier=row.tier,
                    stage=row.stage, owner_id=row.owner_id, owner_name=owner_name, customer_id=row.customer_id,
                    customer_name=customer_name, contact_phone=row.contact_phone, reopen_count=row.reopen_count,
                    appealed=bool(row.appealed), filed_at=row.created_at, first_response_at=row.first_response_at,
                    entered={stage: events.get(stage) for stage in STAGE_ENTRY_ACTIONS},
                    concluded_at=events.get("final") if row.stage in FINAL_STAGES else None,
                    resolved_at=events.get("resolved_last"), deadlines_met=met, deadlines_missed=missed,
                    stars=rating.stars if rating else None, aspects=dict(rating.aspects) if rating else {},
                    comment=rating.comment if rating else None,
                    party=record.responsible_party if record else None, kind=record.responsibility_kind if record else None,
                    root_cause=record.root_cause if record else None, remedy=record.remedy if record else None,
                    improvement=record.improvement if record else None, cost_cents=costs.get(row.id), repeat_of=repeats.get(row.id),
                )
            )
        return lines

    async def _history(self, ids: Any) -> dict[int, dict[str, datetime | None]]:
        """Per case, in one GROUP BY: when it first entered each stage, its last final-stage
        event and its last acceptance (its first response is kept on the case)."""
        columns = {
            stage: func.min(case((CaseEvent.action.in_(actions), CaseEvent.at))) for stage, actions in STAGE_ENTRY_ACTIONS.items()
        }
        columns["final"] = func.max(case((CaseEvent.action.in_(FINAL_ACTIONS), CaseEvent.at)))
        columns["resolved_last"] = func.max(case((CaseEvent.action == RESOLVED_ACTION, CaseEvent.at)))
        names = list(columns)
        query = select(CaseEvent.case_id, *[columns[n].label(n) for n in names]).where(CaseEvent.case_id.in_(ids)).group_by(CaseEvent.case_id)
        return {row[0]: {n: _aware(row[i + 1]) for i, n in enumerate(names)} async for row in self._each(query)}

    async def _repeat_of(self, ids: Any) -> dict[int, str]:
        """Per repeat complaint, the number of the earlier case it was linked to when filed."""
        earlier = Case.__table__.alias("earlier")
        query = (
            select(RelatedCase.case_id, earlier.c.number)
            .join(earlier, earlier.c.id == RelatedCase.related_id)
            .where(RelatedCase.kind == REPEAT, RelatedCase.case_id.in_(ids))
            .order_by(RelatedCase.case_id, RelatedCase.id)
        )
        numbers: dict[int, list[str]] = {}
        for case_id, number in await self._rows(query):
            numbers.setdefault(case_id, []).append(number)
        return {case_id: ", ".join(found) for case_id, found in numbers.items()}

    async def _deadlines_per_case(self, ids: Any, now: datetime) -> dict[int, tuple[int, int]]:
        query = (
            select(Deadline.case_id, func.sum(_met()), func.sum(_missed(now)))
            .where(*_stage_deadlines(), Deadline.case_id.in_(ids))
            .group_by(Deadline.case_id)
        )
        return {case_id: (int(met or 0), int(missed or 0)) async for case_id, met, missed in self._each(query)}

    async def _latest(self, model: Any, ids: Any) -> dict[int, Any]:
        """The row of each case's latest handling round (ratings, records)."""
        latest = select(model.case_id, func.max(model.round).label("round")).where(model.case_id.in_(ids)).group_by(model.case_id).subquery()
        query = select(model.__table__).join(latest, and_(model.case_id == latest.c.case_id, model.round == latest.c.round))
        return {row.case_id: row async for row in self._each(query)}


def _stage_deadlines() -> list[ColumnElement[bool]]:
    return [Deadline.kind == DeadlineKind.BREACH.value, Deadline.breach_no == 1, Deadline.status != REPLANNED]


def _met() -> ColumnElement[int]:
    return case((and_(Deadline.status == "cancelled", Deadline.done_at < Deadline.due_at), 1), else_=0)


def _missed(now: datetime) -> ColumnElement[int]:
    return case(
        (
            or_(
                Deadline.status == "done",
                and_(Deadline.status == "cancelled", Deadline.done_at >= Deadline.due_at),
                and_(Deadline.status == "pending", Deadline.due_at <= now),
            ),
            1,
        ),
        else_=0,
    )


def _aware(value: Any) -> Any:
    """MIN/MAX over a CASE lose the column's type: SQLite hands back its stored text."""
    if value is None or isinstance(value, datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=timezone.utc)
    return datetime.fromisoformat(str(value)).replace(tzinfo=timezone.utc)
