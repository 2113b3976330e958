"""/export's content as sheets of cells, made when the file is sent (bot/reports/files.py
writes them as XLSX, and the cases sheet as CSV).

The cases sheet has one row per case of the period: its number, channel, category,
severity, tier, stage and owner, the customer (a pseudonym when staff see customers
under one, and always for a customer whose data was erased), the contact (masked unless
the request reveals contacts; a file posted in the group never does), when it entered
each stage by its history, first response and resolution in business hours, its stage
deadlines met and missed, the earlier case it repeats (a repeat complaint), the latest
rating and resolution record, and the remedy cost of all its records. Every other
sheet is one figure of the report beside the previous period's. Times are the desk's
local times.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Union

from core.domain.lifecycle import Stage
from core.domain.open_time import epoch_ms
from core.domain.phone import mask_phone
from core.domain.sla import STAFF_STAGES
from core.intents import Localized, Phrase, SendReportFile
from core.services.case_card import severity_name, stage_name
from core.services.intake_prompts import category_label
from core.services.report_charts import OUTCOME_ORDER, outcome_name
from core.services.report_figures import Comparison, Figures, compare
from core.services.report_periods import Period
from core.services.reports import owner_name
from core.services.resolution_record import KINDS, PARTIES
from core.services.satisfaction import ASPECTS
from core.services.staff_desk import StaffDesk
from core.storage.report_queries import CaseLine, ReportQueries, Scope
from core.storage.uow import UnitOfWork

Cell = Union[str, int, float, datetime, Phrase, Localized, None]
YES, NO = Phrase("report.yes"), Phrase("report.no")


@dataclass(frozen=True)
class Sheet:
    name: Phrase
    columns: tuple[Phrase, ...]
    rows: list[tuple[Cell, ...]]


CASE_COLUMNS = (
    Phrase("report.column.number"), Phrase("report.column.channel"), Phrase("report.column.category"),
    Phrase("report.column.severity"), Phrase("report.column.tier"), Phrase("report.column.stage"),
    Phrase("report.column.owner"), Phrase("report.column.customer"), Phrase("report.column.contact"),
    Phrase("report.column.filed_at"), Phrase("report.column.first_response_at"), Phrase("report.column.accepted_at"),
    Phrase("report.column.investigating_at"), Phrase("report.column.proposed_at"), Phrase("report.column.resolved_at"),
    Phrase("report.column.follow_up_at"), Phrase("report.column.concluded_at"), Phrase("report.column.first_response_hours"),
    Phrase("report.column.resolution_hours"), Phrase("report.column.deadlines_met"), Phrase("report.column.deadlines_missed"),
    Phrase("report.column.reopened"), Phrase("report.column.appealed"), Phrase("report.column.repeat_of"), Phrase("report.column.stars"),
    *ASPECTS.values(),
    Phrase("report.column.comment"), Phrase("report.column.party"), Phrase("report.column.kind"),
    Phrase("report.column.root_cause"), Phrase("report.column.remedy"), Phrase("report.column.cost"),
    Phrase("report.column.improvement"),
)
ENTERED = (Stage.ACCEPTED, Stage.INVESTIGATING, Stage.SOLUTION_PROPOSED, Stage.RESOLVED, Stage.FOLLOW_UP)
ITEM, CURRENT, PREVIOUS = Phrase("report.column.item"), Phrase("report.series.current"), Phrase("report.series.previous")


def _cost(cents: int | None) -> float | None:
    return None if cents is None else cents / 100


def _customer(desk: StaffDesk, line: CaseLine) -> str:
    if desk.staff.confidential or line.customer_name is None:
        return desk.customer_label(None, line.customer_id)
    return line.customer_name


class _Local:
    def __init__(self, desk: StaffDesk) -> None:
        self._zone = desk.calendar.zone

    def __call__(self, moment: datetime | None) -> datetime | None:
        """Local wall-clock time, without a zone (spreadsheets keep none)."""
        return None if moment is None else moment.astimezone(self._zone).replace(tzinfo=None, microsecond=0)


def case_rows(desk: StaffDesk, lines: list[CaseLine], reveal_contacts: bool) -> list[tuple[Cell, ...]]:
    local = _Local(desk)
    moments = [m for line in lines for m in (line.filed_at, line.first_response_at, line.resolved_at) if m is not None]
    hours = desk.calendar.open_time_index(min(moments), max(moments)) if moments else None

    def between(start: datetime, end: datetime | None) -> float | None:
        return None if end is None or hours is None else hours.hours_between(epoch_ms(start), epoch_ms(end))

    rows = []
    for line in lines:
        contact = line.contact_phone if reveal_contacts or not line.contact_phone else mask_phone(line.contact_phone)
        first, resolution = between(line.filed_at, line.first_response_at), between(line.filed_at, line.resolved_at)
        rows.append((
            line.number, line.channel, category_label(desk.intake, line.category), severity_name(line.severity), line.tier,
            stage_name(line.stage), owner_name(line.owner_id, line.owner_name), _customer(desk, line), contact, local(line.filed_at), local(line.first_response_at),
            *(local(line.entered.get(stage)) for stage in ENTERED), local(line.concluded_at),
            None if first is None else round(first, 2), None if resolution is None else round(resolution, 2),
            line.deadlines_met, line.deadlines_missed, line.reopen_count, YES if line.appealed else NO, line.repeat_of, line.stars,
            *(line.aspects.get(key) for key in ASPECTS), line.comment or None,
            PARTIES.get(line.party) if line.party else None, KINDS.get(line.kind) if line.kind else None,
            line.root_cause, line.remedy, _cost(line.cost_cents), line.improvement,
        ))
    return rows


def _counted(name: Phrase, item: Phrase, keys: list, label, now: dict, before: dict) -> Sheet:  # type: ignore[no-untyped-def,type-arg]
    return Sheet(name, (item, CURRENT, PREVIOUS), [(label(k), now.get(k, 0), before.get(k, 0)) for k in keys])


def _keys(known: list, *counts: dict) -> list:  # type: ignore[type-arg]
    present = {k for c in counts for k in c}
    return [k for k in known if k in present] + sorted(present - set(known), key=str)


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def _percent(part: float, whole: float) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def overview_rows(figures: Figures) -> list[Cell]:
    met, due = figures.deadlines_met
    s = figures.satisfaction
    times = [figures.first_response, figures.urgent_response, figures.resolution]
    return [
        figures.filed, figures.accepted, figures.concluded, figures.still_open, figures.unanswered,
        *(_round(getattr(t, name)) for t in times for name in ("average", "median", "p90")),
        met, due, _percent(met, due), s.ratings, _round(s.average), _round(None if figures.response_rate is None else 100 * figures.response_rate, 1),
        figures.reopened_cases, _round(None if figures.reopen_rate is None else 100 * figures.reopen_rate, 1), figures.appealed_cases,
        figures.repeats, _round(None if figures.repeat_rate is None else 100 * figures.repeat_rate, 1), figures.shared_references,
        figures.reopenings, figures.appeals, figures.records.completed, _cost(figures.records.cost_cents),
    ]


OVERVIEW_LABELS = (
    Phrase("report.figure.filed"), Phrase("report.figure.accepted"), Phrase("report.figure.concluded"),
    Phrase("report.figure.open"), Phrase("report.figure.unanswered"),
    Phrase("report.figure.first_response_average"), Phrase("report.figure.first_response_median"), Phrase("report.figure.first_response_p90"),
    Phrase("report.figure.urgent_average"), Phrase("report.figure.urgent_median"), Phrase("report.figure.urgent_p90"),
    Phrase("report.figure.resolution_average"), Phrase("report.figure.resolution_median"), Phrase("report.figure.resolution_p90"),
    Phrase("report.figure.deadlines_met"), Phrase("report.figure.deadlines_due"), Phrase("report.figure.deadlines_share"),
    Phrase("report.figure.ratings"), Phrase("report.figure.stars_average"), Phrase("report.figure.response_rate"),
    Phrase("report.figure.reopened_cases"), Phrase("report.figure.reopen_rate"), Phrase("report.figure.appealed_cases"),
    Phrase("report.figure.repeats"), Phrase("report.figure.repeat_rate"), Phrase("report.figure.shared_references"),
    Phrase("report.figure.reopenings"), Phrase("report.figure.appeals"), Phrase("report.figure.records"), Phrase("report.figure.cost"),
)


def figure_sheets(desk: StaffDesk, report: Comparison) -> list[Sheet]:
    now, before = report.current, report.previous
    overview = Sheet(
        Phrase("report.sheet.overview"), (ITEM, CURRENT, PREVIOUS),
        [(label, a, b) for label, a, b in zip(OVERVIEW_LABELS, overview_rows(now), overview_rows(before))],
    )
    categories = [c.key for c in desk.intake.categories]
    sheets = [
        overview,
        _counted(Phrase("report.sheet.categories"), Phrase("report.column.category"), _keys(categories, now.by_category, before.by_category),
                 lambda k: category_label(desk.intake, k), now.by_category, before.by_category),
        _counted(Phrase("report.sheet.severity"), Phrase("report.column.severity"), _keys(["general", "major", "urgent"], now.by_severity, before.by_severity),
                 severity_name, now.by_severity, before.by_severity),
        _counted(Phrase("report.sheet.stages"), Phrase("report.column.stage"), _keys([s.value for s in Stage], now.by_stage, before.by_stage),
                 stage_name, now.by_stage, before.by_stage),
        _counted(Phrase("report.sheet.tiers"), Phrase("report.column.tier"), _keys([1, 2, 3], now.by_tier, before.by_tier),
                 lambda k: k, now.by_tier, before.by_tier),
        _counted(Phrase("report.sheet.outcomes"), Phrase("report.column.outcome"), list(OUTCOME_ORDER), outcome_name, now.by_outcome, before.by_outcome),
        _counted(Phrase("report.sheet.channels"), Phrase("report.column.channel"), _keys([], now.by_channel, before.by_channel),
                 lambda k: k, now.by_channel, before.by_channel),
        Sheet(
            Phrase("report.sheet.over_time"),
            (Phrase("report.column.period_from"), Phrase("report.series.filed"), Phrase("report.series.closed"), Phrase("report.series.reopened")),
            [(b.start.astimezone(desk.calendar.zone).date().isoformat(), now.timeline["filed"][i], now.timeline["closed"][i], now.timeline["reopened"][i])
             for i, b in enumerate(now.buckets)],
        ),
        Sheet(
            Phrase("report.sheet.deadlines"),
            (Phrase("report.column.stage"), Phrase("report.column.deadlines_met"), Phrase("report.column.deadlines_missed"),
             Phrase("report.column.previous_met"), Phrase("report.column.previous_missed")),
            [(stage_name(s), *now.deadlines.get(s, (0, 0)), *before.deadlines.get(s, (0, 0))) for s in (st.value for st in STAFF_STAGES)],
        ),
        Sheet(
            Phrase("report.sheet.satisfaction"), (ITEM, CURRENT, PREVIOUS),
            [("★" * n, now.satisfaction.stars.get(n, 0), before.satisfaction.stars.get(n, 0)) for n in range(1, 6)]
            + [(label, _round(now.satisfaction.aspects[k][0]), _round(before.satisfaction.aspects[k][0])) for k, label in ASPECTS.items()],
        ),
        Sheet(
            Phrase("report.sheet.workload"), (Phrase("report.column.owner"), Phrase("report.column.cases"), Phrase("report.column.open")),
            [(owner_name(w.owner_id, w.name), w.cases, w.open) for w in now.workload],
        ),
        Sheet(
            Phrase("report.sheet.records"), (ITEM, CURRENT, PREVIOUS),
            [(label, now.records.parties.get(k, 0), before.records.parties.get(k, 0)) for k, label in PARTIES.items()]
            + [(label, now.records.kinds.get(k, 0), before.records.kinds.get(k, 0)) for k, label in KINDS.items()]
            + [(Phrase("report.figure.cost"), _cost(now.records.cost_cents), _cost(before.records.cost_cents))],
        ),
    ]
    return sheets


@dataclass(frozen=True)
class ExportData:
    """What an export is made of, as read from the database."""

    lines: list[CaseLine]
    report: Comparison | None  # the figures, for a workbook; None for a CSV


async def export_data(uow: UnitOfWork, desk: StaffDesk, request: SendReportFile) -> ExportData:
    now = uow.clock.now()
    period = Period(request.start, request.end, desk.calendar.zone.key, request.period_kind)
    lines = await ReportQueries(uow.session).case_lines(Scope(period.start, period.end, request.owner_id, now))
    report = None if request.file_format == "csv" else await compare(uow, desk, period, request.owner_id, now)
    return ExportData(lines, report)


def build_sheets(desk: StaffDesk, request: SendReportFile, data: ExportData) -> list[Sheet]:
    """The sheets of an export; the first is the cases (all a CSV holds). Plain work on
    what was read, so that a year's 100,000 rows can be built off the event loop."""
    cases = Sheet(Phrase("report.sheet.cases"), CASE_COLUMNS, case_rows(desk, data.lines, request.reveal_contacts))
    if data.report is None:
        return [cases]
    return [cases, *figure_sheets(desk, data.report)]


async def workbook(uow: UnitOfWork, desk: StaffDesk, request: SendReportFile) -> list[Sheet]:
    return build_sheets(desk, request, await export_data(uow, desk, request))
