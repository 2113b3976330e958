"""Webhook delivery: updates POSTed with the secret header, confirmed by a 2xx answer,
delivered again after anything else, one chat at a time, round robin over several URLs."""
from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

from fake_telegram import FakeTelegramServer
from fake_telegram.webhooks import SECRET_HEADER


@dataclass
class Receiver:
    """A webhook endpoint that records what it gets and answers with `statuses` in turn (then 200)."""

    statuses: list[int] = field(default_factory=list)
    received: list[tuple[dict[str, Any], str | None]] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((await request.json(), request.headers.get(SECRET_HEADER)))
        return web.Response(status=self.statuses.pop(0) if self.statuses else 200)


@pytest.fixture
async def receivers() -> AsyncIterator[list[Receiver]]:
    made: list[Receiver] = []
    runners: list[web.AppRunner] = []

    async def make() -> Receiver:
        receiver = Receiver()
        app = web.Application()
        app.router.add_post("/hook", receiver.handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        receiver.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
        runners.append(runner)
        made.append(receiver)
        return receiver

    await make()
    await make()
    yield made
    for runner in runners:
        await runner.cleanup()


async def test_updates_arrive_with_the_secret_and_leave_the_queue_once_answered(server: FakeTelegramServer, api, receivers) -> None:
    receiver = receivers[0]
    status, body = await api("setWebhook", url=receiver.url, secret_token="s3cret_-X", max_connections=5)
    assert (status, body["result"]) == (200, True)
    user = server.create_user()
    first, second = user.send_text("one"), user.send_text("two")
    await server.wait_for(lambda: len(receiver.received) == 2 and not server.pending_updates())
    assert receiver.received == [(first, "s3cret_-X"), (second, "s3cret_-X")]
    _, info = await api("getWebhookInfo")
    assert info["result"]["url"] == receiver.url and info["result"]["pending_update_count"] == 0


async def test_an_update_not_answered_with_2xx_comes_again_and_holds_back_its_chat(server: FakeTelegramServer, api, receivers) -> None:
    receiver = receivers[0]
    receiver.statuses = [500, 401]
    await api("setWebhook", url=receiver.url, secret_token="abc")
    server.bot.webhook.retry_seconds = 0.1
    user = server.create_user()
    first, second = user.send_text("one"), user.send_text("two")
    await server.wait_for(lambda: len(receiver.received) == 4, timeout=10)
    # The first failed twice; the chat's second update waited for it to be confirmed.
    assert [update for update, _ in receiver.received] == [first, first, first, second]
    _, info = await api("getWebhookInfo")
    assert "401" in info["result"]["last_error_message"]


async def test_several_urls_take_turns(server: FakeTelegramServer, api, receivers) -> None:
    await api("setWebhook", url=receivers[0].url)
    server.bot.webhook.set_targets([r.url for r in receivers])
    users = [server.create_user() for _ in range(4)]
    for user in users:
        user.send_text("hello")
    await server.wait_for(lambda: sum(len(r.received) for r in receivers) == 4)
    assert [len(r.received) for r in receivers] == [2, 2]
    assert all(secret is None for r in receivers for _, secret in r.received)


async def test_setting_the_same_url_again_keeps_the_targets(server: FakeTelegramServer, api, receivers) -> None:
    # Each instance behind one load balancer calls setWebhook with the one public URL as it starts.
    await api("setWebhook", url=receivers[0].url, secret_token="old")
    delivery = server.bot.webhook
    delivery.set_targets([r.url for r in receivers])
    await api("setWebhook", url=receivers[0].url, secret_token="new", max_connections=7)
    assert server.bot.webhook is delivery and delivery.targets == [r.url for r in receivers]
    assert (delivery.secret, delivery.max_connections) == ("new", 7)
    for user in [server.create_user() for _ in range(2)]:
        user.send_text("hello")
    await server.wait_for(lambda: sum(len(r.received) for r in receivers) == 2)
    assert [len(r.received) for r in receivers] == [1, 1]
    await api("setWebhook", url=receivers[1].url)
    assert server.bot.webhook is not delivery and server.bot.webhook.targets == [receivers[1].url]


async def test_polling_is_refused_while_a_webhook_is_set_and_allowed_after_deleting_it(server: FakeTelegramServer, api, receivers) -> None:
    await api("setWebhook", url=receivers[0].url)
    status, body = await api("getUpdates")
    assert status == 409 and "webhook is active" in body["description"]
    await api("deleteWebhook")
    user = server.create_user()
    update = user.send_text("after")
    status, body = await api("getUpdates")
    assert (status, body["result"]) == (200, [update])
    assert receivers[0].received == []


async def test_a_secret_with_characters_telegram_refuses_is_a_bad_request(api, receivers) -> None:
    status, body = await api("setWebhook", url=receivers[0].url, secret_token="not allowed!")
    assert status == 400 and "secret token contains unallowed characters" in body["description"]
