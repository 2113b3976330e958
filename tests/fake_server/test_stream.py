"""What chat clients show: messages as Telegram HTML, and the event stream that carries their changes."""
from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest

from fake_telegram.html_check import parse_html
from fake_telegram.message_view import entities_to_html

ROUND_TRIPS = [
    "plain text",
    "<b>bold <i>and italic</i></b> then <u>under</u> <s>struck</s>",
    '<a href="https://example.com/?a=1&amp;b=&quot;2&quot;">a link</a> and <code>x &lt; y</code>',
    "😀 <b>after an emoji</b> 👍🏽 <tg-spoiler>hidden</tg-spoiler>",
    '<pre><code class="language-python">print("&lt;b&gt;")</code></pre>',
    "<blockquote>quoted\nlines</blockquote>tail",
]


@pytest.mark.parametrize("html", ROUND_TRIPS)
def test_entities_become_the_html_they_came_from(html: str) -> None:
    text, entities = parse_html(html)
    again = entities_to_html(text, entities)
    assert parse_html(again) == (text, entities)


def test_text_is_escaped_and_other_entities_stay_text() -> None:
    text = "<script>alert(1)</script> /start @someone #tag"
    entities = [{"type": "bot_command", "offset": 27, "length": 6}, {"type": "mention", "offset": 34, "length": 8},
                {"type": "bold", "offset": 0, "length": 8}]
    assert entities_to_html(text, entities) == "<b>&lt;script&gt;</b>alert(1)&lt;/script&gt; /start @someone #tag"


def test_an_entity_crossing_its_parents_end_is_clipped() -> None:
    entities = [{"type": "bold", "offset": 0, "length": 4}, {"type": "italic", "offset": 2, "length": 4}]
    assert entities_to_html("abcdef", entities) == "<b>ab<i>cd</i></b>ef"


