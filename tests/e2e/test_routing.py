"""Routing to staff through the real process: threads, relays both ways, who may act."""
from __future__ import annotations

import json

import pytest

from tests.e2e.conversation import Conversation, button_texts
from tests.e2e.staffed import Staffed, case_row, file_complaint, filed_case, query, staff_post, wait_linked

pytestmark = pytest.mark.e2e


async def test_a_filed_case_reaches_the_group_with_card_and_evidence_and_relays_both_ways(staffed: Staffed) -> None:
    server, desk = staffed.server, staffed
    customer, talk, number, card = await filed_case(desk, photos=2)
    await server.wait_for(lambda: len(desk.group_messages()) >= 3)
    case = case_row(desk, number)
    card_lines = card["text"].split("\n")
    assert card_lines[0] == f"📋 {number} · 产品质量"
    assert "客户：Cust" in card["text"] and "The kettle arrived broken, the lid is cracked." in card["text"]
    assert button_texts(card)[:2] == ["🙋 认领", "⬆️ 升级"]
    evidence = [m for m in desk.group_messages() if m.get("caption", "").startswith("evidence")]
    assert [m["caption"] for m in evidence] == ["evidence 0", "evidence 1"]
    if desk.group.forum:
        [topic] = desk.group.topics
        assert topic.name == f"{number} · 产品质量 · 已收到，等待审阅"
        assert case["thread_id"] == topic.message_thread_id
        assert all(m.get("message_thread_id") == case["thread_id"] for m in [card, *evidence])
    else:
        assert case["thread_id"] is None
        assert all(m["reply_to_message"]["message_id"] == card["message_id"] for m in evidence)

    # staff -> customer
    reply = staff_post(desk, desk.agent, "Sorry about that. Could you send a photo of the box?", case, card)
    [relayed] = await talk._replies(1, 15)
    assert relayed["text"] == f"💬 {number} · from our team:\nSorry about that. Could you send a photo of the box?"
    await server.wait_for(lambda: any(c[0] == "setMessageReaction" and c[1]["message_id"] == reply["message"]["message_id"] for c in server.calls))

    # customer -> thread
    before = len(desk.group_messages())
    [passed] = await talk.send("Here it is: the box was crushed on one side.")
    assert passed["text"] == f"✓ Passed on to the team handling {number}."
    await server.wait_for(lambda: len(desk.group_messages()) > before)
    forwarded = desk.group_messages()[-1]
    assert forwarded["text"] == f"👤 Cust · {number}：\nHere it is: the box was crushed on one side."
    if desk.group.forum:
        assert forwarded["message_thread_id"] == case["thread_id"]
    else:
        assert forwarded["reply_to_message"]["message_id"] == card["message_id"]


async def test_a_correction_follows_the_message_to_the_thread(staffed: Staffed) -> None:
    server, desk = staffed.server, staffed
    customer, talk, number, card = await filed_case(desk)
    case = case_row(desk, number)
    sent = customer.send_text("The box was crushed on the left side.")
    [passed] = await talk._replies(1, 15)
    assert passed["text"] == f"✓ Passed on to the team handling {number}."
    await server.wait_for(lambda: (desk.group_messages()[-1].get("text") or "").endswith("left side."))
    before = len(desk.group_messages())

    [noted] = await talk.act(lambda: customer.edit_message(sent["message"]["message_id"], "The box was crushed on the right side."))
    assert noted["text"] == f"✓ Your correction was passed on to the team handling {number}."
    await server.wait_for(lambda: len(desk.group_messages()) > before)
    correction = desk.group_messages()[-1]
    assert correction["text"] == f"✏️ Cust · {number} 修改了一条留言：\nThe box was crushed on the right side."
    if desk.group.forum:
        assert correction["message_thread_id"] == case["thread_id"]
    else:
        assert correction["reply_to_message"]["message_id"] == card["message_id"]
    [(detail,)] = query(desk, "SELECT detail FROM case_events WHERE action = 'customer_message_edited'")
    assert json.loads(detail) == {"text": "The box was crushed on the right side.", "message_id": sent["message"]["message_id"]}


async def test_a_correction_before_the_case_is_chosen_goes_with_the_message(staffed: Staffed) -> None:
    server, desk = staffed.server, staffed
    customer, talk, first, card = await filed_case(desk)
    await file_complaint(talk, "The charger stopped working after two days.")
    sent = customer.send_text("Order 5531 is the one with the kettle.")
    [which] = await talk._replies(1, 15)
    assert which["text"] == "You have more than one open complaint. Which one is this message about?"
    customer.edit_message(sent["message"]["message_id"], "Order 5532 is the one with the kettle.")
    [passed] = await talk.press(which, first)  # handled after the edit: one chat's updates keep their order
    assert passed["text"] == f"✓ Passed on to the team handling {first}."
    await server.wait_for(lambda: any("Order 553" in (m.get("text") or "") for m in desk.group_messages()))
    assert [m["text"] for m in desk.group_messages() if "Order 553" in (m.get("text") or "")] == [
        f"👤 Cust · {first}：\nOrder 5532 is the one with the kettle."
    ]


