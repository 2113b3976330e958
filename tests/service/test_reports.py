"""The report's figures on a real database (SQLite, and PostgreSQL when TEST_POSTGRES_URL
is set), against tests/service/report_fixture.py's cases, worked out by hand here."""
from __future__ import annotations

import pytest

from core.domain.staff import Role
from core.intents import SendCharts, SendMessage, SendReportFile, decode_intent
from core.services.report_export import workbook
from core.services.report_figures import Times, compare, compute
from core.services.report_periods import parse_period
from core.services.reports import Reports
from core.services.staff_actions import Actor
from core.storage.models import RelatedCase, User
from core.storage.related_cases import REPEAT, SHARED_REFERENCE
from tests.service.conftest import GROUP_ID
from tests.service.report_fixture import clock  # noqa: F401  (a fixture: the reports' day)
from tests.service.report_fixture import AGENT, AGENT2, OCTOBER, SEPTEMBER, SUPERVISOR, at, write

ZONE = "Asia/Shanghai"


@pytest.fixture
async def desk_rows(uow_factory):
    return await write(uow_factory, OCTOBER + SEPTEMBER)


async def october(uow_factory, desk, clock, owner=None):
    period = parse_period("2026-10", clock.now(), ZONE)
    async with uow_factory() as uow:
        return await compare(uow, desk, period, owner, clock.now())


def close(times: Times, count: int, average: float, median: float, p90: float) -> bool:
    return (times.count, times.average, times.median, times.p90) == pytest.approx((count, average, median, p90))


async def test_counts_of_the_periods_cases(uow_factory, desk, clock, desk_rows) -> None:
    report = await october(uow_factory, desk, clock)
    figures = report.current
    assert figures.filed == 5
    assert figures.by_category == {"product_quality": 2, "other": 2, "after_sales": 1}
    assert figures.by_severity == {"general": 3, "urgent": 1, "major": 1}
    assert figures.by_stage == {"closed": 1, "investigating": 2, "withdrawn": 1, "terminated": 1}
    assert figures.by_tier == {1: 3, 2: 2}
    assert figures.by_outcome == {"closed": 1, "withdrawn": 1, "terminated": 1, "open": 2}
    assert figures.by_channel == {"telegram": 5}
    assert figures.still_open == 2
    # Quality: B was reopened, C appealed.
    assert (figures.reopened_cases, figures.appealed_cases, figures.reopen_rate) == (1, 1, pytest.approx(0.2))
    assert (figures.reopenings, figures.appeals) == (1, 1)
    # Workload of the period's cases, the unowned together.
    assert [(w.owner_id, w.name, w.cases, w.open) for w in figures.workload] == [
        (None, None, 2, 0), (AGENT, "Ann", 1, 0), (AGENT2, "Bo", 1, 1), (SUPERVISOR, "Sun", 1, 1),
    ]


async def test_over_time_per_week(uow_factory, desk, clock, desk_rows) -> None:
    figures = (await october(uow_factory, desk, clock)).current
    # Weeks from Monday, the first and the last clipped to October.
    assert [b.label for b in figures.buckets] == ["10-01", "10-05", "10-12", "10-19", "10-26"]
    assert figures.buckets[0].start == at("2026-10-01 00:00") and figures.buckets[-1].end == at("2026-11-01 00:00")
    assert figures.timeline == {
        "filed": [1, 1, 1, 1, 1],  # C, A, B, E, D
        "closed": [0, 1, 0, 2, 1],  # C rejected (9th), A closed and E terminated (20th, 21st), D withdrawn (27th)
        "reopened": [0, 0, 0, 1, 0],  # B (20th)
    }
    assert (figures.accepted, figures.concluded) == (2, 4)