class Events:
    """Reads server-sent events off a response: (event name or None, id, parsed data)."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.response = response

    async def next(self) -> tuple[str | None, str, dict[str, Any]]:
        name, event_id, data = None, "", ""
        while True:
            line = (await self.response.content.readline()).decode()
            if line in ("\n", ""):
                if data:
                    return name, event_id, json.loads(data)
                if line == "":
                    raise EOFError("the stream ended")
                continue
            field, _, value = line.rstrip("\n").partition(": ")
            if field == "event":
                name = value
            elif field == "id":
                event_id = value
            elif field == "data":
                data += value


async def open_stream(http: aiohttp.ClientSession, server, last_id: str | None = None) -> Events:
    headers = {"Last-Event-ID": last_id} if last_id else {}
    response = await http.get(f"{server.base_url}/control/stream", headers=headers,
                              timeout=aiohttp.ClientTimeout(total=30))
    assert response.headers["Content-Type"].startswith("text/event-stream")
    return Events(response)


async def test_the_stream_carries_new_edited_and_answered_messages(server, http, api) -> None:
    user = server.create_user(first_name="Li", language_code="zh-hans")
    events = await open_stream(http, server)
    _, first_id, first = await events.next()
    assert [chat["chat_id"] for chat in first["chats"]] == [user.chat_id] and first["messages"] == []
    assert first_id == f"0:{first['revision']}"

    user.send_command("/start")
    _, _, batch = await events.next()
    [typed] = batch["messages"]
    assert (typed["html"], typed["from"]["id"], typed["from"]["is_bot"]) == ("/start", user.id, False)

    _, sent = await api("sendMessage", chat_id=user.chat_id, parse_mode="HTML", text="<b>Hi</b> &lt;Li&gt;",
                        reply_markup={"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]})
    _, _, batch = await events.next()
    [shown] = batch["messages"]
    assert shown["html"] == "<b>Hi</b> &lt;Li&gt;"
    assert shown["buttons"] == [[{"text": "Go", "callback_data": "go"}]] and not shown["edited"]

    update = user.press_button(sent["result"]["message_id"], "go")
    await api("answerCallbackQuery", callback_query_id=update["callback_query"]["id"], text="Noted")
    await api("editMessageText", chat_id=user.chat_id, message_id=sent["result"]["message_id"], text="Bye")
    seen: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []
    while not any(m["edited"] for m in seen):
        _, _, batch = await events.next()
        seen += batch["messages"]
        answers += batch["answers"]
    edited = [m for m in seen if m["edited"]][-1]
    assert (edited["message_id"], edited["html"], "buttons" in edited) == (sent["result"]["message_id"], "Bye", False)
    assert {"user_id": user.id, "text": "Noted", "show_alert": False} in answers
    events.response.close()


async def test_a_reconnect_resumes_and_a_reset_starts_again(server, http, api) -> None:
    user = server.create_user(first_name="Li")
    user.send_text("one")
    events = await open_stream(http, server)
    _, last_id, first = await events.next()
    assert [m["html"] for m in first["messages"]] == ["one"]
    events.response.close()

    user.send_text("two")
    events = await open_stream(http, server, last_id)
    _, _, resumed = await events.next()
    assert [m["html"] for m in resumed["messages"]] == ["two"]

    server.reset()
    name, _, reset = await events.next()
    assert (name, reset) == ("reset", {"generation": 1})
    _, _, fresh = await events.next()
    assert fresh["generation"] == 1 and fresh["chats"] == [] and fresh["messages"] == []
    assert server.users == {} and server.calls == []
    events.response.close()


async def test_reply_keyboards_force_replies_and_files_are_shown(server, http, api) -> None:
    user = server.create_user(first_name="Li")
    group = server.create_group(title="Desk", forum=True, members={user: "member"})
    _, topic = await api("createForumTopic", chat_id=group.id, name="KS-1")
    thread = topic["result"]["message_thread_id"]
    await api("sendMessage", chat_id=user.chat_id, text="Your phone?",
              reply_markup={"keyboard": [[{"text": "Share", "request_contact": True}]], "one_time_keyboard": True})
    _, prompt = await api("sendMessage", chat_id=group.id, message_thread_id=thread, text="Why?",
                          reply_markup={"force_reply": True, "input_field_placeholder": "The reason"})
    user.send_text_in(group, "Because", reply_to_message_id=prompt["result"]["message_id"])
    photo = user.send_photo(data=b"\x89PNG fake bytes")

    events = await open_stream(http, server)
    _, _, batch = await events.next()
    views = {(m["chat_id"], m["message_id"]): m for m in batch["messages"]}
    [forum] = [chat for chat in batch["chats"] if chat["chat_id"] == group.id]
    assert forum["topics"] == [{"thread_id": thread, "name": "KS-1", "icon_color": 0x6FB9F0, "closed": False}]
    keyboard = next(m["keyboard"] for m in views.values() if m.get("html") == "Your phone?")
    assert keyboard["keyboard"] == [[{"text": "Share", "request_contact": True}]] and keyboard["one_time"]
    asked = views[(group.id, prompt["result"]["message_id"])]
    assert asked["keyboard"] == {"force_reply": True, "placeholder": "The reason"} and asked["thread_id"] == thread
    answer = next(m for m in views.values() if m.get("html") == "Because")
    assert answer["reply_to"]["message_id"] == prompt["result"]["message_id"] and answer["thread_id"] == thread
    assert views[(group.id, thread)]["service"] == {"kind": "forum_topic_created", "name": "KS-1", "icon_color": 0x6FB9F0}
    media = next(m["media"] for m in views.values() if "media" in m)
    assert media["file_id"] == photo["message"]["photo"][-1]["file_id"]
    async with http.get(f"{server.base_url}/control/files/{media['file_id']}") as response:
        assert (response.status, await response.read()) == (200, b"\x89PNG fake bytes")
    async with http.get(f"{server.base_url}/control/files/nope") as response:
        assert response.status == 404
    events.response.close()
