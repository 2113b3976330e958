"""The report's charts as data (core.intents.Chart): what each panel shows, with its
words as Phrases. bot/reports/charts.py draws them in the group's locale when they are
sent. Every panel sets this period beside the previous one, except activity over time."""
from __future__ import annotations

from typing import Iterable

from core.domain.lifecycle import FINAL_STAGES, Severity, Stage
from core.domain.sla import STAFF_STAGES
from core.intents import Chart, ChartSeries, ParamValue, Phrase
from core.services.case_card import severity_name, stage_name
from core.services.intake_prompts import category_label
from core.services.report_figures import Comparison, Figures, Times
from core.services.report_periods import WEEK
from core.services.satisfaction import ASPECTS
from core.services.staff_desk import StaffDesk

EMPTY = Phrase("report.chart.empty")
# More weeks or months than this are drawn as lines: three bars each would be too thin.
LINES_FROM = 16
# The staff stages under short names (the catalog's stage names are the customer's sentences).
STAGE_LABELS = {
    Stage.RECEIVED: Phrase("report.stage.received"),
    Stage.ACCEPTED: Phrase("report.stage.accepted"),
    Stage.INVESTIGATING: Phrase("report.stage.investigating"),
    Stage.RESOLVED: Phrase("report.stage.resolved"),
}
CURRENT, PREVIOUS = Phrase("report.series.current"), Phrase("report.series.previous")


def _pair(current: Iterable[float | None], previous: Iterable[float | None]) -> tuple[ChartSeries, ...]:
    return (ChartSeries(CURRENT, tuple(current)), ChartSeries(PREVIOUS, tuple(previous)))


def _keys_in_order(known: Iterable[str], *counts: dict[str, int]) -> list[str]:
    """The keys with a count in either period, in the deployment's order, others after."""
    present = {key for c in counts for key, n in c.items() if n}
    ordered = [key for key in known if key in present]
    return ordered + sorted(present - set(ordered))


def over_time(figures: Figures) -> Chart:
    title = Phrase("report.chart.per_week") if figures.period.bucket_unit() == WEEK else Phrase("report.chart.per_month")
    timeline = figures.timeline
    series = (
        ChartSeries(Phrase("report.series.filed"), tuple(timeline["filed"])),
        ChartSeries(Phrase("report.series.closed"), tuple(timeline["closed"])),
        ChartSeries(Phrase("report.series.reopened"), tuple(timeline["reopened"])),
    )
    style = "lines" if len(figures.buckets) > LINES_FROM else "bars"
    return Chart(title, tuple(b.label for b in figures.buckets), series, Phrase("report.axis.cases"), style=style, empty=EMPTY)


def categories(desk: StaffDesk, report: Comparison) -> Chart:
    now, before = report.current.by_category, report.previous.by_category
    keys = _keys_in_order((c.key for c in desk.intake.categories), now, before)
    labels: tuple[ParamValue, ...] = tuple(category_label(desk.intake, key) for key in keys)
    return Chart(
        Phrase("report.chart.categories"), labels, _pair((now.get(k, 0) for k in keys), (before.get(k, 0) for k in keys)),
        Phrase("report.axis.cases"), style="hbars", empty=EMPTY,
    )


def severities(report: Comparison) -> Chart:
    keys = [s.value for s in Severity]
    now, before = report.current.by_severity, report.previous.by_severity
    return Chart(
        Phrase("report.chart.severity"), tuple(severity_name(k) for k in keys),
        _pair((now.get(k, 0) for k in keys), (before.get(k, 0) for k in keys)), Phrase("report.axis.cases"), empty=EMPTY,
    )


OUTCOME_ORDER = ("open", *(s.value for s in FINAL_STAGES))


OUTCOME_NAMES = {
    "open": Phrase("report.outcome.open"),
    Stage.CLOSED.value: Phrase("report.outcome.closed"),
    Stage.REJECTED.value: Phrase("report.outcome.rejected"),
    Stage.WITHDRAWN.value: Phrase("report.outcome.withdrawn"),
    Stage.TERMINATED.value: Phrase("report.outcome.terminated"),
}