async def test_times_in_business_hours(uow_factory, desk, clock, desk_rows) -> None:
    figures = (await october(uow_factory, desk, clock)).current
    # First responses: A Fri 17:00 -> Sat 10:00 (a worked Saturday): 1 + 1 h; B Fri 17:00 ->
    # 17:30: 0.5 h; C filed on a holiday, answered at 9:30 on the first working day: 0.5 h;
    # E Tue 9:00 -> Wed 9:00: 9 h. D has none yet.
    # Sorted 0.5, 0.5, 2, 9: average 3, median 1.25, p90 at 2.7 of 3 steps: 2 + 0.7 * 7.
    assert close(figures.first_response, 4, 3.0, 1.25, 6.9)
    assert figures.unanswered == 1
    # The urgent one, B, in clock minutes.
    assert close(figures.urgent_response, 1, 30.0, 30.0, 30.0)
    # Resolutions accepted in October: A Fri 17:00 -> Mon 11:00 across the worked Saturday:
    # 1 + 9 + 2 = 12 h; B Fri 17:00 -> Tue 9:00 across a weekend: 1 + 9 = 10 h.
    assert close(figures.resolution, 2, 11.0, 11.0, 11.8)


async def test_deadlines_met_per_stage(uow_factory, desk, clock, desk_rows) -> None:
    figures = (await october(uow_factory, desk, clock)).current
    # Received: C met (left before it; its replanned row does not count); A and E acted
    # on (done), B left after it, D past due and pending: missed. Accepted: A met. B's
    # investigating deadline falls in November; A's second breach is not a stage's own.
    assert figures.deadlines == {"received": (1, 4), "accepted": (1, 0)}
    assert figures.deadlines_met == (2, 6)


async def test_satisfaction_and_records(uow_factory, desk, clock, desk_rows) -> None:
    figures = (await october(uow_factory, desk, clock)).current
    s = figures.satisfaction
    assert (s.ratings, s.average, s.stars) == (2, pytest.approx(3.5), {5: 1, 2: 1})
    assert s.aspects == {"quality": (5.0, 1), "speed": (3.0, 2), "attitude": (None, 0), "price": (None, 0)}
    assert figures.response_rate == pytest.approx(1.0)  # 2 ratings for 2 acceptances
    assert figures.low_ratings == [("KS-B", 2, "Too slow")]
    r = figures.records
    assert (r.completed, r.parties, r.kinds, r.cost_cents) == (1, {"employee": 1}, {"direct": 1}, 10000)
    assert figures.improvements == [("KS-A", "Train staff")]


async def test_the_previous_period_is_september(uow_factory, desk, clock, desk_rows) -> None:
    previous = (await october(uow_factory, desk, clock)).previous
    assert (previous.period.start, previous.period.end) == (at("2026-09-01 00:00"), at("2026-10-01 00:00"))
    assert previous.filed == 2
    # F: Wed 17:00 before National Day -> 9:30 on 8 October: 1 + 0.5 h. G: Saturday 20:00 ->
    # 10:00 on the Sunday that is worked: 1 h.
    assert close(previous.first_response, 2, 1.25, 1.25, 1.45)
    assert previous.deadlines == {"received": (0, 1)}  # F's claim came after its deadline
    assert previous.satisfaction.ratings == 0 and previous.response_rate is None
    assert previous.timeline["filed"] == [0, 0, 1, 0, 1]  # G in the week of 14 Sep, F in that of 28 Sep


async def test_an_agent_sees_only_the_cases_they_own(uow_factory, desk, clock, desk_rows) -> None:
    report = await october(uow_factory, desk, clock, owner=AGENT)
    figures = report.current
    assert figures.filed == 1 and figures.by_category == {"product_quality": 1}
    assert close(figures.first_response, 1, 2.0, 2.0, 2.0)
    assert close(figures.resolution, 1, 12.0, 12.0, 12.0)
    assert figures.deadlines == {"received": (0, 1), "accepted": (1, 0)}
    assert (figures.satisfaction.ratings, figures.low_ratings) == (1, [])
    assert figures.timeline["closed"] == [0, 0, 0, 1, 0]
    assert [w.owner_id for w in figures.workload] == [AGENT]
    assert report.previous.filed == 2  # F and G are Ann's


