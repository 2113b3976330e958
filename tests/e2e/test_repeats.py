"""Repeat complaints through the real process: a repeat is linked to the customer's open
case and handled from tier 2, both threads and cards say so, the customer hears it; a
different matter is not linked; a kill and a re-delivered update link nothing twice;
/report counts the repeat and /export names the case it repeats; and an order number
several customers gave is flagged."""
from __future__ import annotations

import asyncio
import io
import time
from typing import Any, Callable

import pytest
from openpyxl import load_workbook

from tests.e2e.conversation import Conversation
from tests.e2e.harness import wait_outbox_settled
from tests.e2e.staffed import Staffed, case_row, query, running, setup_staffed

pytestmark = pytest.mark.e2e

LEAK = "The washing machine I bought last week leaks water every time I start it. Please send a technician to repair it."
LEAK_AGAIN = "My washing machine still leaks water and nobody has come to repair it since my complaint. Please send the technician."
COURIER = "The courier was rude and left my parcel outside the building gate in the rain."


async def complain(
    talk: Conversation, statement: str, category: str = "Product quality", replies: int = 1, order: str = "skip"
) -> tuple[str, dict, list[dict]]:
    """Files a complaint in English; its number, the submitting update and the bot's answers to it."""
    first = await talk.send("/new", replies=2)
    await talk.press(first[-1], category)
    [progress] = await talk.send(statement)
    await talk.press(progress, "Done")
    await talk.send(order)
    await talk.send("skip", replies=2)
    await talk.send("confirm")
    await talk.send("refund")
    update = talk.user.send_text("submit")
    answers = await talk._replies(replies, 15)
    number = answers[0]["text"].split("filed as ")[1].split(".")[0]
    return number, update, answers


async def until(condition: Callable[[], bool], timeout: float = 30) -> None:
    """Until a condition on the database holds (the fake server is not told of those changes)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


def in_thread(desk: Staffed, number: str, text: str) -> list[dict[str, Any]]:
    """The group's messages containing `text` in the thread of case `number`."""
    case = case_row(desk, number)
    card_id = case["card_message_id"]
    return [
        m for m in desk.group_messages()
        if text in (m.get("text") or "")
        and (m.get("message_thread_id") == case["thread_id"] if desk.group.forum else (m.get("reply_to_message") or {}).get("message_id") == card_id)
    ]


def card(desk: Staffed, number: str) -> str:
    card_id = case_row(desk, number)["card_message_id"]
    return next(m["text"] for m in desk.group_messages() if m["message_id"] == card_id)


async def test_a_repeat_is_linked_and_handled_from_tier_2_and_a_different_matter_is_not(staffed: Staffed) -> None:
    desk, server = staffed, staffed.server
    customer = server.create_user(first_name="Cust", language_code="en")
    talk = Conversation(server, customer)
    first, _update, _answers = await complain(talk, LEAK)
    await until(lambda: case_row(desk, first)["card_message_id"] is not None)

    # A different matter: filed on its own, at tier 1, and nothing is said of the first.
    other, _update, _answers = await complain(talk, COURIER, category="Staff attitude")
    await wait_outbox_settled(desk.database_url)
    assert query(desk, "SELECT count(*) FROM related_cases") == [(0,)]
    assert (case_row(desk, other)["tier"], case_row(desk, first)["tier"]) == (1, 1)
    assert not [m for m in server.bot_messages(customer.chat_id) if "same matter" in (m.get("text") or "")]

    # The same matter again, worded differently, while the first is still open.
    repeat, _update, [submitted, told] = await complain(talk, LEAK_AGAIN, replies=2)
    assert submitted["text"].startswith(f"Thank you. Your complaint has been filed as {repeat}.")
    assert told["text"].startswith(f"We can see that {repeat} is about the same matter as your complaint {first}, which we have not answered yet.")
    assert "a senior colleague now handles them together" in told["text"]
    await wait_outbox_settled(desk.database_url)

    assert query(desk, "SELECT c.number, r.number, l.kind, l.reason FROM related_cases l JOIN cases c ON c.id = l.case_id JOIN cases r ON r.id = l.related_id") == [
        (repeat, first, "repeat", "statement")
    ]
    assert (case_row(desk, repeat)["tier"], case_row(desk, first)["tier"], case_row(desk, other)["tier"]) == (2, 2, 1)
    # The new thread names the earlier case and why, and calls tier 2; the earlier hears of the new.
    [notice] = in_thread(desk, repeat, "🔁 可能是重复投诉")
    assert f"客户的 {first}（" in notice["text"] and "陈述相似（相似度 " in notice["text"] and "重复投诉从第 2 级开始处理" in notice["text"]
    assert notice["text"].endswith(f"请接手处理：\n@{desk.supervisor.id}")
    [heard] = in_thread(desk, first, "🔁 客户就此事再次投诉")
    assert f"{repeat}，已与本案件关联" in heard["text"] and "该案件也已升至第 2 级。" in heard["text"]
    assert not in_thread(desk, other, "🔁")
    # Both cards show the link and the tier.
    assert f"🔁 重复投诉，先前案件 {first}：陈述相似" in card(desk, repeat) and "第 2 级" in card(desk, repeat)
    await server.wait_for(lambda: f"🔁 客户再次投诉：{repeat}" in card(desk, first) and "第 2 级" in card(desk, first))
    assert "🔁" not in card(desk, other)