async def test_scripts_are_converted_both_ways(staffed: Staffed) -> None:
    server, desk = staffed.server, staffed
    customer, talk, number, card = await filed_case(desk, language_code="zh-hk")
    case = case_row(desk, number)
    staff_post(desk, desk.agent, "您的退款已经处理，请查收", case, card)
    [relayed] = await talk._replies(1, 15)
    assert relayed["text"] == f"💬 {number} · 客服回覆：\n您的退款已經處理，請查收"
    before = len(desk.group_messages())
    await talk.send("謝謝，我會留意帳戶的訊息。")
    await server.wait_for(lambda: len(desk.group_messages()) > before)
    shown = desk.group_messages()[-1]["text"]
    assert shown == f"👤 Cust · {number}：\n謝謝，我會留意帳戶的訊息。\n（转换）谢谢，我会留意帐户的讯息。"


async def test_a_staff_correction_follows_the_reply_in_the_customers_script(staffed: Staffed) -> None:
    server, desk = staffed.server, staffed
    customer, talk, number, card = await filed_case(desk, language_code="zh-hk")
    case = case_row(desk, number)
    reply = staff_post(desk, desk.agent, "您的退款已经处理，请查收", case, card)
    await talk._replies(1, 15)
    desk.agent.edit_message(reply["message"]["message_id"], "您的退款已经处理，请在三天内查收", chat=desk.group)
    [corrected] = await talk._replies(1, 15)
    assert corrected["text"] == f"✏️ {number} · 客服更正了一則訊息：\n您的退款已經處理，請在三天內查收"
    [(detail,)] = query(desk, "SELECT detail FROM case_events WHERE action = 'staff_reply_edited'")
    assert json.loads(detail) == {"text": "您的退款已经处理，请在三天内查收", "message_id": reply["message"]["message_id"]}

    # An edited note stays internal: the customer's next message is the next reply.
    note = staff_post(desk, desk.agent, "#note call the courier", case, card)
    await server.wait_for(lambda: query(desk, "SELECT count(*) FROM case_events WHERE action = 'note'") == [(1,)])
    desk.agent.edit_message(note["message"]["message_id"], "#note call the courier tomorrow", chat=desk.group)
    staff_post(desk, desk.agent, "已经联系快递", case, card)
    [following] = await talk._replies(1, 15)
    assert following["text"] == f"💬 {number} · 客服回覆：\n已經聯絡快遞"  # Taiwan wording, not a character swap
    assert query(desk, "SELECT count(*) FROM case_events WHERE action = 'staff_reply_edited'") == [(1,)]


async def test_notes_stay_internal_and_blocked_customers_are_reported(staffed: Staffed) -> None:
    server, desk = staffed.server, staffed
    customer, talk, number, card = await filed_case(desk)
    case = case_row(desk, number)
    staff_post(desk, desk.agent, "#note customer sounds upset, offer a replacement", case, card)
    staff_post(desk, desk.agent, "/note checked the courier records", case, card)
    staff_post(desk, desk.agent, "A replacement is on its way.", case, card)
    [relayed] = await talk._replies(1, 15)
    assert relayed["text"].endswith("A replacement is on its way.")  # the notes did not go out
    notes = query(desk, "SELECT detail FROM case_events WHERE action = 'note' ORDER BY id")
    assert len(notes) == 2 and "courier" in notes[1][0]

    # Staff media reaches the customer as a copy, caption converted with the rest.
    where = {"message_thread_id": case["thread_id"]} if desk.group.forum else {"reply_to_message_id": card["message_id"]}
    desk.agent.send_photo(caption="这是新水壶的发货单", chat=desk.group, **where)
    [copied] = await talk._replies(1, 15)
    assert "photo" in copied and copied["caption"] == f"💬 {number} · from our team\n这是新水壶的发货单"

    customer.block_bot()
    before = len(desk.group_messages())
    staff_post(desk, desk.agent, "Did it arrive?", case, card)
    await server.wait_for(lambda: len(desk.group_messages()) > before)
    warning = desk.group_messages()[-1]
    assert warning["text"] == "⚠️ 这条消息未能送达客户：客户已屏蔽机器人。"
    assert len(server.bot_messages(customer.chat_id)) == talk.cursor  # nothing reached the blocked customer


