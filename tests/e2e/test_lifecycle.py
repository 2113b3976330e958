"""The case lifecycle through the real process: proposal, rejection and reopening one
tier up, acceptance, withdrawal, and the supervisor rule for major cases."""
from __future__ import annotations

import pytest

from tests.e2e.staffed import Staffed, case_row, filed_case, wait_linked

pytestmark = pytest.mark.parametrize("staffed", [True], ids=["forum"], indirect=True)


def button(message: dict, label: str) -> str:
    return next(b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row if label in b["text"])


async def press_in_group(desk: Staffed, staff, message: dict, label: str) -> None:
    answered = len(desk.server.callback_answers)
    staff.press_button(message["message_id"], button(message, label), chat=desk.group)
    await desk.server.wait_for(lambda: len(desk.server.callback_answers) > answered)


async def answer_prompt(desk: Staffed, staff, card: dict, action_label: str, text: str, case: dict) -> None:
    before = len(desk.group_messages())
    await press_in_group(desk, staff, card, action_label)

    def prompts() -> list[dict]:
        return [m for m in desk.group_messages()[before:] if m.get("_reply_markup") == {"force_reply": True}]

    await desk.server.wait_for(lambda: len(prompts()) == 1)
    prompt = prompts()[0]
    await wait_linked(desk, prompt)
    staff.send_text_in(desk.group, text, reply_to_message_id=prompt["message_id"], message_thread_id=case["thread_id"])


async def test_rejected_solution_reopens_one_tier_up_then_an_accepted_one_resolves(staffed: Staffed) -> None:
    desk, server = staffed, staffed.server
    customer, talk, number, card = await filed_case(desk)
    case = case_row(desk, number)

    await press_in_group(desk, desk.agent, card, "认领")
    [accepted] = await talk._replies(1, 15)
    assert accepted["text"].startswith(f"Your complaint {number} has been accepted")

    await answer_prompt(desk, desk.agent, card, "提出方案", "We will refund the full price of 199 yuan.", case)
    [proposal] = await talk._replies(1, 15)
    assert proposal["text"] == f"💡 {number} · our proposed solution:\nWe will refund the full price of 199 yuan.\n\nIf you have questions or do not agree, just reply here."
    assert [b["text"] for row in proposal["reply_markup"]["inline_keyboard"] for b in row] == ["✅ Accept", "✖️ Not acceptable"]
    assert case_row(desk, number)["stage"] == "solution_proposed"

    [why] = await talk.press(proposal, "Not acceptable")
    assert why["text"] == f"We are sorry the proposal for {number} does not work for you. Please tell us why, or what you would accept, in one message."
    before = len(desk.group_messages())
    [reopened] = await talk.send("I want a replacement kettle, not a refund.")
    assert reopened["text"].startswith(f"Thank you for telling us. Complaint {number} has been reopened")
    stored = case_row(desk, number)
    assert (stored["stage"], stored["tier"], stored["reopen_count"]) == ("investigating", 2, 1)
    await server.wait_for(lambda: any(m["text"] == "✖️ 客户不接受解决方案：I want a replacement kettle, not a refund.\n已重新处理，升至第 2 级。" for m in desk.group_messages()[before:]))

    # The old proposal's buttons no longer act.
    answered = len(server.callback_answers)
    customer.press_button(proposal["message_id"], button(proposal, "Accept"))
    await server.wait_for(lambda: len(server.callback_answers) > answered)
    assert server.callback_answers[-1]["text"] == "This button is no longer active. Please use the latest message."
    assert case_row(desk, number)["stage"] == "investigating"

    await answer_prompt(desk, desk.supervisor, card, "提出方案", "We will send a new kettle tomorrow and collect the broken one.", case)
    [second] = await talk._replies(1, 15)
    [thanks] = await talk.press(second, "Accept")
    assert thanks["text"].startswith(f"Thank you. We have noted that you accept the solution for {number}")
    assert case_row(desk, number)["stage"] == "resolved"
    await server.wait_for(lambda: any(m.get("text") == "✅ 客户接受了解决方案。" for m in desk.group_messages()))
    await server.wait_for(lambda: desk.group.topics[0].name == f"{number} · 产品质量 · 已解决")

    [status] = await talk.send(f"/status {number}")
    for line in ("you filed the complaint", "our team took on your complaint", "we proposed a solution",
                 "you did not accept the solution; the case was reopened", "you accepted the solution"):
        assert line in status["text"]
    assert "note" not in status["text"]


