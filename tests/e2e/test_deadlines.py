"""Stage deadlines through the real process, its clock moved by the test (no sleeping)."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from tests.e2e.harness import wait_outbox_settled
from tests.e2e.staffed import Staffed, case_row, filed_case, query_dicts


def deadlines(desk: Staffed, case_id: int) -> list[dict]:
    """The stage deadlines (the overall limit's row outlives every stage)."""
    return query_dicts(desk, "SELECT * FROM deadlines WHERE case_id = ? AND kind != 'overall' ORDER BY id", case_id)


def move_clock_past(clock_file: Path, moment: str) -> None:
    """Sets the bot's clock a minute past `moment` (as stored: naive UTC)."""
    target = datetime.fromisoformat(moment).replace(tzinfo=timezone.utc)
    clock_file.write_text(str((target - datetime.now(timezone.utc)).total_seconds() + 60))


async def test_reminder_then_breach_with_customer_update_and_escalation(timed) -> None:
    desk, clock_file = timed
    server = desk.server
    customer, talk, number, card = await filed_case(desk)
    case = case_row(desk, number)
    remind, breach = deadlines(desk, case["id"])
    assert (remind["kind"], breach["kind"], remind["stage"]) == ("remind", "breach", "received")
    assert remind["due_at"] < breach["due_at"]

    move_clock_past(clock_file, remind["due_at"])
    await server.wait_for(lambda: any((m.get("text") or "").startswith(f"⏰ 提醒：{number}") for m in desk.group_messages()), timeout=20)
    assert len(server.bot_messages(customer.chat_id)) == talk.cursor  # a reminder is for staff only

    move_clock_past(clock_file, breach["due_at"])
    [update] = await talk._replies(1, 20)
    assert update["text"].startswith(f"About complaint {number} (received, waiting to be reviewed): we are sorry, it is taking longer than we promised.")
    await server.wait_for(lambda: any((m.get("text") or "").startswith(f"🚨 {number} 已超过期限，升至第 2 级。") for m in desk.group_messages()))
    alert = next(m for m in desk.group_messages() if (m.get("text") or "").startswith(f"🚨 {number}"))
    assert f"@{desk.supervisor.id}" in alert["text"]  # tier 2 is called in
    assert case_row(desk, number)["tier"] == 2
    rows = deadlines(desk, case["id"])
    assert [r["status"] for r in rows[:2]] == ["done", "done"] and rows[2]["breach_no"] == 2 and rows[2]["status"] == "pending"

    # Claiming moves the case on: the old stage's deadlines are cancelled, new ones planned.
    claim = next(b["callback_data"] for row in card["reply_markup"]["inline_keyboard"] for b in row if "认领" in b["text"])
    desk.agent.press_button(card["message_id"], claim, chat=desk.group)
    await talk._replies(1, 15)
    rows = deadlines(desk, case["id"])
    assert rows[2]["status"] == "cancelled" and {r["stage"] for r in rows[3:]} == {"accepted"}
    # One update per deadline, even after a restart.
    await wait_outbox_settled(desk.database_url)
    desk.bot.kill()
    polls = sum(1 for c in server.calls if c[0] == "getUpdates")
    desk.bot.start()
    await server.wait_for(lambda: sum(1 for c in server.calls if c[0] == "getUpdates") > polls, timeout=60)
    [status] = await talk.send("/status", timeout=30)
    assert status["text"].startswith("Your complaints"), [m.get("text", "")[:40] for m in server.bot_messages(customer.chat_id)][-5:]
    assert sum(1 for m in server.bot_messages(customer.chat_id) if "taking longer than we promised" in (m.get("text") or "")) == 1


async def test_an_unanswered_proposal_is_reminded_then_closed(timed) -> None:
    from tests.e2e.test_lifecycle import answer_prompt, press_in_group

    desk, clock_file = timed
    server = desk.server
    customer, talk, number, card = await filed_case(desk)
    case = case_row(desk, number)
    await press_in_group(desk, desk.agent, card, "认领")
    await talk._replies(1, 15)
    await answer_prompt(desk, desk.agent, card, "提出方案", "We will refund 199 yuan.", case)
    [proposal] = await talk._replies(1, 15)
    rows = [r for r in deadlines(desk, case["id"]) if r["status"] == "pending"]
    assert [r["kind"] for r in rows] == ["customer_remind", "close_unanswered"]

    move_clock_past(clock_file, rows[0]["due_at"])
    [reminder] = await talk._replies(1, 20)
    assert reminder["text"].startswith(f"A reminder about complaint {number}: we are waiting for your answer")
    assert [b["text"] for row in reminder["reply_markup"]["inline_keyboard"] for b in row] == ["✅ Accept", "✖️ Not acceptable"]

    move_clock_past(clock_file, rows[1]["due_at"])
    [closed] = await talk._replies(1, 20)
    assert closed["text"].startswith(f"We have not heard back about the proposed solution for {number}, so we have closed the complaint.")
    assert case_row(desk, number)["stage"] == "closed"
    await server.wait_for(lambda: any(m.get("text") == f"🗂 {number} 已结案：客户未在期限内答复方案。" for m in desk.group_messages()))
    await server.wait_for(lambda: desk.group.topics[0].name == f"{number} · 产品质量 · 已结案" and desk.group.topics[0].closed)
    # The reminder's buttons are dead now that the case is closed.
    answered = len(server.callback_answers)
    customer.press_button(reminder["message_id"], reminder["reply_markup"]["inline_keyboard"][0][0]["callback_data"])
    await server.wait_for(lambda: len(server.callback_answers) > answered)
    assert server.callback_answers[-1]["text"] == "This button is no longer active. Please use the latest message."


async def test_an_urgent_case_climbs_the_short_ladder(timed) -> None:
    from datetime import timedelta

    from tests.e2e.test_lifecycle import press_in_group

    desk, clock_file = timed
    server = desk.server
    customer, talk, number, card = await filed_case(desk)
    case = case_row(desk, number)
    await press_in_group(desk, desk.agent, card, "紧急")
    pending = [r for r in deadlines(desk, case["id"]) if r["status"] == "pending"]
    [breach] = [r for r in pending if r["kind"] == "breach"]
    entered = datetime.fromisoformat(case_row(desk, number)["stage_entered_at"])
    assert datetime.fromisoformat(breach["due_at"]) - entered == timedelta(minutes=15)

    # 15 minutes -> tier 2; 15 more -> tier 3; 30 more -> tier 3 told again; then hourly.
    # The customer hears at the first breach, then at most hourly.
    expected = [(2, "🚨 {n} 已超过期限，升至第 2 级。", 15), (3, "🚨 {n} 已超过期限，升至第 3 级。", 30), (3, "🚨 {n} 再次超过期限（已是最高级别）", 60)]
    for breach_no, (tier, alert, next_wait) in enumerate(expected, start=1):
        row = next(r for r in deadlines(desk, case["id"]) if r["kind"] == "breach" and r["status"] == "pending")
        assert row["breach_no"] == breach_no
        move_clock_past(clock_file, row["due_at"])
        if breach_no == 1:  # later breaches within the hour are for staff only
            [update] = await talk._replies(1, 20)
            assert "taking longer than we promised" in update["text"]
        await server.wait_for(lambda alert=alert: any((m.get("text") or "").startswith(alert.format(n=number)) for m in desk.group_messages()))
        assert case_row(desk, number)["tier"] == tier
        following = next(r for r in deadlines(desk, case["id"]) if r["kind"] == "breach" and r["status"] == "pending")
        # Planned from when the breach was acted on: the clock stood a minute past it.
        wait = datetime.fromisoformat(following["due_at"]) - datetime.fromisoformat(row["due_at"])
        assert timedelta(minutes=next_wait + 1) <= wait < timedelta(minutes=next_wait + 2)
    assert sum(1 for m in server.bot_messages(customer.chat_id) if "taking longer than we promised" in (m.get("text") or "")) == 1
