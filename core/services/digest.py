"""The weekly digest, posted to the handler group by itself ([reports] digest = true).

It is planned as a row with a due time (core/storage/digest_repository.py), claimed by the
deadline worker with a lease, and handled in one transaction: the digest's messages go to
the outbox, the row is marked done and the next week's row is planned, all in that one
commit, so a restart neither loses a digest nor sends one twice. After downtime one digest
is posted, for the seven days up to the latest slot that passed, and the next is planned
for the first slot after now: missed weeks are not replayed.

The digest is a few lines of /report's summary for the seven days up to its slot, beside
the seven before them, and one chart, in the group's language. Like /report it shows the
whole desk.
"""
from __future__ import annotations

from datetime import timedelta

from core.domain.digest_schedule import DIGEST_DAYS, ReportsConfig, is_slot, latest_slot, next_slot
from core.intents import Chart, ChartSeries, Lines, Phrase, SendCharts, SendMessage
from core.services.report_figures import Comparison, compare
from core.services.report_periods import Period
from core.services.reports import summary_lines
from core.services.staff_desk import StaffDesk
from core.storage.digest_repository import DigestRepository
from core.storage.uow import UnitOfWork

# The lines of /report's summary a digest keeps, in this order.
DIGEST_LINES = (
    "report.line.filed", "report.line.concluded", "report.line.open", "report.line.first_response",
    "report.line.deadlines", "report.line.satisfaction", "report.line.quality",
)


async def plan(uow: UnitOfWork, desk: StaffDesk, config: ReportsConfig) -> None:
    """Leaves exactly the configured next digest pending (none when digests are off): rows
    planned under another weekday or time are cancelled and the right one planned."""
    digests = DigestRepository(uow.session)
    now, zone = uow.clock.now(), desk.calendar.zone
    kept = False
    for row in await digests.pending():
        if config.digest and not kept and is_slot(config, zone, row.due_at):
            kept = True
            continue
        row.status, row.done_at = "cancelled", now
    if config.digest and not kept:
        await digests.plan(next_slot(config, zone, now))


async def handle_due(uow: UnitOfWork, desk: StaffDesk, config: ReportsConfig, digest_id: int, claim: str) -> str:
    """Acts on one claimed digest row; returns what happened (for the log)."""
    digests = DigestRepository(uow.session)
    row = await digests.get(digest_id)
    if row is None or row.status != "pending" or row.claimed_by != claim:
        return "skipped"  # another worker finished it after our lease ran out
    now, zone = uow.clock.now(), desk.calendar.zone
    row.done_at = now
    if not config.digest or not is_slot(config, zone, row.due_at):
        row.status = "cancelled"
        await plan(uow, desk, config)
        return "stale"
    # After a gap, the latest slot that passed: one digest, for the last seven days of it.
    until = latest_slot(config, zone, now)
    row.status, row.covered_until = "done", until
    await digests.plan(next_slot(config, zone, now))
    if desk.chat_id is None:
        return "no_group"
    period = Period(until - timedelta(days=DIGEST_DAYS), until, zone.key)
    report = await compare(uow, desk, period, None, now)
    emit_digest(uow, desk, report)
    return "posted" if until == row.due_at else "posted_late"


def digest_message(report: Comparison) -> Phrase:
    period = report.current.period
    lines = {line.code: line for line in summary_lines(report)}
    return Phrase("digest.summary", start=period.start, end=period.end, lines=Lines([lines[code] for code in DIGEST_LINES]))


def digest_chart(report: Comparison) -> Chart:
    """This week's filings, conclusions and reopenings beside the week before's."""
    now, before = report.current, report.previous
    return Chart(
        Phrase("digest.chart"),
        (Phrase("report.series.filed"), Phrase("report.series.closed"), Phrase("report.series.reopened"), Phrase("digest.unanswered")),
        (
            ChartSeries(Phrase("digest.series.this_week"), (now.filed, now.concluded, now.reopenings, now.unanswered)),
            ChartSeries(Phrase("digest.series.week_before"), (before.filed, before.concluded, before.reopenings, before.unanswered)),
        ),
        Phrase("report.axis.cases"), empty=Phrase("report.chart.empty"),
    )


def emit_digest(uow: UnitOfWork, desk: StaffDesk, report: Comparison) -> None:
    assert desk.chat_id is not None
    uow.emit(SendMessage(desk.chat_id, desk.locale, digest_message(report)))
    uow.emit(SendCharts(desk.chat_id, desk.locale, ((digest_chart(report),),), Phrase("digest.chart_caption")))