async def test_an_empty_period_has_no_figures(uow_factory, desk, clock, desk_rows) -> None:
    period = parse_period("2026-01", clock.now(), ZONE)
    async with uow_factory() as uow:
        figures = await compute(uow, desk, period, None, clock.now())
    assert figures.filed == 0 and figures.first_response == Times() and figures.deadlines == {}
    assert figures.satisfaction.average is None and figures.reopen_rate is None and figures.records.cost_cents == 0


# --- /report and /export as the service answers them ---------------------------------------


def actor(user_id: int, role: Role, member: bool = True) -> Actor:
    name = {AGENT: "Ann", SUPERVISOR: "Sun"}.get(user_id, "X")
    user = User(id=user_id, first_name=name, language_code="en", locale="en", locale_chosen=False)
    return Actor(user=user, role=role, is_member=member, chat_id=GROUP_ID)


async def ask(uow_factory, desk, who: Actor, command: str, argument: str | None, thread_id: int | None = None) -> list:
    """What the command recorded for the group (the rows of earlier commands left out)."""
    async with uow_factory() as uow:
        before = {r.id for r in await uow.outbox.pending_for_chat(GROUP_ID, limit=100)}
        await getattr(Reports(uow, desk, who, thread_id), command)(argument)
        await uow.commit()
        rows = [r for r in await uow.outbox.pending_for_chat(GROUP_ID, limit=100) if r.id not in before]
    return [decode_intent(r.method, r.chat_id, r.locale, r.payload) for r in rows]


async def test_a_supervisor_gets_the_desks_summary_and_charts_in_the_groups_locale(uow_factory, desk, clock, desk_rows) -> None:
    summary, charts, _pdf = await ask(uow_factory, desk, actor(SUPERVISOR, Role.SUPERVISOR), "report", "2026-10", thread_id=5)
    assert isinstance(summary, SendMessage) and isinstance(charts, SendCharts)
    assert summary.locale == charts.locale == desk.locale == "zh_Hans" and summary.thread_id == charts.thread_id == 5
    p = summary.text.params
    assert summary.text.code == "report.summary" and p["scope"].code == "report.scope.desk"
    assert (p["start"], p["end"], p["previous_start"], p["previous_end"]) == ("2026-10-01", "2026-10-31", "2026-09-01", "2026-09-30")
    lines = {line.code: line.params for line in p["lines"].items}
    assert lines["report.line.filed"]["value"] == 5 and lines["report.line.filed"]["compare"].params == {"previous": 2, "arrow": " ↑"}
    first = lines["report.line.first_response"]
    assert (first["count"], first["median"].params["value"], first["p90"].params["value"]) == (4, "1.2", "6.9")
    assert lines["report.line.deadlines"]["share"] == "33%" and (lines["report.line.deadlines"]["met"], lines["report.line.deadlines"]["due"]) == (2, 6)
    assert lines["report.line.satisfaction"]["average"] == "3.5" and lines["report.line.satisfaction"]["rate"] == "100%"
    assert lines["report.line.records"]["cost"] == "100.00"
    [low] = p["low_ratings"].params["comments"].items
    assert low.params == {"stars": "★★", "number": "KS-B", "comment": "Too slow"}
    assert len(charts.pages) == 4 and charts.caption.params["scope"].code == "report.scope.desk"
    over_time = charts.pages[0][0]
    assert over_time.categories == ("10-01", "10-05", "10-12", "10-19", "10-26") and over_time.series[0].values == (1, 1, 1, 1, 1)


