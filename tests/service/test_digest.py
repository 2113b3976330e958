"""The weekly digest on a real database (SQLite, and PostgreSQL when TEST_POSTGRES_URL is
set): planned as one row, posted once to the group with its chart, the next week planned in
the same commit, one digest after a gap of weeks, and replanned when the settings change."""
from __future__ import annotations

from datetime import timedelta

import pytest

from core.domain.digest_schedule import ReportsConfig
from core.intents import SendCharts, SendMessage, decode_intent
from core.services import digest
from core.storage.digest_repository import DigestRepository
from tests.service.conftest import GROUP_ID
from tests.service.report_fixture import Filed, at, write

MONDAY_NINE = ReportsConfig(digest=True, digest_weekday="monday", digest_time="09:00")
LEASE = timedelta(minutes=2)


@pytest.fixture
def clock(clock):
    # Wednesday 25 November 2026, 17:00 in Shanghai.
    assert clock.now() == at("2026-11-25 17:00")
    return clock


def move_to(clock, text: str) -> None:
    clock.advance(seconds=(at(text) - clock.now()).total_seconds())


async def rows(uow_factory) -> list[tuple[str, str, str | None]]:
    """(due, status, covered until) of every digest row, local times."""
    async with uow_factory() as uow:
        found = await DigestRepository(uow.session).all()
    local = lambda moment: moment.astimezone(at("2026-01-01 00:00").tzinfo).strftime("%Y-%m-%d %H:%M") if moment else None  # noqa: E731
    return [(local(r.due_at), r.status, local(r.covered_until)) for r in found]


async def plan(uow_factory, desk, config=MONDAY_NINE) -> None:
    async with uow_factory() as uow:
        await digest.plan(uow, desk, config)
        await uow.commit()


async def sweep(uow_factory, desk, clock, config=MONDAY_NINE, worker: str = "w1") -> list[str]:
    """What the worker does once: claim the due rows, handle each in its own commit."""
    async with uow_factory() as uow:
        token, ids = await DigestRepository(uow.session).claim_due(worker, clock.now(), LEASE)
        await uow.commit()
    outcomes = []
    for digest_id in ids:
        async with uow_factory() as uow:
            outcomes.append(await digest.handle_due(uow, desk, config, digest_id, token))
            await uow.commit()
    return outcomes


async def group_intents(uow_factory) -> list:
    async with uow_factory() as uow:
        found = await uow.outbox.pending_for_chat(GROUP_ID, limit=100)
    return [decode_intent(r.method, r.chat_id, r.locale, r.payload) for r in found]


async def test_planning_leaves_one_row_for_the_coming_slot(uow_factory, desk, clock) -> None:
    await plan(uow_factory, desk)
    await plan(uow_factory, desk)  # a restart plans nothing more
    assert await rows(uow_factory) == [("2026-11-30 09:00", "pending", None)]
    # Another weekday and time: the old row is cancelled, the new slot planned.
    await plan(uow_factory, desk, ReportsConfig(digest=True, digest_weekday="friday", digest_time="17:30"))
    assert await rows(uow_factory) == [("2026-11-27 17:30", "pending", None), ("2026-11-30 09:00", "cancelled", None)]
    # Changed back: the Monday row is pending again (a slot has one row).
    await plan(uow_factory, desk)
    assert await rows(uow_factory) == [("2026-11-27 17:30", "cancelled", None), ("2026-11-30 09:00", "pending", None)]
    # Turned off: nothing stays pending, and nothing is ever sent.
    await plan(uow_factory, desk, ReportsConfig(digest=False))
    assert [status for _due, status, _ in await rows(uow_factory)] == ["cancelled", "cancelled"]
    move_to(clock, "2026-12-10 09:00")
    assert await sweep(uow_factory, desk, clock, ReportsConfig(digest=False)) == [] and await group_intents(uow_factory) == []


WEEK = [
    # The seven days up to Monday 30 November 09:00: two filed, one of them concluded.
    Filed("KS-W1", "2026-11-24 10:00", stage="withdrawn", events=[("2026-11-25 10:00", "customer:501", "withdrawn")]),
    Filed("KS-W2", "2026-11-30 08:59"),
    # The seven before them: one filed.
    Filed("KS-V1", "2026-11-18 11:00"),
    # After the slot: not in this digest.
    Filed("KS-X1", "2026-11-30 09:00"),
]


