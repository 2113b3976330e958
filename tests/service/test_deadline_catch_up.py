"""core.services.deadlines on a real database: what a breach acted on late, a reminder past
its deadline and the overall limit write, as Phrase codes and rows."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from core.intents import decode_intent
from core.services.case_events import CaseEventHandlers
from core.services.deadlines import handle_due, schedule_stage
from core.storage.db import session_factory
from core.storage.uow import UnitOfWork
from tests.service.cases import CUSTOMER, FILED, file_case, sent
from tests.service.conftest import DIRECTOR, GROUP_ID


async def run_due(uow_factory, desk) -> list[str]:
    """One sweep of the deadline worker: every due row, one transaction each."""
    outcomes = []
    async with uow_factory() as uow:
        token, ids = await uow.deadlines.claim_due("test", uow.clock.now(), timedelta(minutes=2), 100)
        await uow.commit()
    for deadline_id in ids:
        async with uow_factory() as uow:
            outcomes.append(await handle_due(uow, desk, deadline_id, token))
            await uow.commit()
    return outcomes


async def pass_next_breach(uow_factory, clock, desk, case_id: int) -> None:
    """The clock a second past the case's next breach, and the worker's sweep."""
    async with uow_factory() as uow:
        due = min(r.due_at for r in await uow.deadlines.for_case(case_id) if r.status == "pending" and r.kind == "breach")
    clock.advance(seconds=(due - clock.now()).total_seconds() + 1)
    await run_due(uow_factory, desk)


@pytest.fixture
def clock(clock):
    clock.advance(seconds=(FILED - clock.now()).total_seconds())
    return clock


async def test_three_days_down_catches_up_in_one_step(uow_factory, clock, desk) -> None:
    case_id = await file_case(uow_factory, desk)
    clock.advance(days=3)  # Thursday 09:00: breaches fell due Monday, Tuesday and Wednesday at 10:00
    outcomes = await run_due(uow_factory, desk)
    assert sorted(outcomes) == ["breached", "reminder_dropped"]
    assert await sent(uow_factory) == [(CUSTOMER, "customer.deadline_missed"), (GROUP_ID, "deadline.escalated_after_gap")]
    async with uow_factory() as uow:
        case = await uow.cases.get(case_id)
        assert case.tier == 3
        [breach] = [r for r in await uow.deadlines.for_case(case_id) if r.status == "pending" and r.kind == "breach"]
        assert breach.breach_no == 4 and breach.due_at == desk.calendar.add(clock.now(), desk.sla.escalated_deadline)
        [missed] = [e for e in await uow.cases.events(case_id) if e.action == "deadline_missed"]
        assert missed.detail == {"stage": "received", "breach": 3, "tier": 3, "missed": 3}
    # The worker finds nothing more to do until the new time.
    assert await run_due(uow_factory, desk) == []


async def test_the_customer_hears_at_most_once_a_working_day_and_the_top_tier_each_day(uow_factory, clock, desk) -> None:
    case_id = await file_case(uow_factory, desk)
    told = []
    for _ in range(4):
        await pass_next_breach(uow_factory, clock, desk, case_id)
        told.append(sum(1 for chat, code in await sent(uow_factory) if chat == CUSTOMER))
    codes = [code for chat, code in await sent(uow_factory) if chat == GROUP_ID]
    # The reminder fell due before the first breach and is dropped with it (the clock jumped
    # straight past both); then tier 2, tier 3, and the top tier again each working day.
    assert codes == ["deadline.escalated", "deadline.escalated", "deadline.breached_top", "deadline.breached_top"]
    assert told == [1, 2, 3, 4]  # breaches a working day apart: each one told


async def test_breaches_an_hour_apart_tell_the_customer_once(engine, clock, desk) -> None:
    # A deployment whose escalated tiers get one business hour: staff hear each breach,
    # the customer only once a working day.
    sla = replace(desk.sla, escalated_deadline=desk.sla.deadline("general", "received"))
    hourly = replace(desk, sla=sla)
    sessions, handlers = session_factory(engine), CaseEventHandlers(hourly)
    uow_factory = lambda: UnitOfWork(sessions, clock, event_handlers=handlers)  # noqa: E731
    case_id = await file_case(uow_factory, hourly)
    told = []
    for _ in range(3):
        await pass_next_breach(uow_factory, clock, hourly, case_id)
        told.append(sum(1 for chat, code in await sent(uow_factory) if chat == CUSTOMER))
    # 10:00 tier 2 (told), 11:00 tier 3 (an hour later: not told), then a working day later (told).
    assert told == [1, 1, 2]
    assert [code for chat, code in await sent(uow_factory) if chat == GROUP_ID] == [
        "deadline.escalated", "deadline.escalated", "deadline.breached_top",
    ]


async def test_the_overall_limit_alerts_the_top_tier_and_tells_the_customer(uow_factory, clock, desk) -> None:
    case_id = await file_case(uow_factory, desk)
    async with uow_factory() as uow:
        [overall] = [r for r in await uow.deadlines.for_case(case_id) if r.kind == "overall"]
        assert overall.due_at == desk.sla.overall_due(desk.calendar, FILED)
        case = await uow.cases.get(case_id)
        case.stage = "investigating"  # a stage change keeps the overall row
        await schedule_stage(uow, desk, case)
        await uow.commit()
    async with uow_factory() as uow:
        assert [r.status for r in await uow.deadlines.for_case(case_id) if r.kind == "overall"] == ["pending"]
    clock.advance(seconds=(overall.due_at - clock.now()).total_seconds() + 1)
    outcomes = await run_due(uow_factory, desk)
    assert "overall_limit" in outcomes
    messages = await sent(uow_factory)
    assert (GROUP_ID, "deadline.overall_limit") in messages and (CUSTOMER, "customer.overall_limit") in messages
    async with uow_factory() as uow:
        rows = await uow.outbox.pending_for_chat(GROUP_ID, limit=1000)
    [alert] = [decode_intent(r.method, r.chat_id, r.locale, r.payload) for r in rows if "overall_limit" in str(r.payload)]
    assert [m.params["user_id"] for m in alert.text.params["staff"].items] == [DIRECTOR]


async def test_a_closed_case_drops_its_overall_row(uow_factory, clock, desk) -> None:
    case_id = await file_case(uow_factory, desk)
    async with uow_factory() as uow:
        case = await uow.cases.get(case_id)
        case.stage = "withdrawn"
        await schedule_stage(uow, desk, case)
        await uow.commit()
    async with uow_factory() as uow:
        assert {r.status for r in await uow.deadlines.for_case(case_id)} == {"cancelled"}