def outcome_name(outcome: str) -> Phrase:
    return OUTCOME_NAMES.get(outcome) or stage_name(outcome)


def outcomes(report: Comparison) -> Chart:
    now, before = report.current.by_outcome, report.previous.by_outcome
    return Chart(
        Phrase("report.chart.outcome"), tuple(outcome_name(k) for k in OUTCOME_ORDER),
        _pair((now.get(k, 0) for k in OUTCOME_ORDER), (before.get(k, 0) for k in OUTCOME_ORDER)), Phrase("report.axis.cases"), empty=EMPTY,
    )


QUALITY = (Phrase("report.figure.reopened_cases"), Phrase("report.figure.appealed_cases"), Phrase("report.figure.repeats"))


def _quality(figures: Figures) -> tuple[int, int, int]:
    return (figures.reopened_cases, figures.appealed_cases, figures.repeats)


def quality(report: Comparison) -> Chart:
    """Of the period's cases: reopened, appealed, and repeat complaints (a customer's
    matter come back), beside the previous period's."""
    return Chart(
        Phrase("report.chart.quality"), QUALITY, _pair(_quality(report.current), _quality(report.previous)),
        Phrase("report.axis.cases"), style="hbars", empty=Phrase("report.chart.quality_none"),
    )


STATISTICS = (Phrase("report.stat.average"), Phrase("report.stat.median"), Phrase("report.stat.p90"))


def _stats(times: Times) -> tuple[float | None, ...]:
    return (times.average, times.median, times.p90)


def durations(title: Phrase, current: Times, previous: Times) -> Chart:
    return Chart(title, STATISTICS, _pair(_stats(current), _stats(previous)), Phrase("report.axis.hours"), empty=EMPTY)


def _met_share(deadlines: dict[str, tuple[int, int]], stage: str) -> float | None:
    met, missed = deadlines.get(stage, (0, 0))
    return 100 * met / (met + missed) if met + missed else None


def deadlines(report: Comparison) -> Chart:
    stages = [s.value for s in STAFF_STAGES]
    now, before = report.current.deadlines, report.previous.deadlines
    return Chart(
        Phrase("report.chart.deadlines"), tuple(STAGE_LABELS.get(s, stage_name(s)) for s in stages),
        _pair((_met_share(now, s) for s in stages), (_met_share(before, s) for s in stages)),
        Phrase("report.axis.percent"), style="hbars", percent=True, max_value=100, empty=EMPTY,
    )


def stars(report: Comparison) -> Chart:
    now, before = report.current.satisfaction.stars, report.previous.satisfaction.stars
    levels = range(1, 6)
    return Chart(
        Phrase("report.chart.stars"), tuple("★" * n for n in levels),
        _pair((now.get(n, 0) for n in levels), (before.get(n, 0) for n in levels)), Phrase("report.axis.ratings"), empty=EMPTY,
    )


def aspects(report: Comparison) -> Chart:
    now, before = report.current.satisfaction.aspects, report.previous.satisfaction.aspects
    keys = list(ASPECTS)
    return Chart(
        Phrase("report.chart.aspects"), tuple(ASPECTS[k] for k in keys),
        _pair((now.get(k, (None, 0))[0] for k in keys), (before.get(k, (None, 0))[0] for k in keys)),
        Phrase("report.axis.score"), style="hbars", max_value=5, empty=EMPTY,
    )


def pages(desk: StaffDesk, report: Comparison) -> tuple[tuple[Chart, ...], ...]:
    """The pictures of one report, two or three panels each (readable on a phone)."""
    current, previous = report.current, report.previous
    return (
        (over_time(current), categories(desk, report)),
        (severities(report), outcomes(report), quality(report)),
        (
            durations(Phrase("report.chart.first_response"), current.first_response, previous.first_response),
            durations(Phrase("report.chart.resolution"), current.resolution, previous.resolution),
        ),
        (deadlines(report), stars(report), aspects(report)),
    )