async def test_an_agent_gets_their_own_cases_only(uow_factory, desk, clock, desk_rows) -> None:
    summary, charts, pdf = await ask(uow_factory, desk, actor(AGENT, Role.AGENT), "report", "2026-10")
    assert isinstance(pdf, SendReportFile) and (pdf.file_format, pdf.owner_id) == ("pdf", AGENT)
    assert summary.text.params["scope"] == charts.caption.params["scope"]
    assert summary.text.params["scope"].code == "report.scope.own" and summary.text.params["scope"].params == {"name": "Ann"}
    lines = {line.code: line.params for line in summary.text.params["lines"].items}
    assert lines["report.line.filed"]["value"] == 1


async def test_words_that_name_no_period_get_the_usage_and_outsiders_a_refusal(uow_factory, desk, clock, desk_rows) -> None:
    [usage] = await ask(uow_factory, desk, actor(SUPERVISOR, Role.SUPERVISOR), "report", "fortnight")
    assert usage.text.code == "report.usage" and usage.locale == "zh_Hans"
    assert [m.text.code for m in await ask(uow_factory, desk, actor(SUPERVISOR, Role.SUPERVISOR), "export", "2026-13")] == ["report.usage_export"]
    assert [m.text.code for m in await ask(uow_factory, desk, actor(99, Role.NONE), "report", None)] == ["staff.refused.no_role"]
    assert [m.text.code for m in await ask(uow_factory, desk, actor(AGENT, Role.AGENT, member=False), "export", None)] == ["staff.refused.not_member"]


async def test_export_names_its_period_and_who_may_read_contacts(uow_factory, desk, clock, desk_rows) -> None:
    xlsx, csv_file = await ask(uow_factory, desk, actor(SUPERVISOR, Role.SUPERVISOR), "export", "2026-10")
    assert isinstance(xlsx, SendReportFile) and (xlsx.file_format, csv_file.file_format) == ("xlsx", "csv")
    assert xlsx.file_name == "kesu-cases-20261001-20261031.xlsx" and (xlsx.start, xlsx.end) == (at("2026-10-01 00:00"), at("2026-11-01 00:00"))
    assert (xlsx.owner_id, xlsx.reveal_contacts, xlsx.period_kind) == (None, False, "calendar_month")
    agents = await ask(uow_factory, desk, actor(AGENT, Role.AGENT), "export", "2026-10")
    assert [(m.owner_id, m.reveal_contacts) for m in agents] == [(AGENT, False)] * 2


async def test_the_workbook_has_a_row_per_case_and_a_sheet_per_figure(uow_factory, desk, clock, desk_rows) -> None:
    [xlsx, _] = await ask(uow_factory, desk, actor(SUPERVISOR, Role.SUPERVISOR), "export", "2026-10")
    async with uow_factory() as uow:
        sheets = await workbook(uow, desk, xlsx)
    cases = sheets[0]
    columns = [c.code.removeprefix("report.column.") for c in cases.columns]
    rows = [dict(zip(columns, row)) for row in cases.rows]
    assert [r["number"] for r in rows] == ["KS-A", "KS-B", "KS-C", "KS-D", "KS-E"]
    a = rows[0]
    local = lambda text: at(text).replace(tzinfo=None)  # noqa: E731
    assert (a["filed_at"], a["first_response_at"], a["accepted_at"], a["proposed_at"], a["resolved_at"], a["follow_up_at"], a["concluded_at"]) == (
        local("2026-10-09 17:00"), local("2026-10-10 10:00"), local("2026-10-10 10:00"), local("2026-10-12 09:30"),
        local("2026-10-12 11:00"), local("2026-10-12 12:00"), local("2026-10-20 10:00"),
    )
    assert (a["first_response_hours"], a["resolution_hours"], a["deadlines_met"], a["deadlines_missed"]) == (2.0, 12.0, 1, 1)
    assert (a["stars"], a["cost"], a["improvement"], a["contact"]) == (5, 100.0, "Train staff", "+86 138••••8000")  # masked: posted in the group
    assert a["owner"] == "Ann" and a["customer"] == "Li" and a["appealed"].code == "report.no"
    b, c, d, e = rows[1:]
    assert (b["reopened"], b["comment"], b["concluded_at"], c["appealed"].code, d["first_response_at"], d["owner"].code) == (
        1, "Too slow", None, "report.yes", None, "card.unclaimed",
    )
    # The forgotten customer stays a pseudonym, without a contact.
    assert e["customer"].startswith("#") and e["contact"] is None
    assert [s.name.code.removeprefix("report.sheet.") for s in sheets] == [
        "cases", "overview", "categories", "severity", "stages", "tiers", "outcomes", "channels", "over_time", "deadlines",
        "satisfaction", "workload", "records",
    ]
    overview = {label.code.removeprefix("report.figure."): (now, before) for label, now, before in sheets[1].rows}
    assert overview["filed"] == (5, 2) and overview["first_response_median"] == (1.25, 1.25) and overview["deadlines_share"] == (33.3, 0.0)
    assert overview["cost"] == (100.0, 0.0)


