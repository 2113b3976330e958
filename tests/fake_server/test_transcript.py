"""Transcripts, cursors and waiting, plus the guard rails on what fake users can do."""
from __future__ import annotations

import asyncio

import pytest


async def test_transcript_has_both_directions_in_order(server, api) -> None:
    user = server.create_user()
    user.send_text("help")
    await api("sendMessage", chat_id=user.chat_id, text="how can I help?")
    user.send_text("refund")
    records = server.transcript(user.chat_id)
    assert [(r["_from_bot"], r.get("text")) for r in records] == [
        (False, "help"), (True, "how can I help?"), (False, "refund")]
    assert [r["message_id"] for r in records] == [1, 2, 3]
    assert records[0]["_sent_at"] <= records[1]["_sent_at"] <= records[2]["_sent_at"]
    assert records[1]["from"]["is_bot"] is True and records[1]["_edits"] == [] and records[1]["_deleted"] is False
    records[0]["text"] = "mutated"
    assert server.transcript(user.chat_id)[0]["text"] == "help"  # callers get copies


async def test_cursor_and_wait_for_messages(server, api) -> None:
    user = server.create_user()
    await api("sendMessage", chat_id=user.chat_id, text="one")
    cursor = server.cursor(user.chat_id)
    assert cursor == 1
    waiter = asyncio.create_task(server.wait_for_messages(user.chat_id, 2, after=cursor, timeout=5))
    await api("sendMessage", chat_id=user.chat_id, text="two")
    assert not waiter.done()
    await api("sendMessage", chat_id=user.chat_id, text="three")
    assert [m["text"] for m in await waiter] == ["two", "three"]
    # Deleting does not move cursors: they count every bot message ever sent.
    await api("deleteMessage", chat_id=user.chat_id, message_id=1)
    assert server.cursor(user.chat_id) == 3
    assert [m["text"] for m in server.bot_messages(user.chat_id)] == ["two", "three"]
    assert len(server.bot_messages(user.chat_id, include_deleted=True)) == 3


async def test_wait_for_messages_timeout_explains_what_happened(server, api) -> None:
    user = server.create_user()
    user.send_text("hello?")
    await api("sendMessage", chat_id=user.chat_id, text="only one")
    await api("sendMessage", chat_id=user.chat_id, text="<b>broken", parse_mode="HTML")
    with pytest.raises(TimeoutError) as error:
        await server.wait_for_messages(user.chat_id, 2, timeout=0.2)
    message = str(error.value)
    assert "got 1: ['only one']" in message and "'hello?'" in message
    assert "sendMessage -> 400: Bad Request: can't parse entities" in message


async def test_wait_for_wakes_on_state_changes(server, api) -> None:
    user = server.create_user()
    waiter = asyncio.create_task(server.wait_for(lambda: server.bot_messages(user.chat_id), timeout=5))
    await api("sendMessage", chat_id=user.chat_id, text="x")
    assert (await waiter)[0]["text"] == "x"
    calls = await server.wait_for_calls("sendmessage", 1)
    method, params, at, outcome = calls[0]
    assert (method, params["text"], outcome) == ("sendMessage", "x", "ok") and at > 0


async def test_press_button_requires_an_existing_button(server, api) -> None:
    user = server.create_user()
    _, sent = await api("sendMessage", chat_id=user.chat_id, text="?",
                        reply_markup={"inline_keyboard": [[{"text": "Yes", "callback_data": "y"},
                                                           {"text": "Docs", "url": "https://x.y"}]]})
    mid = sent["result"]["message_id"]
    with pytest.raises(LookupError, match=r"buttons: \[\('Yes', 'y'\)\]"):
        user.press_button(mid, "n")
    with pytest.raises(LookupError):
        user.press_button_text(mid, "Docs")  # URL buttons send no callback
    with pytest.raises(LookupError):
        user.press_button(999, "y")
    assert user.press_button_text(mid, "Yes")["callback_query"]["data"] == "y"


async def test_user_guard_rails(server) -> None:
    user, outsider = server.create_user(), server.create_user()
    group = server.create_group(title="G", members={user: "member"})
    with pytest.raises(PermissionError):
        outsider.send_text_in(group, "let me in")
    with pytest.raises(LookupError):
        user.send_text_in(group, "x", message_thread_id=3)
    with pytest.raises(LookupError):
        user.send_text("x", reply_to_message_id=42)
    with pytest.raises(LookupError):
        outsider.edit_message(1, "not mine", chat=group)
    assert user.send_text_in(group, "fine")["message"]["chat"]["id"] == group.id
    assert {user.id, outsider.id} == {u.id for u in server.users.values()} and user.id != outsider.id > 0


async def test_reply_keyboard_is_kept_privately(server, api) -> None:
    user = server.create_user()
    markup = {"keyboard": [["Yes", "No"]], "one_time_keyboard": True}
    await api("sendMessage", chat_id=user.chat_id, text="Sure?", reply_markup=markup)
    [message] = server.bot_messages(user.chat_id)
    assert message["_reply_markup"] == markup and "reply_markup" not in message
