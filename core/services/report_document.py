"""The management report for a month or a year as a document of data: sections of
paragraphs, tables and charts whose words are Phrases. bot/reports/pdf.py sets it as a
PDF in the reader's locale when its outbox row is sent.

The sections follow a year-end complaint report (docs/process.md §6): overview; by
category, severity and channel; handling times and deadlines met; satisfaction; typical
cases; problems found and improvement measures (from the resolution records); priorities
for the next period, drawn from the figures by fixed rules (`priorities`). Every figure
sits beside the previous period's. Typical cases are picked as
core/storage/report_cases.py says; their statements are shortened and any phone number or
e-mail address in them is hidden, and no customer is named.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Union

from core.domain.lifecycle import FINAL_STAGES, Severity
from core.domain.sla import STAFF_STAGES
from core.intents import Chart, Lines, Localized, Phrase, SendReportFile
from core.services import report_charts
from core.services.case_card import severity_name, stage_name
from core.services.intake_prompts import category_label
from core.services.report_charts import OUTCOME_ORDER, STAGE_LABELS, outcome_name
from core.services.report_export import OVERVIEW_LABELS, overview_rows
from core.services.report_figures import Comparison, Figures, Times, compare
from core.services.report_periods import WEEK, Period
from core.services.reports import dates, scope_phrase
from core.services.resolution_record import KINDS, PARTIES, format_cost
from core.services.satisfaction import ASPECTS
from core.services.staff_desk import StaffDesk
from core.storage.report_cases import RecordLine, ReportCases, TypicalCase
from core.storage.report_queries import Scope
from core.storage.uow import UnitOfWork

Cell = Union[str, int, Phrase, Localized, Lines, None]
STATEMENT_CHARS = 90
TEXT_CHARS = 120
NONE = Phrase("report.none")
CURRENT, PREVIOUS, ITEM = Phrase("report.series.current"), Phrase("report.series.previous"), Phrase("report.column.item")
SHARE = Phrase("report.pdf.column.share")
# A phone number (7 digits or more, spaces and dashes allowed) or an e-mail address.
_CONTACT = re.compile(r"\+?\(?\d[\d \-().]{5,}\d|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Overview lines taken from the export's overview, in this order.
OVERVIEW_KEYS = ("filed", "accepted", "concluded", "open", "unanswered", "reopened_cases", "appealed_cases", "repeats", "records", "cost")


@dataclass(frozen=True)
class Paragraph:
    text: Phrase


@dataclass(frozen=True)
class Bullets:
    items: tuple[Phrase, ...]


@dataclass(frozen=True)
class Table:
    columns: tuple[Phrase, ...]
    rows: tuple[tuple[Cell, ...], ...]
    widths: tuple[int, ...]  # relative column widths
    numeric: tuple[int, ...] = ()  # columns set flush right


@dataclass(frozen=True)
class Figure:
    charts: tuple[Chart, ...]  # one or two panels side by side


Block = Union[Paragraph, Bullets, Table, Figure]


@dataclass(frozen=True)
class Section:
    heading: Phrase
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Document:
    title: Phrase
    subtitle: Phrase
    sections: tuple[Section, ...]


def _section(heading: Phrase, blocks: "list[Block] | tuple[Block, ...]") -> Section:
    """A section without its empty tables (an empty period's charts say so instead)."""
    return Section(heading, tuple(b for b in blocks if not (isinstance(b, Table) and not b.rows)))


def hide_contacts(text: str) -> str:
    return _CONTACT.sub("•••", text)


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rstrip() + "…"


def _percent(part: float, whole: float) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "—"


def _change(now: int, before: int) -> Phrase | str:
    if not before:
        return NONE
    change = 100 * (now - before) / before
    return Phrase("report.pdf.unchanged") if round(change) == 0 else f"{change:+.0f}%"


def _number(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _counts(label, keys, now: dict, before: dict, filed: int) -> tuple[tuple[Cell, ...], ...]:  # type: ignore[no-untyped-def,type-arg]
    return tuple((label(k), now.get(k, 0), _percent(now.get(k, 0), filed), before.get(k, 0)) for k in keys)


def _keys(known, *counts: dict) -> list:  # type: ignore[no-untyped-def,type-arg]
    present = {k for c in counts for k, n in c.items() if n}
    return [k for k in known if k in present] + sorted(present - set(known), key=str)


def peak(figures: Figures) -> Phrase | None:
    """The week or month with the most filings, when one stands out (a tie names none)."""
    filed = figures.timeline["filed"]
    if not any(filed) or filed.count(max(filed)) > 1:
        return None
    index = filed.index(max(filed))
    bucket = figures.buckets[index]
    if figures.period.bucket_unit() == WEEK:
        return Phrase("report.pdf.peak_week", start=bucket.start.astimezone(figures.period.tz).date().isoformat(), count=filed[index])
    return Phrase("report.pdf.peak_month", month=bucket.label, count=filed[index])


def overview(report: Comparison) -> Section:
    now, before = report.current, report.previous
    labels = dict(zip((p.code.removeprefix("report.figure.") for p in OVERVIEW_LABELS), zip(OVERVIEW_LABELS, overview_rows(now), overview_rows(before))))
    rows = []
    for key in OVERVIEW_KEYS:
        label, a, b = labels[key]
        shown = (format_cost(round(a * 100)), format_cost(round(b * 100))) if key == "cost" else (a, b)
        rows.append((label, *shown))
    text = Phrase(
        "report.pdf.overview_text", filed=now.filed, change=_change(now.filed, before.filed), previous=before.filed,
        concluded=now.concluded, accepted=now.accepted, open=now.still_open,
    )
    blocks: list[Block] = [Paragraph(text)]
    busiest = peak(now)
    if busiest is not None:
        blocks.append(Paragraph(busiest))
    blocks += [Figure((report_charts.over_time(now),)), Table((ITEM, CURRENT, PREVIOUS), tuple(rows), (6, 2, 2), numeric=(1, 2))]
    return _section(Phrase("report.pdf.section.overview"), blocks)


def breakdown(desk: StaffDesk, report: Comparison) -> Section:
    now, before = report.current, report.previous
    columns = (CURRENT, SHARE, PREVIOUS)
    categories = _keys([c.key for c in desk.intake.categories], now.by_category, before.by_category)
    severities = [s.value for s in Severity]
    channels = _keys([], now.by_channel, before.by_channel)
    return _section(
        Phrase("report.pdf.section.breakdown"),
        (
            Paragraph(Phrase("report.pdf.breakdown_text")),
            Table((Phrase("report.column.category"), *columns),
                  _counts(lambda k: category_label(desk.intake, k), categories, now.by_category, before.by_category, now.filed), (5, 2, 2, 2), (1, 2, 3)),
            Figure((report_charts.categories(desk, report),)),
            Table((Phrase("report.column.severity"), *columns), _counts(severity_name, severities, now.by_severity, before.by_severity, now.filed),
                  (5, 2, 2, 2), (1, 2, 3)),
            Table((Phrase("report.column.channel"), *columns), _counts(lambda k: k, channels, now.by_channel, before.by_channel, now.filed),
                  (5, 2, 2, 2), (1, 2, 3)),
            Table((Phrase("report.column.outcome"), *columns), _counts(outcome_name, list(OUTCOME_ORDER), now.by_outcome, before.by_outcome, now.filed),
                  (5, 2, 2, 2), (1, 2, 3)),
            Figure((report_charts.severities(report), report_charts.outcomes(report))),
        ),
    )


def _times_row(label: Phrase, now: Times, before: Times, digits: int = 1) -> tuple[Cell, ...]:
    return (label, now.count, _number(now.average, digits), _number(now.median, digits), _number(now.p90, digits), _number(before.median, digits))


def _met(deadlines: dict[str, tuple[int, int]], stage: str) -> tuple[int, int, str]:
    met, missed = deadlines.get(stage, (0, 0))
    return met, missed, _percent(met, met + missed)


def timeliness(report: Comparison) -> Section:
    now, before = report.current, report.previous
    times = Table(
        (ITEM, Phrase("report.pdf.column.cases"), Phrase("report.stat.average"), Phrase("report.stat.median"), Phrase("report.stat.p90"),
         Phrase("report.pdf.column.previous_median")),
        (
            _times_row(Phrase("report.pdf.first_response_hours"), now.first_response, before.first_response),
            _times_row(Phrase("report.pdf.urgent_minutes"), now.urgent_response, before.urgent_response, 0),
            _times_row(Phrase("report.pdf.resolution_hours"), now.resolution, before.resolution),
        ),
        (5, 2, 2, 2, 2, 3), (1, 2, 3, 4, 5),
    )
    stages = [s.value for s in STAFF_STAGES]
    met, due = now.deadlines_met
    before_met, before_due = before.deadlines_met
    deadlines = Table(
        (Phrase("report.column.stage"), Phrase("report.column.deadlines_met"), Phrase("report.column.deadlines_missed"), Phrase("report.pdf.column.met_share"),
         Phrase("report.pdf.column.previous_share")),
        tuple((STAGE_LABELS.get(s, stage_name(s)), *_met(now.deadlines, s), _met(before.deadlines, s)[2]) for s in stages)
        + ((Phrase("report.pdf.all_stages"), met, due - met, _percent(met, due), _percent(before_met, before_due)),),
        (4, 2, 2, 2, 3), (1, 2, 3, 4),
    )
    return _section(
        Phrase("report.pdf.section.timeliness"),
        (
            Paragraph(Phrase("report.pdf.timeliness_text")),
            times,
            Figure((
                report_charts.durations(Phrase("report.chart.first_response"), now.first_response, before.first_response),
                report_charts.durations(Phrase("report.chart.resolution"), now.resolution, before.resolution),
            )),
            deadlines,
            Figure((report_charts.deadlines(report),)),
        ),
    )


def satisfaction(report: Comparison) -> Section:
    now, before = report.current, report.previous
    s, b = now.satisfaction, before.satisfaction
    text = Phrase(
        "report.pdf.satisfaction_text", ratings=s.ratings, average=_number(s.average), previous=_number(b.average),
        rate=_percent(s.ratings, now.accepted),
    )
    rows = tuple(("★" * n, s.stars.get(n, 0), b.stars.get(n, 0)) for n in range(5, 0, -1)) + tuple(
        (label, _number(s.aspects[k][0]), _number(b.aspects[k][0])) for k, label in ASPECTS.items()
    )
    blocks: list[Block] = [
        Paragraph(text), Table((ITEM, CURRENT, PREVIOUS), rows, (6, 2, 2), (1, 2)),
        Figure((report_charts.stars(report), report_charts.aspects(report))),
        Paragraph(Phrase("report.pdf.dissatisfaction")),
    ]
    if now.low_ratings:
        blocks.append(Table(
            (Phrase("report.column.number"), Phrase("report.column.stars"), Phrase("report.column.comment")),
            tuple((number, "★" * stars, shorten(hide_contacts(comment), TEXT_CHARS)) for number, stars, comment in now.low_ratings),
            (3, 2, 9),
        ))
    else:
        blocks.append(Paragraph(Phrase("report.pdf.no_low_ratings")))
    return _section(Phrase("report.pdf.section.satisfaction"), blocks)


def _outcome(case: TypicalCase) -> Lines:
    stage = outcome_name(case.stage) if case.stage in {s.value for s in FINAL_STAGES} else STAGE_LABELS.get(case.stage, stage_name(case.stage))
    lines: list[Phrase | str] = [stage]
    if case.remedy:
        lines.append(shorten(hide_contacts(case.remedy), 60))
    if case.cost_cents:
        lines.append(Phrase("report.pdf.cost", cost=format_cost(case.cost_cents)))
    if case.reopen_count:
        lines.append(Phrase("report.pdf.reopened_times", count=case.reopen_count))
    if case.appealed:
        lines.append(Phrase("report.pdf.appealed"))
    if case.stars:
        lines.append("★" * case.stars)
    return Lines(lines)


def typical_cases(desk: StaffDesk, cases: list[TypicalCase]) -> Section:
    blocks: list[Block] = [Paragraph(Phrase("report.pdf.cases_rule"))]
    if cases:
        blocks.append(Table(
            (Phrase("report.column.number"), Phrase("report.pdf.column.kind"), Phrase("report.pdf.column.statement"), Phrase("report.column.outcome")),
            tuple(
                (
                    c.number, Lines([category_label(desk.intake, c.category), severity_name(c.severity)]),
                    shorten(hide_contacts(c.statement), STATEMENT_CHARS) if c.statement else Phrase("report.pdf.erased"), _outcome(c),
                )
                for c in cases
            ),
            (3, 3, 6, 4),
        ))
    else:
        blocks.append(Paragraph(Phrase("report.pdf.no_cases")))
    return _section(Phrase("report.pdf.section.cases"), blocks)


def improvements(desk: StaffDesk, report: Comparison, records: list[RecordLine]) -> Section:
    now, before = report.current, report.previous
    text = Phrase(
        "report.pdf.improvements_text", records=now.records.completed, cost=format_cost(now.records.cost_cents),
        reopened=now.reopened_cases, appeals=now.appeals,
    )
    parties = tuple((label, now.records.parties.get(k, 0), before.records.parties.get(k, 0)) for k, label in PARTIES.items())
    kinds = tuple((label, now.records.kinds.get(k, 0), before.records.kinds.get(k, 0)) for k, label in KINDS.items())
    repeats = Phrase(
        "report.pdf.repeats_text", repeats=now.repeats, share=_percent(now.repeats, now.filed), previous=before.repeats,
        shared=now.shared_references,
    )
    quality = (
        (Phrase("report.figure.reopened_cases"), now.reopened_cases, _percent(now.reopened_cases, now.filed), before.reopened_cases),
        (Phrase("report.figure.appealed_cases"), now.appealed_cases, _percent(now.appealed_cases, now.filed), before.appealed_cases),
        (Phrase("report.figure.repeats"), now.repeats, _percent(now.repeats, now.filed), before.repeats),
        (Phrase("report.figure.shared_references"), now.shared_references, _percent(now.shared_references, now.filed), before.shared_references),
    )
    chart = report_charts.quality(report)
    blocks: list[Block] = [
        Paragraph(text),
        Paragraph(repeats),
        Table((ITEM, CURRENT, SHARE, PREVIOUS), quality, (5, 2, 2, 2), (1, 2, 3)),
        # Drawn when there is something to draw: the table already says "none" in zeros.
        *([Figure((chart,))] if any(v for series in chart.series for v in series.values) else []),
        Table((Phrase("report.column.party"), CURRENT, PREVIOUS), parties, (6, 2, 2), (1, 2)),
        Table((Phrase("report.column.kind"), CURRENT, PREVIOUS), kinds, (6, 2, 2), (1, 2)),
    ]
    if records:
        blocks.append(Table(
            (Phrase("report.column.number"), Phrase("report.column.category"), Phrase("report.column.root_cause"), Phrase("report.column.improvement")),
            tuple(
                (r.number, category_label(desk.intake, r.category), shorten(hide_contacts(r.root_cause or ""), TEXT_CHARS) or NONE,
                 shorten(hide_contacts(r.improvement or ""), TEXT_CHARS) or NONE)
                for r in records
            ),
            (3, 3, 5, 5),
        ))
    else:
        blocks.append(Paragraph(Phrase("report.pdf.no_records")))
    return _section(Phrase("report.pdf.section.improvements"), blocks)


def priorities(desk: StaffDesk, report: Comparison, records: list[RecordLine]) -> list[Phrase]:
    """What the next period should look at, by fixed rules on this period's figures: the
    category with the most complaints, the stage whose deadlines were met least, the
    aspect rated lowest, the cases carried over and still unanswered, the measures to
    follow up."""
    now = report.current
    found: list[Phrase] = []
    if now.by_category:
        # A tie goes to the category the deployment lists first.
        order = [c.key for c in desk.intake.categories]
        key, count = max(now.by_category.items(), key=lambda kv: (kv[1], -(order.index(kv[0]) if kv[0] in order else len(order))))
        found.append(Phrase("report.pdf.plan.category", category=category_label(desk.intake, key), count=count, share=_percent(count, now.filed)))
    shares = {s: m / (m + x) for s, (m, x) in now.deadlines.items() if m + x}
    if shares and min(shares.values()) < 1:
        stage = min(shares, key=lambda s: (shares[s], s))
        found.append(Phrase("report.pdf.plan.deadlines", stage=STAGE_LABELS.get(stage, stage_name(stage)), share=f"{100 * shares[stage]:.0f}%"))
    scored = {k: v for k, (v, _n) in now.satisfaction.aspects.items() if v is not None}
    if scored:
        key = min(scored, key=lambda k: (scored[k], list(ASPECTS).index(k)))
        found.append(Phrase("report.pdf.plan.aspect", aspect=ASPECTS[key], score=_number(scored[key])))
    if now.still_open:
        found.append(Phrase("report.pdf.plan.open", count=now.still_open))
    if now.unanswered:
        found.append(Phrase("report.pdf.plan.unanswered", count=now.unanswered))
    measures = sum(1 for r in records if r.improvement)
    if measures:
        found.append(Phrase("report.pdf.plan.measures", count=measures))
    return found


def plans(desk: StaffDesk, report: Comparison, records: list[RecordLine]) -> Section:
    found = priorities(desk, report, records)
    blocks: list[Block] = [Paragraph(Phrase("report.pdf.plans_text"))]
    blocks.append(Bullets(tuple(found)) if found else Paragraph(Phrase("report.pdf.plan.nothing")))
    return _section(Phrase("report.pdf.section.plans"), blocks)


def document(desk: StaffDesk, report: Comparison, cases: list[TypicalCase], records: list[RecordLine], scope: Phrase) -> Document:
    start, end = dates(report.current.period)
    previous_start, previous_end = dates(report.previous.period)
    return Document(
        Phrase("report.pdf.title", start=start, end=end),
        Phrase("report.pdf.subtitle", scope=scope, previous_start=previous_start, previous_end=previous_end),
        (
            overview(report), breakdown(desk, report), timeliness(report), satisfaction(report), typical_cases(desk, cases),
            improvements(desk, report, records), plans(desk, report, records),
        ),
    )


async def build(uow: UnitOfWork, desk: StaffDesk, request: SendReportFile) -> Document:
    """The document a PDF row names: its period and whose cases, read now."""
    now = uow.clock.now()
    owner = await uow.users.get(request.owner_id) if request.owner_id is not None else None
    scope = scope_phrase(request.owner_id, owner.first_name if owner else str(request.owner_id))
    period = Period(request.start, request.end, desk.calendar.zone.key, request.period_kind)
    report = await compare(uow, desk, period, request.owner_id, now)
    cases = ReportCases(uow.session)
    where = Scope(period.start, period.end, request.owner_id, now)
    return document(desk, report, await cases.typical(where), await cases.records(where), scope)

