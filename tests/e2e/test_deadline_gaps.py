"""Deadlines after the bot was down: it comes back 30 minutes, 3 days or 3 weeks later.

Each case with overdue rows is caught up in one step: its customer hears once, with a
new time in the future; its thread hears once, naming the tier the case has reached; the
next breach is planned from now, and a restart afterwards sends nothing again.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.e2e.harness import wait_outbox_settled
from tests.e2e.staffed import Staffed, case_row, filed_case, query_dicts
from tests.e2e.test_lifecycle import press_in_group

# Monday 30 November 2026, 09:00 in Shanghai: a working day with working days after it.
MONDAY_MORNING = datetime(2026, 11, 30, 1, 0, tzinfo=timezone.utc)
LATE = {
    "en": "taking longer than we promised",
    "zh_Hans": "处理时间超出了我们的承诺",
    "zh_Hant": "處理時間超出了我們的承諾",
}
LANGUAGES = {"en": "en", "zh-cn": "zh_Hans", "zh-hk": "zh_Hant"}


def set_clock(clock_file: Path, moment: datetime) -> None:
    clock_file.write_text(str((moment - datetime.now(timezone.utc)).total_seconds()))


def bot_now(clock_file: Path) -> datetime:
    return datetime.now(timezone.utc) + timedelta(seconds=float(clock_file.read_text()))


def stored(moment: str) -> datetime:
    return datetime.fromisoformat(moment).replace(tzinfo=timezone.utc)


def pending(desk: Staffed, case_id: int) -> list[dict]:
    return query_dicts(desk, "SELECT * FROM deadlines WHERE case_id = ? AND status = 'pending' ORDER BY due_at", case_id)


def events(desk: Staffed, case_id: int, action: str) -> list[dict]:
    return query_dicts(desk, "SELECT * FROM case_events WHERE case_id = ? AND action = ? ORDER BY id", case_id, action)


# (gap, severity, card button, breaches that fall due in it, the tier they lead to)
GAPS = [
    pytest.param(timedelta(minutes=30), "urgent", "紧急", 2, 3, id="30 minutes, urgent"),
    pytest.param(timedelta(days=3), "general", None, 3, 3, id="3 days, general"),
    pytest.param(timedelta(weeks=3), "major", "重大", 15, 3, id="3 weeks, major"),
]


@pytest.mark.parametrize("gap, severity, button, missed, tier", GAPS)
async def test_after_a_gap_each_case_is_caught_up_once_from_now(timed, gap, severity, button, missed, tier) -> None:
    desk, clock_file = timed
    server = desk.server
    set_clock(clock_file, MONDAY_MORNING)
    filed = []
    for language_code in LANGUAGES:
        customer, talk, number, card = await filed_case(desk, language_code)
        if button:
            await press_in_group(desk, desk.agent, card, button)
        filed.append((customer, talk, number, case_row(desk, number)))
    for *_, case in filed:
        assert case["severity"] == severity
    await wait_outbox_settled(desk.database_url)

    # The bot is down while the whole gap passes, then comes back.
    await desk.bot.stop_async()
    seen = {customer.chat_id: len(server.bot_messages(customer.chat_id)) for customer, *_ in filed}
    group_seen = len(desk.group_messages())
    set_clock(clock_file, bot_now(clock_file) + gap)
    desk.bot.start()

    def caught_up() -> bool:
        return all(not any(stored(r["due_at"]) <= bot_now(clock_file) for r in pending(desk, case["id"])) for *_, case in filed)

    await server.wait_for(caught_up, timeout=60, description="every overdue row handled")
    await wait_outbox_settled(desk.database_url)
    for customer, talk, number, case in filed:
        locale = LANGUAGES[customer.language_code]
        news = server.bot_messages(customer.chat_id)[seen[customer.chat_id]:]
        # One update, in the customer's own script.
        assert len(news) == 1 and LATE[locale] in news[0]["text"], [m["text"][:60] for m in news]
        [notice] = events(desk, case["id"], "late_notice")[-1:]
        promised = datetime.fromisoformat(notice["detail"].split('"promised": "')[1].split('"')[0])
        assert promised > stored(notice["at"]), "the new time lies in the future"
        row = case_row(desk, number)
        assert row["tier"] == tier
        [missed_event] = events(desk, case["id"], "deadline_missed")
        assert f'"breach": {missed}' in missed_event["detail"]
        # The next breach is planned from now, not from the missed ones.
        [next_breach] = [r for r in pending(desk, case["id"]) if r["kind"] == "breach"]
        assert stored(next_breach["due_at"]) > stored(missed_event["at"])
        assert next_breach["breach_no"] == missed + 1
        # The thread heard once, and the tier it names was called in.
        thread = [m for m in desk.group_messages()[group_seen:] if number in (m.get("text") or "") and m.get("message_thread_id") == row["thread_id"]]
        alerts = [m for m in thread if m["text"].startswith("🚨")]
        assert len(alerts) == 1, [m["text"][:60] for m in thread]
        assert f"@{desk.director.id}" in alerts[0]["text"]
        assert not any(m["text"].startswith("⏰") for m in thread), "a reminder whose deadline passed too is dropped"

    # A restart right after the catch-up sends nothing again.
    await desk.bot.stop_async()
    counts = {customer.chat_id: len(server.bot_messages(customer.chat_id)) for customer, *_ in filed}
    group_count = len(desk.group_messages())
    desk.bot.start()
    customer, talk, *_ = filed[0]
    talk.cursor = counts[customer.chat_id]  # what came before the restart was read
    [status] = await talk.send("/status", timeout=30)
    assert "KS-" in status["text"]
    await wait_outbox_settled(desk.database_url)
    assert len(server.bot_messages(customer.chat_id)) == counts[customer.chat_id] + 1
    for other, *_ in filed[1:]:
        assert len(server.bot_messages(other.chat_id)) == counts[other.chat_id]
    assert len(desk.group_messages()) == group_count


async def test_a_late_case_left_alone_tells_its_customer_once_a_working_day(timed) -> None:
    """Without a gap: an unclaimed case breaches at 10:00 Monday (tier 2) and 10:00 Tuesday
    (tier 3), then once a working day; the customer hears once a working day, each time
    with a time at which they will hear again."""
    desk, clock_file = timed
    server = desk.server
    set_clock(clock_file, MONDAY_MORNING)
    customer, talk, number, card = await filed_case(desk)
    case = case_row(desk, number)
    alerts_seen = 0
    for expected_tier in (2, 3, 3):
        [breach] = [r for r in pending(desk, case["id"]) if r["kind"] == "breach"]
        set_clock(clock_file, stored(breach["due_at"]) + timedelta(minutes=1))
        [update] = await talk._replies(1, 30)
        assert LATE["en"] in update["text"]
        await server.wait_for(lambda: len([m for m in desk.group_messages() if (m.get("text") or "").startswith(f"🚨 {number}")]) > alerts_seen, timeout=30)
        alerts_seen += 1
        assert case_row(desk, number)["tier"] == expected_tier
        [following] = [r for r in pending(desk, case["id"]) if r["kind"] == "breach"]
        # The tier's own deadline, a working day: not one more business hour.
        gap = stored(following["due_at"]) - stored(breach["due_at"])
        assert timedelta(hours=23) < gap < timedelta(days=4), gap
        [notice] = events(desk, case["id"], "late_notice")[-1:]
        assert notice["detail"].split('"promised": "')[1].startswith(following["due_at"].replace(" ", "T")[:16])


async def test_an_urgent_case_climbs_fast_but_its_customer_hears_hourly(timed) -> None:
    desk, clock_file = timed
    server = desk.server
    set_clock(clock_file, MONDAY_MORNING)
    customer, talk, number, card = await filed_case(desk)
    case = case_row(desk, number)
    await press_in_group(desk, desk.agent, card, "紧急")
    await wait_outbox_settled(desk.database_url)
    # Breaches 15, 30 and 60 minutes in, then hourly; told at the first and then each hour.
    told = []
    for breach_no in range(1, 6):
        [breach] = [r for r in pending(desk, case["id"]) if r["kind"] == "breach"]
        assert breach["breach_no"] == breach_no
        set_clock(clock_file, stored(breach["due_at"]) + timedelta(seconds=30))
        await server.wait_for(lambda b=breach: query_dicts(desk, "SELECT status FROM deadlines WHERE id = ?", b["id"])[0]["status"] == "done", timeout=30)
        await wait_outbox_settled(desk.database_url)
        told.append(len(events(desk, case["id"], "late_notice")))
    assert told == [1, 1, 1, 2, 3]
    late = [m for m in server.bot_messages(customer.chat_id) if LATE["en"] in (m.get("text") or "")]
    assert len(late) == 3
    assert case_row(desk, number)["tier"] == 3
