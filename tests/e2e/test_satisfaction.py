"""After a solution is accepted, through the real process: a low rating that reopens the
case, the resolution record's checks, the follow-up answered "no" or not at all, /status
saying what comes next, and a supervisor terminating a case."""
from __future__ import annotations

from tests.e2e.conversation import button_texts
from tests.e2e.staffed import Staffed, case_row, filed_case, wait_linked
from tests.e2e.test_deadlines import deadlines, move_clock_past
from tests.e2e.test_full_lifecycle import fill_resolution_record, group_message
from tests.e2e.test_lifecycle import answer_prompt, press_in_group


async def resolved_case(desk: Staffed):
    customer, talk, number, card = await filed_case(desk)
    case = case_row(desk, number)
    await press_in_group(desk, desk.agent, card, "认领")
    await talk._replies(1, 15)
    await answer_prompt(desk, desk.agent, card, "提出方案", "We will refund 199 yuan.", case)
    [proposal] = await talk._replies(1, 15)
    [rate] = await talk.press(proposal, "Accept")
    return customer, talk, number, card, case, rate


async def test_a_low_rating_asks_why_and_can_reopen_the_case(timed) -> None:
    desk, _clock = timed
    server = desk.server
    customer, talk, number, card, case, rate = await resolved_case(desk)
    [sorry] = await talk.act(lambda: customer.press_button(rate["message_id"], rate["reply_markup"]["inline_keyboard"][0][1]["callback_data"]))
    assert sorry["text"].startswith(f"We are sorry that we did not do better with {number}. What went wrong?")
    assert button_texts(sorry) == [
        "Quality", "1", "2", "3", "4", "5", "Speed", "1", "2", "3", "4", "5", "Attitude", "1", "2", "3", "4", "5",
        "Price", "1", "2", "3", "4", "5", "🔁 Reopen my complaint",
    ]
    await server.wait_for(lambda: group_message(desk, "⭐⭐ 客户对处理的评分：2/5。") is not None)
    # The aspect's own name explains what to press.
    answered = len(server.callback_answers)
    customer.press_button(sorry["message_id"], sorry["reply_markup"]["inline_keyboard"][2][0]["callback_data"])
    await server.wait_for(lambda: len(server.callback_answers) > answered)
    assert server.callback_answers[-1]["text"] == "Tap a number from 1 (poor) to 5 (excellent) on the same row."

    [noted] = await talk.send("The refund took a week to arrive.")
    assert noted["text"] == f"Thank you, your comment on {number} is recorded with your rating."
    assert button_texts(noted) == ["🔁 Reopen my complaint"]
    await server.wait_for(lambda: group_message(desk, "💬 客户评分（2/5）附带的意见：The refund took a week to arrive.") is not None)

    [reopened] = await talk.press(noted, "Reopen")
    assert reopened["text"].startswith(f"Thank you for telling us. Complaint {number} has been reopened")
    stored = case_row(desk, number)
    assert (stored["stage"], stored["tier"], stored["reopen_count"]) == ("investigating", 2, 1)
    await server.wait_for(lambda: group_message(desk, "🔁 客户不满意，已重新开启案件，现由第 2 级处理。") is not None)
    # The stars of the earlier round no longer rate anything.
    answered = len(server.callback_answers)
    customer.press_button(rate["message_id"], rate["reply_markup"]["inline_keyboard"][0][4]["callback_data"])
    await server.wait_for(lambda: len(server.callback_answers) > answered)
    assert server.callback_answers[-1]["text"] == "This button is no longer active. Please use the latest message."
    [status] = await talk.send(f"/status {number}")
    assert "you rated how we handled it" in status["text"] and "the complaint was reopened at your request" in status["text"]