async def test_a_customer_with_two_open_cases_is_asked_which(staffed: Staffed) -> None:
    server, desk = staffed.server, staffed
    customer = server.create_user(first_name="Two", language_code="en")
    talk = Conversation(server, customer)
    first = await file_complaint(talk, "The kettle arrived broken, the lid is cracked.")
    second = await file_complaint(talk, "I was charged twice for the same order.", category="Prices and billing")
    [question] = await talk.send("Any news?")
    assert question["text"] == "You have more than one open complaint. Which one is this message about?"
    assert button_texts(question) == [first, second]
    before = len(desk.group_messages())
    [passed] = await talk.press(question, second)
    assert passed["text"] == f"✓ Passed on to the team handling {second}."
    await server.wait_for(lambda: len(desk.group_messages()) > before)
    assert desk.group_messages()[-1]["text"] == f"👤 Two · {second}：\nAny news?"


async def test_two_staff_claiming_at_once_get_one_owner(staffed: Staffed) -> None:
    server, desk = staffed.server, staffed
    customer, talk, number, card = await filed_case(desk)
    claim = next(b["callback_data"] for row in card["reply_markup"]["inline_keyboard"] for b in row if "认领" in b["text"])
    answered = len(server.callback_answers)
    desk.agent.press_button(card["message_id"], claim, chat=desk.group)
    desk.agent2.press_button(card["message_id"], claim, chat=desk.group)
    await server.wait_for(lambda: len(server.callback_answers) >= answered + 2)
    case = case_row(desk, number)
    ann_won = case["owner_id"] == desk.agent.id
    assert case["owner_id"] in (desk.agent.id, desk.agent2.id) and case["stage"] == "accepted"
    # Ann reads Simplified Chinese, Bo English: each is answered in their own language.
    expected = (
        {f"{number} 已由您负责。", "Already claimed by Agent Ann."}
        if ann_won
        else {f"You now own {number}.", "已被 Agent Bo 认领。"}
    )
    assert {a.get("text") for a in server.callback_answers[answered:]} == expected
    [accepted] = await talk._replies(1, 15)
    assert accepted["text"].startswith(f"Your complaint {number} has been accepted")
    owner = "Agent Ann" if ann_won else "Agent Bo"
    await server.wait_for(
        lambda: any(c[0] == "editMessageText" and c[1]["message_id"] == card["message_id"] and f"负责人：{owner}" in c[1]["text"] for c in server.calls)
    )


PROTECTED = ["claim", "escalate", "severity:major", "category", "ask", "propose", "reject", "reveal"]
SUPERVISOR_ONLY = {"reject", "reveal"}


@pytest.mark.parametrize("action", PROTECTED)
async def test_each_protected_action_refuses_non_members_and_under_privileged_staff(staffed: Staffed, action: str) -> None:
    server, desk = staffed.server, staffed
    customer, talk, number, card = await filed_case(desk)
    name, _, arg = action.partition(":")
    data = next(
        b["callback_data"] for row in card["reply_markup"]["inline_keyboard"] for b in row if b["callback_data"].split(":")[2] == name and (not arg or b["callback_data"].endswith(arg))
    )
    actors = [(desk.outsider, "Refused: you are not a member of the handler group."), (desk.no_role, "Refused: you have no staff role in this deployment.")]
    if name in SUPERVISOR_ONLY:
        actors.append((desk.agent, "已拒绝：此操作需要主管或总监权限。"))
    for actor, expected in actors:
        answered = len(server.callback_answers)
        actor.press_button(card["message_id"], data, chat=desk.group)
        await server.wait_for(lambda: len(server.callback_answers) > answered)
        answer = server.callback_answers[-1]
        assert (answer["text"], answer.get("show_alert")) == (expected, True), actor.first_name
    case = case_row(desk, number)
    assert (case["owner_id"], case["tier"], case["severity"], case["stage"]) == (None, 1, "general", "received")
    refusals = [r for r in desk.bot.log_records() if r.get("msg") == "staff action refused"]
    assert len(refusals) >= len(actors)
    # and the role that may do it is not refused
    allowed_actor = desk.supervisor if name in SUPERVISOR_ONLY else desk.agent
    answered = len(server.callback_answers)
    allowed_actor.press_button(card["message_id"], data, chat=desk.group)
    await server.wait_for(lambda: len(server.callback_answers) > answered)
    assert not (server.callback_answers[-1].get("text") or "").startswith(("Refused", "已拒绝"))


