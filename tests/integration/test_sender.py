"""The outbox sender against the fake Bot API: splitting, retries, final errors, resume."""
from __future__ import annotations

import pytest

from core.intents import AnswerCallback, Button, Phrase, SendMessage
from tests.integration.sender_harness import Harness


async def test_a_text_over_4096_characters_arrives_whole_in_parts(harness: Harness) -> None:
    user = harness.server.create_user(first_name="Long", language_code="en")
    statement = "。".join(f"第{n}句，这是一段很长的投诉内容<和符号&>" for n in range(400))
    await harness.emit(
        SendMessage(user.chat_id, "en", Phrase("start.greeting", name=statement), ((Button(Phrase("start.button.language"), "lang:menu"),),))
    )
    states = await harness.wait_settled()
    parts = harness.server.bot_messages(user.chat_id)
    assert len(parts) >= 2 and states == [("sent", None, len(parts))]
    assert all(len(p["text"]) <= 4096 for p in parts)
    joined = "".join(p["text"] for p in parts).replace("\n", "")
    assert statement.replace("\n", "") in joined  # nothing lost, escaped text arrives as typed
    assert "reply_markup" in parts[-1] and all("reply_markup" not in p for p in parts[:-1])


async def test_blocked_user_is_final_and_recorded(harness: Harness) -> None:
    user = harness.server.create_user(first_name="Gone", language_code="en")
    user.block_bot()
    await harness.emit(SendMessage(user.chat_id, "en", Phrase("help.text")))
    [(status, error, _)] = await harness.wait_settled()
    assert status == "failed" and error.startswith("blocked:")
    assert len([c for c in harness.server.calls if c[0] == "sendMessage"]) == 1  # not retried


async def test_unknown_chat_is_final_and_recorded(harness: Harness) -> None:
    await harness.emit(SendMessage(987654321, "en", Phrase("help.text")))
    [(status, error, _)] = await harness.wait_settled()
    assert status == "failed" and error.startswith("chat_not_found")


@pytest.mark.parametrize("fault", ["500", "502", "drop", "timeout"])
async def test_server_and_network_errors_are_retried(harness: Harness, fault: str) -> None:
    user = harness.server.create_user(first_name="Retry", language_code="en")
    harness.server.inject_fault(fault, count=2, method="sendMessage")
    await harness.emit(SendMessage(user.chat_id, "en", Phrase("help.text")), SendMessage(user.chat_id, "en", Phrase("fallback.unknown")))
    states = await harness.wait_settled(timeout=30)
    assert [s for s, _, _ in states] == ["sent", "sent"]
    texts = [m["text"] for m in harness.server.bot_messages(user.chat_id)]
    assert [t.split("\n")[0] for t in texts] == ["What I can do", "Sorry, I did not understand that. Send /help to see what I can do."]


async def test_retries_give_up_after_the_configured_attempts(harness: Harness) -> None:
    user = harness.server.create_user(first_name="Down", language_code="en")
    harness.server.inject_fault("500", count=10, method="sendMessage")
    await harness.emit(SendMessage(user.chat_id, "en", Phrase("help.text")))
    [(status, error, _)] = await harness.wait_settled()
    assert status == "failed" and error.startswith("gave up after 3 attempts")
    assert len([c for c in harness.server.calls if c[0] == "sendMessage"]) == 3


async def test_429_waits_retry_after_for_that_chat(harness: Harness) -> None:
    slow, other = (harness.server.create_user(first_name=n, language_code="en") for n in ("Slow", "Other"))
    harness.server.inject_fault("429", count=1, method="sendMessage", retry_after=1)
    await harness.emit(SendMessage(slow.chat_id, "en", Phrase("help.text")), SendMessage(slow.chat_id, "en", Phrase("help.text")))
    await harness.server.wait_for(lambda: any(str(c[3]).startswith("429") for c in harness.server.calls))
    await harness.emit(SendMessage(other.chat_id, "en", Phrase("help.text")))
    await harness.wait_settled()
    refused_at = next(c[2] for c in harness.server.calls if str(c[3]).startswith("429"))
    slow_times = [m["_sent_at"] for m in harness.server.bot_messages(slow.chat_id)]
    assert len(slow_times) == 2 and min(slow_times) >= refused_at + 1.0
    # the other chat was not held back by the first chat's 429
    assert harness.server.bot_messages(other.chat_id)[0]["_sent_at"] < min(slow_times)


async def test_a_half_sent_long_message_resumes_with_the_missing_parts(harness: Harness) -> None:
    import re

    user = harness.server.create_user(first_name="Half", language_code="en")
    statement = "\n".join("line %d %s" % (n, "x" * 80) for n in range(120))  # about 10,000 characters
    harness.server.inject_fault("500", count=1, method="sendMessage")
    # As after a crash: the first part went out and was recorded, the rest did not.
    async with harness.uow_factory() as uow:
        row = uow.outbox.add(SendMessage(user.chat_id, "en", Phrase("start.greeting", name=statement)), uow.clock.now())
        row.parts_sent, row.sent_message_ids = 1, [1]
        await uow.commit()
    harness.sender.wake()
    [(status, _, parts_sent)] = await harness.wait_settled(timeout=30)
    messages = harness.server.bot_messages(user.chat_id)
    assert status == "sent" and parts_sent == len(messages) + 1 >= 3
    numbers = [int(n) for m in messages for n in re.findall(r"line (\d+) ", m["text"])]
    assert numbers[-1] == 119 and numbers == list(range(numbers[0], 120)) and numbers[0] > 0
    assert "Hello" not in messages[0]["text"]  # the first part was not sent again


async def test_callback_answers_go_out_with_plain_text(harness: Harness) -> None:
    user = harness.server.create_user(first_name="Btn", language_code="zh-cn")
    await harness.emit(SendMessage(user.chat_id, "zh_Hans", Phrase("start.greeting", name="Btn"), ((Button(Phrase("start.button.language"), "lang:menu"),),)))
    [greeting] = await harness.server.wait_for_messages(user.chat_id, 1)
    update = user.press_button(greeting["message_id"], "lang:menu")
    await harness.emit(AnswerCallback(user.chat_id, "zh_Hans", update["callback_query"]["id"], Phrase("button.expired")))
    await harness.wait_settled()
    assert harness.server.callback_answers[-1]["text"] == "这个按钮已失效，请使用最新的消息。"