async def test_the_record_checks_the_cost_and_the_follow_up_can_reopen(timed) -> None:
    desk, clock_file = timed
    server = desk.server
    customer, talk, number, card, case, rate = await resolved_case(desk)
    await server.wait_for(lambda: group_message(desk, f"📝 {number} 处理记录（1/6）") is not None)
    await press_in_group(desk, desk.agent, group_message(desk, f"📝 {number} 处理记录（1/6）"), "第三方")
    # The button's answer and the next question travel separately: wait for the question.
    await server.wait_for(lambda: group_message(desk, f"📝 {number} 处理记录（2/6）") is not None)
    await press_in_group(desk, desk.agent, group_message(desk, f"📝 {number} 处理记录（2/6）"), "间接责任")
    for step, text in (("（3/6）", "物流公司摔坏"), ("（4/6）", "退款")):
        await server.wait_for(lambda step=step: group_message(desk, f"📝 {number} 处理记录。{step}") is not None)
        prompt = group_message(desk, f"📝 {number} 处理记录。{step}")
        await wait_linked(desk, prompt)
        desk.agent.send_text_in(desk.group, text, reply_to_message_id=prompt["message_id"], message_thread_id=case["thread_id"])
    await server.wait_for(lambda: group_message(desk, f"📝 {number} 处理记录。（5/6）") is not None)
    cost_prompt = group_message(desk, f"📝 {number} 处理记录。（5/6）")
    before = len(desk.group_messages())
    await wait_linked(desk, cost_prompt)
    desk.agent.send_text_in(desk.group, "about two hundred", reply_to_message_id=cost_prompt["message_id"], message_thread_id=case["thread_id"])
    await server.wait_for(lambda: len([m for m in desk.group_messages()[before:] if (m.get("text") or "").startswith(f"📝 {number} 处理记录。（5/6）")]) == 1)
    assert any((m.get("text") or "").startswith("无法识别“about two hundred”这个金额") for m in desk.group_messages()[before:])
    # /record asks the open question again, whatever went astray.
    before = len(desk.group_messages())
    desk.agent.send_text_in(desk.group, "/record", message_thread_id=case["thread_id"])
    await server.wait_for(lambda: any((m.get("text") or "").startswith(f"📝 {number} 处理记录。（5/6）") for m in desk.group_messages()[before:]))
    again = group_message(desk, f"📝 {number} 处理记录。（5/6）")
    await wait_linked(desk, again)
    desk.agent.send_text_in(desk.group, "199", reply_to_message_id=again["message_id"], message_thread_id=case["thread_id"])
    await server.wait_for(lambda: group_message(desk, f"📝 {number} 处理记录。（6/6）") is not None)
    last = group_message(desk, f"📝 {number} 处理记录。（6/6）")
    await wait_linked(desk, last)
    desk.agent.send_text_in(desk.group, "与物流公司约定赔付", reply_to_message_id=last["message_id"], message_thread_id=case["thread_id"])
    [planned] = await talk._replies(1, 15)
    assert planned["text"].startswith(f"Complaint {number} is resolved, and we have recorded what we will change")
    await server.wait_for(lambda: group_message(desk, f"✅ {number} 的处理记录已保存。") is not None)
    done = group_message(desk, f"✅ {number} 的处理记录已保存。")
    assert "责任方：第三方合作伙伴 · 间接责任" in done["text"] and "（费用 199.00）" in done["text"]

    [status] = await talk.send("/status")
    assert "we will check back with you on" in status["text"]

    [follow_up] = [r for r in deadlines(desk, case["id"]) if r["status"] == "pending"]
    move_clock_past(clock_file, follow_up["due_at"])
    [question] = await talk._replies(1, 20)
    assert question["text"] == f"Following up on complaint {number}: has the problem stayed solved?"
    [reopened] = await talk.press(question, "No, the problem is back")
    assert reopened["text"].startswith(f"Thank you for telling us. Complaint {number} has been reopened")
    stored = case_row(desk, number)
    assert (stored["stage"], stored["tier"], stored["reopen_count"]) == ("investigating", 2, 1)
    await server.wait_for(lambda: group_message(desk, "🔁 回访：问题再次出现，案件已重新开启，由第 2 级处理。") is not None)
    # The case is open again: the follow-up's close-as-unanswered is cancelled.
    assert not [r for r in deadlines(desk, case["id"]) if r["status"] == "pending" and r["kind"] == "close_unanswered"]


async def test_an_unanswered_follow_up_closes_the_case(timed) -> None:
    desk, clock_file = timed
    server = desk.server
    customer, talk, number, card, case, rate = await resolved_case(desk)
    await fill_resolution_record(desk, number, case)
    await talk._replies(1, 15)
    [follow_up] = [r for r in deadlines(desk, case["id"]) if r["status"] == "pending"]
    move_clock_past(clock_file, follow_up["due_at"])
    await talk._replies(1, 20)
    [close] = [r for r in deadlines(desk, case["id"]) if r["status"] == "pending"]
    assert close["kind"] == "close_unanswered" and close["stage"] == "follow_up"
    [status] = await talk.send("/status")
    assert "waiting for your answer to our follow-up, until" in status["text"]
    move_clock_past(clock_file, close["due_at"])
    [closed] = await talk._replies(1, 20)
    assert closed["text"].startswith(f"We did not hear back after our follow-up on {number}, so we take it that the problem stays solved")
    assert case_row(desk, number)["stage"] == "closed"
    await server.wait_for(lambda: group_message(desk, f"🗂 {number} 已结案：客户未答复回访。") is not None)
    await server.wait_for(lambda: desk.group.topics[0].closed)


async def test_only_a_supervisor_terminates_a_case_with_a_reason(timed) -> None:
    desk, _clock = timed
    server = desk.server
    customer, talk, number, card = await filed_case(desk)
    case = case_row(desk, number)
    desk.agent.send_text_in(desk.group, "/terminate 查无此单", message_thread_id=case["thread_id"])
    await server.wait_for(lambda: group_message(desk, "已拒绝：此操作需要主管或总监权限。") is not None)
    assert case_row(desk, number)["stage"] == "received"

    before = len(desk.group_messages())
    desk.supervisor.send_text_in(desk.group, "/terminate", message_thread_id=case["thread_id"])
    await server.wait_for(lambda: any(m.get("_reply_markup") == {"force_reply": True} for m in desk.group_messages()[before:]))
    prompt = next(m for m in desk.group_messages()[before:] if m.get("_reply_markup") == {"force_reply": True})
    assert prompt["text"].startswith(f"⏹ 请回复这条消息，写下终止处理 {number} 的原因")
    await wait_linked(desk, prompt)
    desk.supervisor.send_text_in(desk.group, "经核实订单不存在，无法联系客户。", reply_to_message_id=prompt["message_id"], message_thread_id=case["thread_id"])
    [terminated] = await talk._replies(1, 15)
    assert terminated["text"].startswith(f"We have stopped handling complaint {number}.\nReason: 经核实订单不存在")
    assert case_row(desk, number)["stage"] == "terminated"
    await server.wait_for(lambda: desk.group.topics[0].closed)
