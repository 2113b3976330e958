"""Webhook mode through the real process: the fake server POSTs updates to the bot, which
answers each only after handling it; a wrong secret is refused; a killed bot gets the
updates it missed once it is back, and answers each exactly once."""
from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from fake_telegram import FakeTelegramServer
from tests.e2e.harness import BotProcess, bot_env, free_port, wait_outbox_settled

SECRET = "webhook-secret_1"


@pytest.fixture
async def hooked(fake_server: FakeTelegramServer, tmp_path: Path) -> AsyncIterator[tuple[BotProcess, str]]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/updates"
    env = bot_env(
        fake_server.base_url, f"sqlite+aiosqlite:///{tmp_path / 'kesu.db'}",
        WEBHOOK_URL=url, WEBHOOK_SECRET=SECRET, WEBHOOK_PORT=str(port), WEBHOOK_MAX_CONNECTIONS="10",
    )
    bot = BotProcess(tmp_path, env)
    bot.start()
    try:
        await fake_server.wait_for(lambda: fake_server.bot.webhook is not None, timeout=90)
        fake_server.bot.webhook.retry_seconds = 0.2
        yield bot, url
    finally:
        if bot.process and bot.process.poll() is None:
            await bot.stop_async()


def getupdates_calls(server: FakeTelegramServer) -> int:
    return sum(1 for call in server.calls if call[0] == "getUpdates")


async def test_updates_come_by_webhook_and_are_answered_once(fake_server: FakeTelegramServer, hooked) -> None:
    bot, url = hooked
    [set_call] = [c for c in fake_server.calls if c[0] == "setWebhook"]
    assert set_call.params["url"] == url and set_call.params["secret_token"] == SECRET
    assert int(set_call.params["max_connections"]) == 10 and "callback_query" in set_call.params["allowed_updates"]
    customer = fake_server.create_user(first_name="Mei", language_code="zh-hans")
    update = customer.send_command("/help")
    [reply] = await fake_server.wait_for_messages(customer.id, 1, timeout=30)
    assert "/new" in reply["text"]
    # The duplicate Telegram sends after a lost answer is taken once.
    fake_server.deliver_twice(update)
    await fake_server.wait_for(lambda: not fake_server.pending_updates(), timeout=30)
    customer.send_command("/status")
    await fake_server.wait_for_messages(customer.id, 2, timeout=30)
    assert len(fake_server.bot_messages(customer.id)) == 2
    assert getupdates_calls(fake_server) == 0
    assert all(a.confirmed for a in fake_server.bot.webhook.attempts)
    done = [r["step"] for r in bot.log_records() if r.get("msg") == "start-up step done"]
    assert done[-2:] == ["command-menus", "webhook-serving"] and "first-getupdates" not in done


async def test_a_wrong_or_missing_secret_is_refused_and_logged(fake_server: FakeTelegramServer, hooked) -> None:
    bot, url = hooked
    customer = fake_server.create_user(first_name="Ann", language_code="en")
    forged = {"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": {"id": customer.id, "type": "private"},
                                          "from": {"id": customer.id, "is_bot": False, "first_name": "Ann"}, "text": "/help"}}
    async with aiohttp.ClientSession() as http:
        for headers in ({"X-Telegram-Bot-Api-Secret-Token": "guess"}, {}):
            async with http.post(url, json=forged, headers=headers) as response:
                assert response.status == 401
        async with http.get(url.rsplit("/", 2)[0] + "/healthz") as response:
            assert response.status == 200 and (await response.json())["ok"] is True
    refused = await bot.wait_for_log(lambda r: r.get("msg") == "webhook request refused: wrong or missing secret token", count=2)
    assert len(refused) == 2
    assert fake_server.bot_messages(customer.id) == []


async def test_updates_sent_while_the_bot_was_down_arrive_once_it_is_back(fake_server: FakeTelegramServer, hooked) -> None:
    bot, _url = hooked
    customer = fake_server.create_user(first_name="Bo", language_code="en")
    customer.send_command("/help")
    await fake_server.wait_for_messages(customer.id, 1, timeout=30)
    # Killed once the reply is recorded as sent (a reply not yet recorded would go again).
    await wait_outbox_settled(bot.env["DATABASE_URL"])
    bot.kill()
    attempts_before = len(fake_server.bot.webhook.attempts)
    customer.send_command("/status")
    # Telegram keeps trying while nobody answers.
    await fake_server.wait_for(lambda: len(fake_server.bot.webhook.attempts) > attempts_before + 1, timeout=30)
    assert not fake_server.bot.webhook.attempts[-1].confirmed
    bot.start()
    await fake_server.wait_for_messages(customer.id, 2, timeout=90)
    await fake_server.wait_for(lambda: not fake_server.pending_updates(), timeout=30)
    assert len(fake_server.bot_messages(customer.id)) == 2
