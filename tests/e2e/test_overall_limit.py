"""The overall limit through the real process: a case still open at it is put before the
directors, its customer is told where it stands, and /case and the card show the limit."""
from __future__ import annotations

from datetime import timedelta

from tests.e2e.harness import wait_outbox_settled
from tests.e2e.staffed import case_row, filed_case, query_dicts, running, setup_staffed, staff_post
from tests.e2e.test_deadline_gaps import MONDAY_MORNING, set_clock, stored
from tests.e2e.test_lifecycle import press_in_group


async def test_a_case_open_at_its_overall_limit_goes_to_the_directors(fake_server, tmp_path) -> None:
    clock_file = tmp_path / "clock-offset"
    set_clock(clock_file, MONDAY_MORNING)
    env = {"CLOCK_OFFSET_FILE": str(clock_file), "DEADLINE_POLL_SECONDS": "0.2"}
    # A short limit, so that it falls before the accepted stage's own deadline.
    desk = setup_staffed(fake_server, tmp_path, forum=True, env=env, sections='[sla]\noverall_limit = "3 business hours"\n')
    async with running(desk):
        server = desk.server
        customer, talk, number, card = await filed_case(desk, "zh-hk")
        await press_in_group(desk, desk.agent, card, "认领")
        await talk._replies(1, 20)  # accepted
        case = case_row(desk, number)
        [overall] = query_dicts(desk, "SELECT * FROM deadlines WHERE case_id = ? AND kind = 'overall'", case["id"])
        assert stored(overall["due_at"]) - stored(case["created_at"]) == timedelta(hours=3)
        # The card shows the limit (the group reads Simplified Chinese).
        card_now = next(m for m in desk.group_messages() if m["message_id"] == card["message_id"])
        assert "总期限：2026年11月30日周一 12:00" in card_now["text"]

        set_clock(clock_file, stored(overall["due_at"]) + timedelta(minutes=1))
        [notice] = await talk._replies(1, 30)
        # In the customer's own script, Traditional, saying what happens next.
        assert notice["text"].startswith(f"關於客訴 {number}（已受理，處理中）：處理時間已超過我們為每件客訴訂定的總期限（營業時間 3 小時），非常抱歉。")
        assert "接下來：" in notice["text"]
        await server.wait_for(lambda: any((m.get("text") or "").startswith(f"🛑 {number}") for m in desk.group_messages()), timeout=30)
        alert = next(m for m in desk.group_messages() if (m.get("text") or "").startswith(f"🛑 {number}"))
        assert f"@{desk.director.id}" in alert["text"] and alert["message_thread_id"] == case["thread_id"]
        assert query_dicts(desk, "SELECT status FROM deadlines WHERE id = ?", overall["id"])[0]["status"] == "done"

        before = len(desk.group_messages())
        staff_post(desk, desk.agent, "/case", case, card)
        await server.wait_for(lambda: any((m.get("text") or "").startswith(f"📋 {number}") for m in desk.group_messages()[before:]), timeout=30)
        detail = next(m for m in desk.group_messages()[before:] if (m.get("text") or "").startswith(f"📋 {number}"))
        assert "总期限：2026年11月30日周一 12:00" in detail["text"] and "已到总期限" in detail["text"]
        await wait_outbox_settled(desk.database_url)
        # Once only, also across a restart.
        await desk.bot.stop_async()
        desk.bot.start()
        talk.cursor = server.cursor(customer.chat_id)
        [status] = await talk.send("/status", timeout=30)
        assert number in status["text"]
        assert sum(1 for m in server.bot_messages(customer.chat_id) if "總期限" in (m.get("text") or "")) == 1