async def test_staff_commands_prompts_and_history(staffed: Staffed) -> None:
    server, desk = staffed.server, staffed
    customer, talk, number, card = await filed_case(desk)
    case = case_row(desk, number)
    group = desk.group

    async def command(staff, text: str, in_thread: bool = False) -> dict:
        before = len(desk.group_messages())
        if in_thread:
            staff_post(desk, staff, text, case, card)
        else:
            staff.send_command(text, chat=group)
        await server.wait_for(lambda: len(desk.group_messages()) > before)
        return desk.group_messages()[-1]

    queue = await command(desk.agent2, "/queue")
    assert queue["text"].startswith("Open cases (unclaimed first)\n" + number)
    assert (await command(desk.agent2, "/mine"))["text"] == "You have no open cases."
    found = await command(desk.agent2, "/find kettle")
    assert number in found["text"]
    assert (await command(desk.agent2, "/find nothing-like-this"))["text"] == "No case matches “nothing-like-this”."

    # An agent may not assign; a supervisor may (by user id, in the case's thread).
    assert (await command(desk.agent, f"/assign {desk.agent2.id}", in_thread=True))["text"] == "已拒绝：此操作需要主管或总监权限。"
    assigned = await command(desk.supervisor, f"/assign {desk.agent2.id}", in_thread=True)
    assert assigned["text"] == f"{number} 已指派给 Agent Bo。"
    [accepted] = await talk._replies(1, 15)  # assigning accepts the case: the customer hears it
    assert accepted["text"].startswith(f"Your complaint {number} has been accepted")
    assert (await command(desk.agent2, "/mine"))["text"].startswith("Your open cases\n" + number)

    # Ask the customer through the prompt: the staff member replies to the bot's prompt.
    ask = next(b["callback_data"] for row in card["reply_markup"]["inline_keyboard"] for b in row if "询问" in b["text"])
    before = len(desk.group_messages())
    desk.agent2.press_button(card["message_id"], ask, chat=group)
    await server.wait_for(lambda: len(desk.group_messages()) > before)
    prompt = desk.group_messages()[-1]
    assert prompt["text"] == f"❓ 请回复这条消息，写下要问 {number} 客户的问题。"
    assert prompt["_reply_markup"] == {"force_reply": True}
    await wait_linked(desk, prompt)
    desk.agent2.send_text_in(group, "When did you receive the parcel?", reply_to_message_id=prompt["message_id"], **({"message_thread_id": case["thread_id"]} if group.forum else {}))
    [question] = await talk._replies(1, 15)
    assert question["text"].startswith(f"❓ {number} · we need a little more information") and "When did you receive the parcel?" in question["text"]
    await server.wait_for(lambda: desk.group_messages()[-1]["text"] == "✓ Agent Bo 已发送给客户。")

    history = await command(desk.director, "/case", in_thread=True)
    assert history["text"].startswith(f"📋 {number} · 產品品質")  # the director reads Traditional
    for expected in ("提出了客訴", "指派了案件", "詢問客戶： When did you receive the parcel?"):
        assert expected in history["text"]

    # Commands from a chat that is not the handler group are refused.
    other = server.create_group(title="Elsewhere", members={desk.agent: "member"})
    desk.agent.send_command("/queue", chat=other)
    await server.wait_for(lambda: len(server.bot_messages(other.id)) == 1)
    assert server.bot_messages(other.id)[0]["text"] == "员工操作只能在处理群组中进行。"


async def test_customers_cannot_see_each_others_cases(staffed: Staffed) -> None:
    server, desk = staffed.server, staffed
    _customer, _talk, number, _card = await filed_case(desk)
    stranger = server.create_user(first_name="Nosy", language_code="en")
    talk = Conversation(server, stranger)
    [answer] = await talk.send(f"/status {number}")
    assert answer["text"] == f"I cannot find a complaint numbered {number} among yours. Send /status to see the list."


@pytest.mark.parametrize("command", ["/queue", "/mine", "/find kettle", "/case", "/assign 1"])
async def test_staff_commands_refuse_people_without_a_role(staffed: Staffed, command: str) -> None:
    # Non-members cannot post in the group at all (Telegram refuses them), so the check
    # that can matter for a command is the role.
    server, desk = staffed.server, staffed
    if not desk.group.forum:
        pytest.skip("the same check in both kinds of group; one is enough")
    before = len(desk.group_messages())
    desk.no_role.send_command(command, chat=desk.group)
    await server.wait_for(lambda: len(desk.group_messages()) > before)
    assert desk.group_messages()[-1]["text"] == "Refused: you have no staff role in this deployment."
