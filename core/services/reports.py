"""/report and /export in the handler group: the desk's figures for a period.

/report answers with a short summary, every figure beside the previous period's, and the
charts (core/services/report_charts.py), which are drawn when sent. /export sends the
period's cases as a spreadsheet, one row each with a sheet per figure, and as a CSV; both
files are made when sent, from the period the row names (core/services/report_export.py).
A report for a month or a year (PDF_KINDS) also attaches the management report as a PDF,
made when sent as well (core/services/report_document.py).

Supervisors and directors see the whole desk; an agent sees the cases they own. What each
figure counts is in core/storage/report_queries.py, how durations are measured in
core/services/report_figures.py. Everything is in the group's language.
"""
from __future__ import annotations

from core.domain.staff import Role
from core.intents import Lines, Phrase, SendCharts, SendMessage, SendReportFile
from core.services import report_charts
from core.services.report_figures import Comparison, Figures, Times, compare
from core.services.report_periods import Period, parse_period
from core.services.resolution_record import format_cost
from core.services.staff_actions import Actor, refusal
from core.services.staff_desk import StaffDesk
from core.storage.uow import UnitOfWork

COMMENT_CHARS = 200
# The periods whose /report attaches the PDF: this month or year so far, a named month or year.
PDF_KINDS = ("month", "year", "calendar_month", "calendar_year")
NONE = Phrase("report.none")


def owner_scope(actor: Actor) -> int | None:
    """Whose cases the reader may see in figures: an agent's own, or (None) the desk's."""
    return None if actor.role >= Role.SUPERVISOR else actor.user.id


def scope_phrase(owner: int | None, name: str) -> Phrase:
    return Phrase("report.scope.desk") if owner is None else Phrase("report.scope.own", name=name)


def dates(period: Period) -> tuple[str, str]:
    return period.first_day.isoformat(), period.last_day.isoformat()


def hours(value: float | None) -> Phrase:
    if value is None:
        return NONE
    text = f"{value:.1f}"
    return Phrase("report.hours", value=text)


def minutes(value: float | None) -> Phrase:
    if value is None:
        return NONE
    text = f"{value:.0f}"
    return Phrase("report.minutes", value=text)


def share(part: float | None, whole: float | None = 1) -> Phrase | str:
    if part is None or not whole:
        return NONE
    return f"{100 * part / whole:.0f}%"


def _arrow(current: float | None, previous: float | None) -> str:
    """The way a figure went since the previous period (language-neutral), or nothing."""
    if current is None or previous is None:
        return ""
    return " ↑" if current > previous else " ↓" if current < previous else " ="


def _compare(current: float | None, previous: float | None, shown: object) -> Phrase:
    return Phrase("report.compare", previous=shown, arrow=_arrow(current, previous))  # type: ignore[arg-type]


def _times(line: Phrase, now: Times, before: Times, unit=hours) -> Phrase:  # type: ignore[no-untyped-def]
    """`line` names the catalog entry (a literal Phrase, so the catalog check sees it)."""
    return Phrase(
        line.code, count=now.count, median=unit(now.median), average=unit(now.average), p90=unit(now.p90),
        compare=_compare(now.median, before.median, unit(before.median)),
    )


def _met(figures: Figures) -> float | None:
    met, due = figures.deadlines_met
    return met / due if due else None


def summary_lines(report: Comparison) -> list[Phrase]:
    now, before = report.current, report.previous
    lines = [
        Phrase("report.line.filed", value=now.filed, compare=_compare(now.filed, before.filed, before.filed)),
        Phrase("report.line.accepted", value=now.accepted, compare=_compare(now.accepted, before.accepted, before.accepted)),
        Phrase("report.line.concluded", value=now.concluded, compare=_compare(now.concluded, before.concluded, before.concluded)),
        Phrase("report.line.open", value=now.still_open, compare=_compare(now.still_open, before.still_open, before.still_open)),
        _times(Phrase("report.line.first_response"), now.first_response, before.first_response),
        Phrase("report.line.unanswered", value=now.unanswered, compare=_compare(now.unanswered, before.unanswered, before.unanswered)),
        _times(Phrase("report.line.urgent"), now.urgent_response, before.urgent_response, unit=minutes),
        _times(Phrase("report.line.resolution"), now.resolution, before.resolution),
    ]
    met, due = now.deadlines_met
    lines.append(Phrase("report.line.deadlines", share=share(_met(now)), met=met, due=due, compare=_compare(_met(now), _met(before), share(_met(before)))))
    s, s_before = now.satisfaction, before.satisfaction
    average = f"{s.average:.1f}" if s.average is not None else NONE
    average_before = f"{s_before.average:.1f}" if s_before.average is not None else NONE
    lines.append(
        Phrase(
            "report.line.satisfaction", average=average, ratings=s.ratings, rate=share(now.response_rate),
            compare=_compare(s.average, s_before.average, average_before),
        )
    )
    lines.append(
        Phrase(
            "report.line.quality", reopened=now.reopened_cases, rate=share(now.reopen_rate), appeals=now.appeals,
            compare=_compare(now.reopen_rate, before.reopen_rate, share(before.reopen_rate)),
        )
    )
    lines.append(
        Phrase(
            "report.line.repeats", repeats=now.repeats, rate=share(now.repeat_rate), shared=now.shared_references,
            compare=_compare(now.repeats, before.repeats, before.repeats),
        )
    )
    lines.append(
        Phrase(
            "report.line.records", records=now.records.completed, cost=format_cost(now.records.cost_cents),
            compare=_compare(now.records.cost_cents, before.records.cost_cents, format_cost(before.records.cost_cents)),
        )
    )
    return lines


