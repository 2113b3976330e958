"""Abuse controls through the real process: a customer flooding the bot is asked once to
slow down, the open-case cap, and the ban list supervisors manage from the group."""
from __future__ import annotations

from pathlib import Path
from typing import AsyncIterator

import pytest

from tests.e2e.conversation import Conversation
from tests.e2e.staffed import Staffed, case_row, filed_case, running, setup_staffed


@pytest.fixture
async def throttled(fake_server, tmp_path: Path) -> AsyncIterator[Staffed]:
    async with running(setup_staffed(fake_server, tmp_path, forum=True, sections="[abuse]\nmessages_per_minute = 4\n")) as desk:
        yield desk


@pytest.fixture
async def limited(fake_server, tmp_path: Path) -> AsyncIterator[Staffed]:
    async with running(setup_staffed(fake_server, tmp_path, forum=True, sections="[intake]\nmax_open_cases = 1\n")) as desk:
        yield desk


def staff_says(desk: Staffed, staff, text: str, thread_id: int | None = None) -> None:
    staff.send_text_in(desk.group, text, **({"message_thread_id": thread_id} if thread_id else {}))


async def group_reply(desk: Staffed, staff, text: str, thread_id: int | None = None) -> str:
    before = len(desk.group_messages())
    staff_says(desk, staff, text, thread_id)
    await desk.server.wait_for(lambda: len(desk.group_messages()) > before)
    return desk.group_messages()[-1]["text"]


async def test_a_flood_gets_one_polite_answer_and_is_not_taken(throttled: Staffed) -> None:
    limited = throttled
    server = limited.server
    customer = server.create_user(first_name="Fast", language_code="en")
    talk = Conversation(server, customer)
    for _ in range(3):
        await talk.send("/help")
    await talk.send("/help")  # the fourth in a minute still passes
    flood = [customer.send_command("/help") for _ in range(5)]
    [slow_down] = await talk._replies(1, 15)
    assert slow_down["text"] == "You are sending messages faster than we can take them. Please wait a minute, then send your last message again."
    # Every flooded update was handled (as throttled) and answered at most once in all.
    await limited.bot.wait_for_log(lambda r: r.get("msg") == "update" and r.get("update_id") == flood[-1]["update_id"])
    throttled = [r for r in limited.bot.log_records() if r.get("msg") == "update" and r.get("handler") == "throttled"]
    assert len(throttled) == 5
    assert len(server.bot_messages(customer.chat_id)) == talk.cursor


async def test_open_cases_are_capped_and_words_still_reach_the_case(limited: Staffed) -> None:
    desk = limited
    customer, talk, number, card = await filed_case(desk)
    first = await talk.send("/new")
    assert first[-1]["text"] == f"You already have 1 open complaints:\n• {number}\nTo add something to one of them, just write here. A new complaint can be filed once one of them is closed."
    [passed] = await talk.send("One more detail: the box was wet.")
    assert number in passed["text"]


async def test_supervisors_ban_from_the_group_and_a_banned_customer_is_told_once(limited: Staffed) -> None:
    desk = limited
    server = desk.server
    customer, talk, number, card = await filed_case(desk)
    case = case_row(desk, number)
    assert await group_reply(desk, desk.agent, "/ban spam", case["thread_id"]) == "已拒绝：此操作需要主管或总监权限。"
    assert await group_reply(desk, desk.supervisor, f"/ban {desk.agent.id}") == f"用户 {desk.agent.id} 是工作人员，不能封禁。"
    assert await group_reply(desk, desk.supervisor, "/ban abusive language", case["thread_id"]) == (
        f"🚫 已封禁用户 {customer.id}：对方会收到一次通知，之后的消息不再处理。发送 /unban {customer.id} 可解除。"
    )
    assert (await group_reply(desk, desk.supervisor, "/banned")).startswith(f"🚫 封禁名单\n{customer.id} · ")

    group_before = len(desk.group_messages())
    [told] = await talk.send("Why is nobody answering?")
    assert told["text"] == "This service is no longer available to you. If you think this is a mistake, please contact us through another channel."
    ignored = customer.send_text("Hello??")
    await desk.bot.wait_for_log(lambda r: r.get("msg") == "update" and r.get("update_id") == ignored["update_id"])
    assert len(server.bot_messages(customer.chat_id)) == talk.cursor  # nothing more
    assert len(desk.group_messages()) == group_before  # and nothing reached the thread

    assert await group_reply(desk, desk.supervisor, f"/unban {customer.id}") == f"✅ 已解除对用户 {customer.id} 的封禁。"
    [passed] = await talk.send("Thank you for listening again.")
    assert number in passed["text"]
