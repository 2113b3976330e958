"""The HTTP control API drives the same state as the Python API."""
from __future__ import annotations

import base64


async def control(http, server, path: str, body: dict | None = None):
    url = f"{server.base_url}/control/{path}"
    request = http.post(url, json=body or {}) if body is not None else http.get(url)
    async with request as response:
        return response.status, await response.json()


async def test_drive_a_conversation_over_http(server, http, api) -> None:
    _, created = await control(http, server, "create_user", {"first_name": "Li", "language_code": "zh-cn"})
    user_id = created["result"]["id"]
    assert created["result"]["chat_id"] == user_id
    _, update = await control(http, server, f"users/{user_id}/send_command", {"command": "/start"})
    assert update["result"]["message"]["text"] == "/start"
    _, fetched = await api("getUpdates")
    assert fetched["result"] == [update["result"]]

    await api("sendMessage", chat_id=user_id, text="Hi Li",
              reply_markup={"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]})
    _, waited = await control(http, server, "wait_for_messages", {"chat_id": user_id, "n": 1, "timeout": 5})
    assert waited["result"][0]["text"] == "Hi Li"
    _, pressed = await control(http, server, f"users/{user_id}/press_button",
                               {"message_id": waited["result"][0]["message_id"], "callback_data": "go"})
    assert pressed["result"]["callback_query"]["data"] == "go"
    _, photo = await control(http, server, f"users/{user_id}/send_photo",
                             {"data_base64": base64.b64encode(b"img").decode()})
    assert photo["ok"]

    _, transcript = await control(http, server, f"transcript/{user_id}")
    assert [r.get("text") for r in transcript["result"]] == ["/start", "Hi Li", None]
    _, cursor = await control(http, server, f"cursor/{user_id}")
    assert cursor["result"] == 1
    _, calls = await control(http, server, "calls?method=sendMessage")
    assert [c["outcome"] for c in calls["result"]] == ["ok"]


async def test_groups_faults_and_errors_over_http(server, http, api) -> None:
    _, user = await control(http, server, "create_user", {"first_name": "A"})
    uid = user["result"]["id"]
    _, group = await control(http, server, "create_group",
                             {"title": "Desk", "forum": True, "members": {str(uid): "administrator"}})
    chat_id = group["result"]["chat_id"]
    _, sent = await control(http, server, f"users/{uid}/send_text_in", {"group_id": chat_id, "text": "hi"})
    assert sent["result"]["message"]["chat"]["id"] == chat_id

    await control(http, server, "inject_fault", {"kind": "429", "method": "sendMessage", "retry_after": 5})
    status, body = await api("sendMessage", chat_id=chat_id, text="x")
    assert (status, body["parameters"]) == (429, {"retry_after": 5})

    await control(http, server, "inject_fault", {"kind": "404", "count": None, "method": "setMessageReaction"})
    for _ in range(2):
        assert (await api("setMessageReaction", chat_id=chat_id, message_id=1))[0] == 404
    await control(http, server, "clear_faults", {})
    await control(http, server, "set_reactions", {"chat_id": chat_id, "reactions": []})
    status, body = await api("setMessageReaction", chat_id=chat_id, message_id=1, reaction=[{"type": "emoji", "emoji": "👌"}])
    assert (status, body["description"]) == (400, "Bad Request: REACTION_INVALID")
    await control(http, server, "set_reactions", {"chat_id": chat_id, "reactions": None})
    assert (await api("setMessageReaction", chat_id=chat_id, message_id=1, reaction=[{"type": "emoji", "emoji": "👌"}]))[0] == 200

    status, body = await control(http, server, "users/999/send_text", {"text": "x"})
    assert status == 400 and "no user 999" in body["error"]
    status, body = await control(http, server, "wait_for_messages", {"chat_id": chat_id, "timeout": 0.1})
    assert status == 408 and not body["ok"]
    _, groups = await control(http, server, "groups")
    assert groups["result"][0]["members"] == {str(uid): "administrator"}
    await api("setMyCommands", commands=[{"command": "help", "description": "Help"}], language_code="en")
    _, commands = await control(http, server, "my_commands")
    assert commands["result"] == [{"scope": {"type": "default"}, "language_code": "en",
                                   "commands": [{"command": "help", "description": "Help"}]}]
