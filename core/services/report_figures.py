"""The desk's figures for one period, from core/storage/report_queries.py's aggregates
(which say which rows each figure counts), with durations in business time.

Durations: first response and resolution are business hours on the desk's calendar
(working hours of working days, holidays and adjusted working days included), as the
stages' own deadlines are. Urgent cases run on clock time (their deadlines are minutes),
so their first response is in clock minutes. Average, median and 90th percentile are
computed over the per-case durations, which are the only rows fetched (two times a case,
as epoch milliseconds, measured on core/domain/open_time.py's index, in a worker thread
while the other figures are read); the percentile interpolates between the two nearest
cases (as numpy's default). Every count is an SQL aggregate.
"""
from __future__ import annotations

import asyncio
import statistics
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Sequence

from core.domain.lifecycle import Severity
from core.domain.open_time import OpenTimeIndex
from core.services.report_periods import Bucket, Period
from core.services.staff_desk import StaffDesk
from core.storage.report_queries import (
    OwnerLoad,
    Records,
    ReportQueries,
    Satisfaction,
    Scope,
)
from core.storage.uow import UnitOfWork


@dataclass(frozen=True)
class Times:
    """Durations of several cases: how many, average, median, 90th percentile."""

    count: int = 0
    average: float | None = None
    median: float | None = None
    p90: float | None = None


def summarize(values: Sequence[float]) -> Times:
    if not values:
        return Times()
    ordered = sorted(values)
    p90 = ordered[0] if len(ordered) == 1 else statistics.quantiles(ordered, n=10, method="inclusive")[8]
    return Times(len(ordered), statistics.fmean(ordered), statistics.median(ordered), p90)


@dataclass(frozen=True)
class Figures:
    period: Period
    scope: Scope
    filed: int
    by_category: dict[str, int]
    by_severity: dict[str, int]
    by_stage: dict[str, int]
    by_tier: dict[int, int]
    by_outcome: dict[str, int]
    by_channel: dict[str, int]
    buckets: list[Bucket]
    timeline: dict[str, list[int]]
    first_response: Times  # business hours
    unanswered: int  # the period's cases without a first response yet
    urgent_response: Times  # clock minutes
    resolution: Times  # business hours
    accepted: int  # solutions accepted in the period
    concluded: int  # final stages reached in the period
    reopenings: int  # reopenings in the period
    appeals: int  # appeals in the period
    reopened_cases: int  # of the period's cases, reopened at least once
    appealed_cases: int
    deadlines: dict[str, tuple[int, int]]  # stage -> (met, missed)
    satisfaction: Satisfaction
    low_ratings: list[tuple[str, int, str]]
    workload: list[OwnerLoad]
    records: Records
    improvements: list[tuple[str, str]] = field(default_factory=list)
    repeats: int = 0  # of the period's cases, repeat complaints (docs/process.md §4)
    shared_references: int = 0  # of the period's cases, with a reference other customers gave

    @property
    def still_open(self) -> int:
        return self.by_outcome.get("open", 0)

    @property
    def deadlines_met(self) -> tuple[int, int]:
        """(met, due) over every stage."""
        met = sum(m for m, _ in self.deadlines.values())
        return met, met + sum(missed for _, missed in self.deadlines.values())

    @property
    def response_rate(self) -> float | None:
        """Ratings given per solution accepted, as a share (None when nothing was accepted)."""
        return self.satisfaction.ratings / self.accepted if self.accepted else None

    @property
    def reopen_rate(self) -> float | None:
        return self.reopened_cases / self.filed if self.filed else None

    @property
    def repeat_rate(self) -> float | None:
        return self.repeats / self.filed if self.filed else None


def _open_time(desk: StaffDesk, *durations: Sequence[Sequence[int]]) -> OpenTimeIndex:
    """The desk's open hours over every instant the durations span (rows starting with
    (start, end) in epoch milliseconds), their bounds found without a list of the instants."""
    if not any(durations):
        return OpenTimeIndex((), 0, 0)
    first = min(min(row[0], row[1]) for rows in durations for row in rows)
    last = max(max(row[0], row[1]) for rows in durations for row in rows)
    return desk.calendar.open_time_index(datetime.fromtimestamp(first / 1000, timezone.utc), datetime.fromtimestamp(last / 1000, timezone.utc))


@dataclass(frozen=True)
class _Durations:
    first_response: Times
    urgent_response: Times
    resolution: Times


def _durations(desk: StaffDesk, responses: list[tuple[int, int, str]], resolved: list[tuple[int, int]]) -> _Durations:
    """Each case's durations on the open-time index and their statistics: plain CPU work
    over a year's cases, run off the event loop."""
    hours = _open_time(desk, responses, resolved)
    between = hours.hours_between
    first = [between(filed_at, answered_at) for filed_at, answered_at, _ in responses]
    urgent = [(answered_at - filed_at) / 60_000 for filed_at, answered_at, severity in responses if severity == Severity.URGENT]
    resolutions = [between(filed, accepted) for filed, accepted in resolved]
    return _Durations(summarize(first), summarize(urgent), summarize(resolutions))


async def compute(uow: UnitOfWork, desk: StaffDesk, period: Period, owner: int | None, now: datetime) -> Figures:
    queries = ReportQueries(uow.session)
    scope = Scope(period.start, period.end, owner, now)
    cases = await queries.period_cases(scope)
    responses = await queries.first_responses(scope)
    resolved = await queries.resolutions(scope)
    # Started now, finished while the other figures are read.
    durations = asyncio.get_running_loop().run_in_executor(None, _durations, desk, responses, resolved)
    buckets = period.buckets()
    events = await queries.period_events(scope, [b.start for b in buckets] + [period.end])
    repeats, shared_references = await queries.related(scope)
    deadlines = await queries.deadlines(scope)
    satisfaction = await queries.satisfaction(scope)
    low_ratings = await queries.low_rating_comments(scope)
    workload = await queries.workload(scope)
    records = await queries.records(scope)
    improvements = await queries.improvements(scope)
    times = await durations
    return Figures(
        period=period,
        scope=scope,
        filed=cases.filed,
        by_category=cases.by_category,
        by_severity=cases.by_severity,
        by_stage=cases.by_stage,
        by_tier=cases.by_tier,
        by_outcome=cases.by_outcome,
        by_channel=cases.by_channel,
        buckets=buckets,
        timeline=events.timeline,
        first_response=times.first_response,
        unanswered=cases.unanswered,
        urgent_response=times.urgent_response,
        resolution=times.resolution,
        accepted=events.accepted,
        concluded=events.concluded,
        reopenings=events.reopenings,
        appeals=events.appeals,
        reopened_cases=cases.reopened,
        appealed_cases=cases.appealed,
        deadlines=deadlines,
        satisfaction=satisfaction,
        low_ratings=low_ratings,
        workload=workload,
        records=records,
        improvements=improvements,
        repeats=repeats,
        shared_references=shared_references,
    )


@dataclass(frozen=True)
class Comparison:
    """A period's figures beside those of the period before it."""

    current: Figures
    previous: Figures


async def compare(uow: UnitOfWork, desk: StaffDesk, period: Period, owner: int | None, now: datetime) -> Comparison:
    return Comparison(await compute(uow, desk, period, owner, now), await compute(uow, desk, period.previous(), owner, now))
