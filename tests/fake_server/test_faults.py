"""Injected faults look like Telegram's (or the network's) and clear after the requested count."""
from __future__ import annotations

import aiohttp
import pytest
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)

from .conftest import TOKEN


async def test_429_with_retry_after_then_recovers(server, api) -> None:
    user = server.create_user()
    server.inject_fault("429", count=2, method="sendMessage", retry_after=3)
    expected = (429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 3",
                      "parameters": {"retry_after": 3}})
    assert (await api("getMe"))[0] == 200  # other methods are unaffected
    assert await api("sendMessage", chat_id=user.chat_id, text="a") == expected
    assert await api("sendMessage", chat_id=user.chat_id, text="a") == expected
    assert (await api("sendMessage", chat_id=user.chat_id, text="a"))[0] == 200
    assert [m["text"] for m in server.bot_messages(user.chat_id)] == ["a"]
    outcomes = [c.outcome for c in server.calls if c.method == "sendMessage"]
    assert outcomes == ["429: Too Many Requests: retry after 3"] * 2 + ["ok"]


@pytest.mark.parametrize(("kind", "description"), [("500", "Internal Server Error"), ("502", "Bad Gateway")])
async def test_server_errors(server, api, kind: str, description: str) -> None:
    server.inject_fault(kind)
    code = int(kind)
    assert await api("getMe") == (code, {"ok": False, "error_code": code, "description": description})
    assert (await api("getMe"))[0] == 200


async def test_faults_without_method_spare_get_updates(server, api) -> None:
    server.inject_fault("500")
    assert (await api("getUpdates"))[0] == 200
    assert (await api("getMe"))[0] == 500
    server.inject_fault("500", method="getUpdates")
    assert (await api("getUpdates"))[0] == 500


async def test_drop_closes_the_connection(server, http) -> None:
    server.inject_fault("drop")
    with pytest.raises(aiohttp.ClientError):
        async with http.post(f"{server.base_url}/bot{TOKEN}/getMe", json={}) as response:
            await response.read()
    assert server.calls[-1].outcome == "drop"
    async with http.post(f"{server.base_url}/bot{TOKEN}/getMe", json={}) as response:
        assert response.status == 200


async def test_timeout_holds_the_request_until_the_client_gives_up(server, http) -> None:
    server.inject_fault("timeout", method="getMe")
    with pytest.raises(TimeoutError):
        async with http.post(f"{server.base_url}/bot{TOKEN}/getMe", json={},
                             timeout=aiohttp.ClientTimeout(total=0.5)) as response:
            await response.read()
    assert server.calls[-1].outcome == "timeout"
    async with http.post(f"{server.base_url}/bot{TOKEN}/getMe", json={}) as response:
        assert response.status == 200


async def test_faults_as_seen_by_aiogram(server, aiogram_bot) -> None:
    user = server.create_user()
    server.inject_fault("429", method="sendMessage", retry_after=2)
    with pytest.raises(TelegramRetryAfter) as retry:
        await aiogram_bot.send_message(user.chat_id, "x")
    assert retry.value.retry_after == 2
    server.inject_fault("502")
    with pytest.raises(TelegramServerError):
        await aiogram_bot.send_message(user.chat_id, "x")
    server.inject_fault("drop")
    with pytest.raises(TelegramNetworkError):
        await aiogram_bot.send_message(user.chat_id, "x")
    server.inject_fault("timeout")
    with pytest.raises(TelegramNetworkError):
        await aiogram_bot.send_message(user.chat_id, "x", request_timeout=1)
    server.set_unauthorized(True)
    with pytest.raises(TelegramUnauthorizedError):
        await aiogram_bot.get_me()
    server.set_unauthorized(False)
    assert (await aiogram_bot.send_message(user.chat_id, "finally")).text == "finally"


async def test_unknown_fault_kind_is_rejected(server) -> None:
    with pytest.raises(ValueError):
        server.inject_fault("418")
    with pytest.raises(ValueError):
        server.inject_fault("400")  # a Bad Request always says what was wrong
    with pytest.raises(ValueError):
        server.inject_fault("500", count=0)


async def test_a_persistent_fault_lasts_until_cleared(server, api) -> None:
    user = server.create_user()
    server.inject_fault("503", count=None, method="sendMessage")
    for _ in range(5):
        assert await api("sendMessage", chat_id=user.chat_id, text="x") == (
            503, {"ok": False, "error_code": 503, "description": "Service Unavailable"})
    assert (await api("getMe"))[0] == 200
    server.clear_faults()
    assert (await api("sendMessage", chat_id=user.chat_id, text="x"))[0] == 200


async def test_a_fault_may_hold_only_one_chat_or_one_thread(server, api) -> None:
    one, other = server.create_user(), server.create_user()
    forum = server.create_group(title="Desk", forum=True)
    _, first = await api("createForumTopic", chat_id=forum.id, name="A")
    _, second = await api("createForumTopic", chat_id=forum.id, name="B")
    broken, fine = first["result"]["message_thread_id"], second["result"]["message_thread_id"]
    server.inject_fault("500", count=None, chat_id=one.chat_id)
    server.inject_fault("502", count=None, method="sendMessage", chat_id=forum.id, message_thread_id=broken)
    assert (await api("sendMessage", chat_id=one.chat_id, text="x"))[0] == 500
    assert (await api("sendMessage", chat_id=other.chat_id, text="x"))[0] == 200
    assert (await api("sendMessage", chat_id=forum.id, text="x", message_thread_id=broken))[0] == 502
    assert (await api("sendMessage", chat_id=forum.id, text="x", message_thread_id=fine))[0] == 200
    assert (await api("sendMessage", chat_id=forum.id, text="x"))[0] == 200  # the general topic
    assert [m["message_thread_id"] for m in server.bot_messages(forum.id) if "message_thread_id" in m] == [fine]


async def test_client_errors_carry_the_bot_apis_bodies(server, api) -> None:
    user = server.create_user()
    server.inject_fault("404", count=None, method="setMessageReaction")
    server.inject_fault("400", method="sendMessage", description="REACTION_INVALID")
    server.inject_fault("403", method="sendMessage")
    not_found = (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    assert await api("setMessageReaction", chat_id=user.chat_id, message_id=1) == not_found
    assert await api("setMessageReaction", chat_id=user.chat_id, message_id=1) == not_found
    assert await api("sendMessage", chat_id=user.chat_id, text="x") == (
        400, {"ok": False, "error_code": 400, "description": "Bad Request: REACTION_INVALID"})
    assert await api("sendMessage", chat_id=user.chat_id, text="x") == (
        403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"})
    assert (await api("sendMessage", chat_id=user.chat_id, text="x"))[0] == 200


async def test_client_errors_as_seen_by_aiogram(server, aiogram_bot) -> None:
    user = server.create_user()
    sent = await aiogram_bot.send_message(user.chat_id, "x")
    server.inject_fault("404", method="editMessageText")
    with pytest.raises(TelegramNotFound) as not_found:
        await aiogram_bot.edit_message_text("y", chat_id=user.chat_id, message_id=sent.message_id)
    assert not_found.value.message == "Not Found"
    server.inject_fault("400", method="sendMessage", description="message thread not found")
    with pytest.raises(TelegramBadRequest) as bad:
        await aiogram_bot.send_message(user.chat_id, "x")
    assert bad.value.message == "Bad Request: message thread not found"
    server.inject_fault("403", method="sendMessage", description="bot was kicked from the supergroup chat")
    with pytest.raises(TelegramForbiddenError):
        await aiogram_bot.send_message(user.chat_id, "x")