async def test_a_major_case_proposal_waits_for_a_supervisor(staffed: Staffed) -> None:
    desk, server = staffed, staffed.server
    customer, talk, number, card = await filed_case(desk)
    case = case_row(desk, number)
    await press_in_group(desk, desk.agent, card, "认领")
    await talk._replies(1, 15)
    await press_in_group(desk, desk.agent, card, "重大")
    assert case_row(desk, number)["severity"] == "major" and case_row(desk, number)["tier"] == 2

    def approval() -> dict | None:
        return next((m for m in reversed(desk.group_messages()) if (m.get("text") or "").startswith("🔏 Agent Ann")), None)

    await answer_prompt(desk, desk.agent, card, "提出方案", "A voucher of 50 yuan.", case)
    await server.wait_for(lambda: approval() is not None)
    assert approval()["text"] == f"🔏 Agent Ann 为重大案件 {number} 拟定的解决方案须经主管批准才会发给客户：\nA voucher of 50 yuan."
    assert case_row(desk, number)["stage"] == "investigating"
    assert len(server.bot_messages(customer.chat_id)) == talk.cursor  # nothing reached the customer

    # An agent cannot approve; a supervisor sends it back; the revised one is approved.
    await press_in_group(desk, desk.agent, approval(), "批准")
    assert server.callback_answers[-1]["text"] == "已拒绝：此操作需要主管或总监权限。"
    before = len(desk.group_messages())
    await press_in_group(desk, desk.supervisor, approval(), "退回")
    await server.wait_for(lambda: any(m.get("text") == "↩️ Sup Sun 退回了 Agent Ann 的方案，请修改后重新提出。" for m in desk.group_messages()[before:]))
    first = approval()
    await answer_prompt(desk, desk.agent, card, "提出方案", "A full refund of 199 yuan.", case)
    await server.wait_for(lambda: approval()["message_id"] != first["message_id"])
    await press_in_group(desk, desk.supervisor, first, "批准")  # the sent-back text stays back
    assert server.callback_answers[-1]["text"] == "这个按钮已失效，请使用最新的消息。"
    assert len(server.bot_messages(customer.chat_id)) == talk.cursor
    await press_in_group(desk, desk.supervisor, approval(), "批准")
    assert server.callback_answers[-1]["text"] == f"已批准：{number} 的解决方案正在发给客户。"
    [proposal] = await talk._replies(1, 15)
    assert proposal["text"].startswith(f"💡 {number} · our proposed solution:\nA full refund of 199 yuan.")
    stored = case_row(desk, number)
    assert (stored["stage"], stored["pending_proposal"]) == ("solution_proposed", None)


async def test_the_customer_can_withdraw_and_staff_are_told(staffed: Staffed) -> None:
    desk, server = staffed, staffed.server
    customer, talk, number, card = await filed_case(desk)
    [which] = await talk.send("/withdraw")
    assert which["text"] == "Which complaint do you want to withdraw?"
    [question] = await talk.press(which, number)
    assert question["text"] == f"Withdraw complaint {number}? We will stop handling it."
    [done] = await talk.press(question, "Yes, withdraw it")
    assert done["text"].startswith(f"Complaint {number} has been withdrawn.")
    assert case_row(desk, number)["stage"] == "withdrawn"
    await server.wait_for(lambda: any(m.get("text") == "↩️ 客户撤回了这项投诉。" for m in desk.group_messages()))
    [nothing] = await talk.send("/withdraw")
    assert nothing["text"] == "You have no open complaint to withdraw."


async def test_a_rejected_case_can_be_appealed_once(staffed: Staffed) -> None:
    desk, server = staffed, staffed.server
    customer, talk, number, card = await filed_case(desk)
    case = case_row(desk, number)
    await answer_prompt(desk, desk.supervisor, card, "不予受理", "This is about a product we do not sell.", case)
    [rejected] = await talk._replies(1, 15)
    assert rejected["text"].startswith(f"We are sorry: we cannot take up complaint {number}.\nThe reason: This is about a product we do not sell.")
    assert case_row(desk, number)["stage"] == "rejected"
    await server.wait_for(lambda: desk.group.topics[0].closed)

    [appealed] = await talk.press(rejected, "Appeal")
    assert appealed["text"].startswith(f"Your appeal for {number} has been received.")
    stored = case_row(desk, number)
    assert (stored["stage"], stored["tier"], stored["appealed"]) == ("investigating", 2, 1)
    await server.wait_for(lambda: not desk.group.topics[0].closed)
    await server.wait_for(lambda: any(m.get("text") == "📝 客户对不予受理申请复核：案件已重新处理，升至第 2 级。" for m in desk.group_messages()))

    # Rejected again, the new rejection offers no second appeal.
    await answer_prompt(desk, desk.supervisor, card, "不予受理", "Checked again: still not our product.", case)
    [again] = await talk._replies(1, 15)
    assert "reply_markup" not in again