async def test_a_kill_and_a_redelivered_update_link_and_tell_once_and_the_report_counts_it(fake_server, tmp_path) -> None:
    desk = setup_staffed(fake_server, tmp_path, forum=True)
    async with running(desk):
        server = desk.server
        customer = server.create_user(first_name="Cust", language_code="en")
        talk = Conversation(server, customer)
        first, _update, _answers = await complain(talk, LEAK)
        await until(lambda: case_row(desk, first)["card_message_id"] is not None)
        # The group stops answering: the repeat's card and notices stay pending when the bot dies.
        server.inject_fault("502", count=None, method="sendMessage", chat_id=desk.group_id)
        repeat, update, [_submitted, told] = await complain(talk, LEAK_AGAIN, replies=2)
        assert f"{repeat} is about the same matter as your complaint {first}" in told["text"]
        # Killed once the customer's answers are recorded as sent (one sent in the instant
        # before a kill, not yet recorded, would rightly go again).
        await until(lambda: query(desk, "SELECT count(*) FROM outbox WHERE chat_id = ? AND status = 'pending'", customer.chat_id) == [(0,)])
        assert query(desk, "SELECT count(*) FROM outbox WHERE chat_id = ? AND status = 'pending'", desk.group_id) != [(0,)]
        desk.bot.kill()
        server.clear_faults()
        server.deliver_twice(update)
        polls = sum(1 for call in server.calls if call[0] == "getUpdates")
        desk.bot.start()
        await server.wait_for(lambda: sum(1 for call in server.calls if call[0] == "getUpdates") > polls + 1, timeout=90)
        await wait_outbox_settled(desk.database_url, timeout=60)

        assert query(desk, "SELECT count(*) FROM related_cases") == [(1,)]
        assert query(desk, "SELECT action, count(*) FROM case_events WHERE action IN ('repeat_of', 'repeated') GROUP BY action ORDER BY action") == [
            ("repeat_of", 1), ("repeated", 1)
        ]
        assert query(desk, "SELECT count(*) FROM cases") == [(2,)]
        assert len(in_thread(desk, repeat, "🔁 可能是重复投诉")) == 1
        assert len(in_thread(desk, first, "🔁 客户就此事再次投诉")) == 1
        assert len([m for m in server.bot_messages(customer.chat_id) if "is about the same matter" in (m.get("text") or "")]) == 1

        # /report counts the repeat among the period's cases.
        cursor = len(desk.group_messages())
        desk.supervisor.send_text_in(desk.group, "/report")
        summary = await server.wait_for(
            lambda: next((m for m in desk.group_messages()[cursor:] if "📊 报告" in (m.get("text") or "")), None), timeout=90
        )
        assert "重复投诉：1 件（50%）" in summary["text"], summary["text"]

        # /export names the earlier case on the repeat's row and counts the repeat in the overview.
        cursor = len(desk.group_messages())
        desk.supervisor.send_text_in(desk.group, "/export")
        xlsx = await server.wait_for(
            lambda: next((m for m in desk.group_messages()[cursor:] if (m.get("document") or {}).get("file_name", "").endswith(".xlsx")), None),
            timeout=90,
        )
        book = load_workbook(io.BytesIO(server.files.get(xlsx["document"]["file_id"]).data))
        header, *rows = list(book["案件"].iter_rows(values_only=True))
        by_number = {row[0]: dict(zip(header, row)) for row in rows}
        assert set(by_number) == {first, repeat}
        assert by_number[repeat]["重复投诉的原案件"] == first and by_number[first]["重复投诉的原案件"] is None
        overview = {row[0]: row[1:] for row in book["概览"].iter_rows(min_row=2, values_only=True)}
        assert overview["重复投诉"] == (1, 0) and overview["重复投诉率（%）"] == (50.0, None)


async def test_an_order_number_given_by_two_other_customers_is_flagged_with_their_case_numbers(fake_server, tmp_path) -> None:
    desk = setup_staffed(fake_server, tmp_path, forum=False)
    async with running(desk):
        server = desk.server
        numbers = []
        for n, statement in enumerate((LEAK, "The washer from this order floods the bathroom.", "Water leaks from the new washing machine.")):
            customer = server.create_user(first_name=f"Buyer {n}", language_code="en")
            number, _update, _answers = await complain(Conversation(server, customer), statement, order="SO-20261101-0032" if n != 1 else "so-20261101-0032")
            numbers.append(number)
        await wait_outbox_settled(desk.database_url)

        [flag] = in_thread(desk, numbers[2], "🧩")
        assert flag["text"] == f"🧩 最近其他客户的 2 个案件中也出现了相同的订单号：{numbers[0]}, {numbers[1]}。可能是同一个问题（例如同一批次的产品有缺陷）。"
        assert "Buyer" not in flag["text"]
        assert f"🧩 其他客户的案件也有相同的订单号：{numbers[0]}, {numbers[1]}" in card(desk, numbers[2])
        # One other customer was not enough; and other customers' cases are not repeats.
        assert not in_thread(desk, numbers[1], "🧩")
        assert [case_row(desk, number)["tier"] for number in numbers] == [1, 1, 1]