def owner_name(owner_id: int | None, name: str | None) -> Phrase | str:
    """The owner's name, their id when the bot has not met them, or "unclaimed"."""
    return name or (str(owner_id) if owner_id else Phrase("card.unclaimed"))


def summary(report: Comparison, scope: Phrase) -> Phrase:
    now = report.current
    start, end = dates(now.period)
    previous_start, previous_end = dates(report.previous.period)
    workload = Lines([Phrase("report.workload_line", name=owner_name(w.owner_id, w.name), cases=w.cases, open=w.open) for w in now.workload])
    low = Lines(
        [Phrase("report.low_rating_line", stars="★" * stars, number=number, comment=_short(comment)) for number, stars, comment in now.low_ratings]
    )
    measures = Lines([Phrase("report.improvement_line", number=number, text=_short(text)) for number, text in now.improvements])
    return Phrase(
        "report.summary",
        start=start, end=end, previous_start=previous_start, previous_end=previous_end, scope=scope,
        lines=Lines(summary_lines(report)),
        workload=Phrase("report.workload", owners=workload) if now.workload else "",
        low_ratings=Phrase("report.low_ratings", comments=low) if now.low_ratings else "",
        improvements=Phrase("report.improvements", measures=measures) if now.improvements else "",
    )


def _short(text: str) -> str:
    return text if len(text) <= COMMENT_CHARS else text[:COMMENT_CHARS].rstrip() + "…"


class Reports:
    def __init__(self, uow: UnitOfWork, desk: StaffDesk, actor: Actor, thread_id: int | None) -> None:
        self.uow = uow
        self.desk = desk
        self.actor = actor
        self.thread_id = thread_id

    def _say(self, text: Phrase) -> None:
        assert self.actor.chat_id is not None
        self.uow.emit(SendMessage(self.actor.chat_id, self.desk.locale, text, thread_id=self.thread_id))

    def _period(self, action: str, argument: str | None) -> Period | None:
        reason = refusal(self.desk, self.actor, action)
        if reason is not None:
            self._say(reason)
            return None
        period = parse_period(argument, self.uow.clock.now(), self.desk.calendar.zone.key)
        if period is None:
            self._say(Phrase("report.usage") if action == "report" else Phrase("report.usage_export"))
        return period

    async def report(self, argument: str | None) -> None:
        period = self._period("report", argument)
        if period is None:
            return
        owner = owner_scope(self.actor)
        report = await compare(self.uow, self.desk, period, owner, self.uow.clock.now())
        scope = scope_phrase(owner, self.actor.user.first_name)
        self._say(summary(report, scope))
        start, end = dates(period)
        self.uow.emit(
            SendCharts(
                self.actor.chat_id, self.desk.locale, report_charts.pages(self.desk, report),
                Phrase("report.charts_caption", start=start, end=end, scope=scope), thread_id=self.thread_id,
            )
        )
        if period.kind in PDF_KINDS:
            self.uow.emit(
                SendReportFile(
                    self.actor.chat_id, self.desk.locale, "pdf", f"kesu-report-{period.first_day:%Y%m%d}-{period.last_day:%Y%m%d}.pdf",
                    period.start, period.end, period.kind, owner, False, Phrase("report.pdf.caption", start=start, end=end, scope=scope),
                    thread_id=self.thread_id,
                )
            )

    async def export(self, argument: str | None) -> None:
        period = self._period("export", argument)
        if period is None:
            return
        owner = owner_scope(self.actor)
        scope = scope_phrase(owner, self.actor.user.first_name)
        start, end = dates(period)
        name = f"kesu-cases-{period.first_day:%Y%m%d}-{period.last_day:%Y%m%d}"
        # The file is posted in the group, where every member can open it: contacts stay
        # masked for all, as on the card; a supervisor reveals one contact at a time.
        reveal = False
        for file_format, caption in (("xlsx", Phrase("report.export_caption", start=start, end=end, scope=scope)), ("csv", Phrase("report.export_caption_csv"))):
            self.uow.emit(
                SendReportFile(
                    self.actor.chat_id, self.desk.locale, file_format, f"{name}.{file_format}", period.start, period.end, period.kind,
                    owner, reveal, caption, thread_id=self.thread_id,
                )
            )