async def test_an_agents_export_masks_contacts_and_holds_their_cases_only(uow_factory, desk, clock, desk_rows) -> None:
    xlsx, csv_file = await ask(uow_factory, desk, actor(AGENT, Role.AGENT), "export", "2026-10")
    async with uow_factory() as uow:
        [cases] = await workbook(uow, desk, csv_file)
        sheets = await workbook(uow, desk, xlsx)
    assert [row[0] for row in cases.rows] == ["KS-A"] and cases.rows[0][8] == "+86 138••••8000"
    assert len(sheets) == 13 and sheets[0].rows == cases.rows


async def link(uow_factory, case_id: int, related_id: int, kind: str) -> None:
    async with uow_factory() as uow:
        await uow.related.add(
            RelatedCase(case_id=case_id, related_id=related_id, kind=kind, reason="reference", likeness=1.0, reference_key="order", created_at=at("2026-10-16 17:00"))
        )
        await uow.commit()


async def test_a_repeat_complaint_is_in_the_quality_chart_the_export_and_its_overview(uow_factory, desk, clock, desk_rows) -> None:
    # KS-B (16 October) repeats KS-A (9 October); KS-D's reference was given by another customer too.
    await link(uow_factory, desk_rows["KS-B"], desk_rows["KS-A"], REPEAT)
    await link(uow_factory, desk_rows["KS-D"], desk_rows["KS-E"], SHARED_REFERENCE)
    _summary, charts, _pdf = await ask(uow_factory, desk, actor(SUPERVISOR, Role.SUPERVISOR), "report", "2026-10")
    quality = charts.pages[1][2]
    assert quality.title.code == "report.chart.quality"
    assert [c.code for c in quality.categories] == ["report.figure.reopened_cases", "report.figure.appealed_cases", "report.figure.repeats"]
    # October: KS-B reopened, KS-C appealed, KS-B a repeat; September: none of them.
    assert [s.values for s in quality.series] == [(1, 1, 1), (0, 0, 0)]
    [xlsx, _] = await ask(uow_factory, desk, actor(SUPERVISOR, Role.SUPERVISOR), "export", "2026-10")
    async with uow_factory() as uow:
        sheets = await workbook(uow, desk, xlsx)
    columns = [c.code.removeprefix("report.column.") for c in sheets[0].columns]
    repeats = {row[0]: dict(zip(columns, row))["repeat_of"] for row in sheets[0].rows}
    assert repeats == {"KS-A": None, "KS-B": "KS-A", "KS-C": None, "KS-D": None, "KS-E": None}
    overview = {label.code.removeprefix("report.figure."): (now, before) for label, now, before in sheets[1].rows}
    assert (overview["repeats"], overview["repeat_rate"], overview["shared_references"]) == ((1, 0), (20.0, 0.0), (1, 0))
