"""Deadlines under faults: the process killed between a deadline falling due and its
messages reaching Telegram, and a second process acting on the same deadline rows."""
from __future__ import annotations

import shutil

from tests.e2e.conversation import Conversation
from tests.e2e.harness import BotProcess, wait_outbox_settled
from tests.e2e.staffed import Staffed, case_row, file_complaint, query
from tests.e2e.test_deadlines import deadlines, move_clock_past


def sends(desk: Staffed) -> int:
    return sum(1 for call in desk.server.calls if call[0] == "sendMessage")


def events(desk: Staffed, case_id: int, action: str) -> int:
    return query(desk, "SELECT count(*) FROM case_events WHERE case_id = ? AND action = ?", case_id, action)[0][0]


def texts_starting(messages: list[dict], prefix: str) -> int:
    return sum(1 for m in messages if (m.get("text") or "").startswith(prefix))


async def new_case(desk: Staffed, name: str) -> tuple[Conversation, str, dict]:
    customer = desk.server.create_user(first_name=name, language_code="en")
    talk = Conversation(desk.server, customer)
    number = await file_complaint(talk, f"{name}: the kettle arrived broken.")
    await desk.server.wait_for(lambda: any(number in (m.get("text") or "") and m.get("reply_markup") for m in desk.group_messages()))
    return talk, number, case_row(desk, number)


async def test_killed_after_a_breach_is_handled_before_its_messages_are_sent(timed) -> None:
    desk, clock_file = timed
    server = desk.server
    talk, number, case = await new_case(desk, "Kim")
    _remind, breach = deadlines(desk, case["id"])
    await wait_outbox_settled(desk.database_url)

    # The breach's two messages (to the customer, to the thread) hang in Telegram: kill then.
    before = sends(desk)
    server.inject_fault("timeout", count=2, method="sendMessage")
    move_clock_past(clock_file, breach["due_at"])
    await server.wait_for(lambda: sends(desk) >= before + 2, timeout=20)
    desk.bot.kill()
    server.clear_faults()
    assert events(desk, case["id"], "deadline_missed") == 1  # handled and committed before the kill
    desk.bot.start()

    [update] = await talk._replies(1, 30)
    assert f"About complaint {number}" in update["text"] and "taking longer than we promised" in update["text"]
    await server.wait_for(lambda: texts_starting(desk.group_messages(), f"🚨 {number} 已超过期限") == 1, timeout=30)
    await wait_outbox_settled(desk.database_url)
    # A later exchange proves everything pending went out: still one of each.
    await talk.send("/status")
    customer_messages = server.bot_messages(talk.user.chat_id)
    assert sum(1 for m in customer_messages if "taking longer than we promised" in (m.get("text") or "")) == 1
    assert texts_starting(desk.group_messages(), f"🚨 {number} 已超过期限") == 1
    # The clock jumped past the reminder and its deadline: the reminder is dropped, not sent late.
    assert texts_starting(desk.group_messages(), f"⏰ 提醒：{number}") == 0
    assert events(desk, case["id"], "deadline_missed") == 1 and case_row(desk, number)["tier"] == 2


async def test_two_processes_on_one_database_act_on_each_deadline_once(timed, tmp_path) -> None:
    desk, clock_file = timed
    server = desk.server
    cases = [await new_case(desk, name) for name in ("Ada", "Ben", "Cy", "Di")]
    await wait_outbox_settled(desk.database_url)

    worker_dir = tmp_path / "second"
    worker_dir.mkdir()
    shutil.copy(tmp_path / "kesu.toml", worker_dir / "kesu.toml")
    second = BotProcess(worker_dir, {**desk.bot.env, "DEADLINE_WORKER_ONLY": "true"})
    second.start()
    try:
        await second.wait_for_log(lambda r: r.get("msg") == "running as a deadline worker only", timeout=30)
        last_breach = max(deadlines(desk, case["id"])[1]["due_at"] for _talk, _number, case in cases)
        move_clock_past(clock_file, last_breach)

        for talk, number, case in cases:
            [update] = await talk._replies(1, 30)
            assert "taking longer than we promised" in update["text"]
            await server.wait_for(lambda number=number: texts_starting(desk.group_messages(), f"🚨 {number} 已超过期限") >= 1, timeout=30)
        await wait_outbox_settled(desk.database_url)
        for talk, number, case in cases:
            await talk.send("/status")
            messages = server.bot_messages(talk.user.chat_id)
            assert sum(1 for m in messages if "taking longer than we promised" in (m.get("text") or "")) == 1
            # Past its deadline too: the reminder is dropped (by whichever process claimed it).
            assert texts_starting(desk.group_messages(), f"⏰ 提醒：{number}") == 0
            assert texts_starting(desk.group_messages(), f"🚨 {number} 已超过期限") == 1
            assert events(desk, case["id"], "deadline_missed") == 1 and case_row(desk, number)["tier"] == 2
            rows = deadlines(desk, case["id"])
            assert [r["status"] for r in rows[:2]] == ["cancelled", "done"]
    finally:
        await second.stop_async()