async def test_a_due_digest_is_posted_once_and_the_next_week_planned_in_the_same_commit(uow_factory, desk, clock) -> None:
    await write(uow_factory, WEEK)
    await plan(uow_factory, desk)
    move_to(clock, "2026-11-30 08:59")
    assert await sweep(uow_factory, desk, clock) == []  # not due yet
    move_to(clock, "2026-11-30 09:00")
    assert await sweep(uow_factory, desk, clock) == ["posted"]
    assert await rows(uow_factory) == [("2026-11-30 09:00", "done", "2026-11-30 09:00"), ("2026-12-07 09:00", "pending", None)]
    message, charts = await group_intents(uow_factory)
    assert isinstance(message, SendMessage) and isinstance(charts, SendCharts)
    assert message.locale == charts.locale == "zh_Hans" and message.thread_id is None
    p = message.text.params
    assert message.text.code == "digest.summary" and (p["start"], p["end"]) == (at("2026-11-23 09:00"), at("2026-11-30 09:00"))
    lines = {line.code: line.params for line in p["lines"].items}
    assert list(lines) == list(digest.DIGEST_LINES)
    assert lines["report.line.filed"]["value"] == 2 and lines["report.line.filed"]["compare"].params == {"previous": 1, "arrow": " ↑"}
    assert lines["report.line.concluded"]["value"] == 1
    [[chart]] = charts.pages
    assert chart.title.code == "digest.chart" and [s.values for s in chart.series] == [(2, 1, 0, 2), (1, 0, 0, 1)]
    # Swept again, by this worker or another: nothing more.
    move_to(clock, "2026-12-01 09:00")
    assert await sweep(uow_factory, desk, clock) == [] and await sweep(uow_factory, desk, clock, worker="w2") == []
    assert len(await group_intents(uow_factory)) == 2


async def test_a_row_claimed_by_another_worker_is_not_posted_twice(uow_factory, desk, clock) -> None:
    await plan(uow_factory, desk)
    move_to(clock, "2026-11-30 09:05")
    async with uow_factory() as uow:
        first, ids = await DigestRepository(uow.session).claim_due("w1", clock.now(), LEASE)
        await uow.commit()
    async with uow_factory() as uow:
        _second, none = await DigestRepository(uow.session).claim_due("w2", clock.now(), LEASE)
        await uow.commit()
    assert len(ids) == 1 and list(none) == []
    # The lease ran out: w2 takes it over and posts it; w1's late attempt is skipped.
    clock.advance(minutes=3)
    assert await sweep(uow_factory, desk, clock, worker="w2") == ["posted"]
    async with uow_factory() as uow:
        assert await digest.handle_due(uow, desk, MONDAY_NINE, ids[0], first) == "skipped"
        await uow.commit()
    assert [type(i).__name__ for i in await group_intents(uow_factory)] == ["SendMessage", "SendCharts"]


async def test_after_a_gap_of_weeks_one_digest_covers_the_latest_week(uow_factory, desk, clock) -> None:
    await write(uow_factory, WEEK + [Filed("KS-Z1", "2026-12-23 10:00"), Filed("KS-Z2", "2026-12-25 10:00")])
    await plan(uow_factory, desk)
    # The bot was down from before 30 November until Wednesday 30 December.
    move_to(clock, "2026-12-30 11:00")
    assert await sweep(uow_factory, desk, clock) == ["posted_late"]
    assert await sweep(uow_factory, desk, clock) == []
    assert await rows(uow_factory) == [("2026-11-30 09:00", "done", "2026-12-28 09:00"), ("2027-01-04 09:00", "pending", None)]
    [message, _chart] = await group_intents(uow_factory)
    p = message.text.params
    assert (p["start"], p["end"]) == (at("2026-12-21 09:00"), at("2026-12-28 09:00"))
    assert {line.code: line.params for line in p["lines"].items}["report.line.filed"]["value"] == 2
    # The next week's comes on time, once.
    move_to(clock, "2027-01-04 09:00")
    assert await sweep(uow_factory, desk, clock) == ["posted"]
    assert len(await group_intents(uow_factory)) == 4


async def test_without_a_handler_group_the_schedule_goes_on_silently(uow_factory, desk, clock) -> None:
    from dataclasses import replace

    alone = replace(desk, chat_id=None)
    await plan(uow_factory, alone)
    move_to(clock, "2026-11-30 09:00")
    assert await sweep(uow_factory, alone, clock) == ["no_group"]
    assert await rows(uow_factory) == [("2026-11-30 09:00", "done", "2026-11-30 09:00"), ("2026-12-07 09:00", "pending", None)]
    assert await group_intents(uow_factory) == []
