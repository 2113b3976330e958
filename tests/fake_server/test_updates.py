"""getUpdates semantics: long polling, confirmation by offset, re-delivery, conflicts and filters."""
from __future__ import annotations

import asyncio
import time

from fake_telegram import FakeTelegramServer


async def fetch(api, **params):
    status, body = await api("getUpdates", **params)
    assert status == 200, body
    return body["result"]


def pending_polls(server: FakeTelegramServer) -> int:
    return sum(1 for c in server.calls if c.method == "getUpdates" and c.outcome == "pending")


async def test_long_poll_returns_as_soon_as_an_update_arrives(server, api) -> None:
    user = server.create_user()
    poll = asyncio.create_task(api("getUpdates", timeout=30))
    await server.wait_for(lambda: pending_polls(server) == 1)
    started = time.monotonic()
    update = user.send_text("hi")
    status, body = await asyncio.wait_for(poll, 5)
    assert (status, body["result"]) == (200, [update])
    assert time.monotonic() - started < 2


async def test_empty_poll_honours_the_timeout(server, api) -> None:
    assert await fetch(api, timeout=0) == []
    started = time.monotonic()
    assert await fetch(api, timeout=1) == []
    assert 0.9 <= time.monotonic() - started < 5


async def test_unconfirmed_updates_are_redelivered_until_offset_passes_them(server, api) -> None:
    user = server.create_user()
    first, second = user.send_text("a"), user.send_text("b")
    assert await fetch(api) == [first, second]
    assert await fetch(api) == [first, second]  # not confirmed yet
    assert await fetch(api, offset=first["update_id"] + 1) == [second]
    assert await fetch(api, limit=1) == [second]
    assert await fetch(api, offset=second["update_id"] + 1) == []
    assert second["update_id"] == first["update_id"] + 1


async def test_negative_offset_keeps_only_the_last_updates(server, api) -> None:
    user = server.create_user()
    updates = [user.send_text(str(n)) for n in range(3)]
    assert await fetch(api, offset=-1) == updates[-1:]
    assert await fetch(api) == updates[-1:]


async def test_second_poll_terminates_the_first_with_409(server, api) -> None:
    user = server.create_user()
    first = asyncio.create_task(api("getUpdates", timeout=30))
    await server.wait_for(lambda: pending_polls(server) == 1)
    second = asyncio.create_task(api("getUpdates", timeout=30))
    status, body = await asyncio.wait_for(first, 5)
    assert (status, body) == (409, {
        "ok": False, "error_code": 409,
        "description": "Conflict: terminated by other getUpdates request; make sure that only one bot instance is "
                       "running"})
    assert not second.done()
    update = user.send_text("hi")
    assert (await asyncio.wait_for(second, 5))[1]["result"] == [update]


async def test_deliver_twice_repeats_a_confirmed_update(server, api) -> None:
    user = server.create_user()
    update = user.send_text("once")
    assert await fetch(api) == [update]
    assert await fetch(api, offset=update["update_id"] + 1) == []
    server.deliver_twice(update)
    later = user.send_text("later")
    # The repeat keeps its update_id and comes before newer updates, as Telegram orders by id.
    assert await fetch(api, offset=update["update_id"] + 1) == [update, later]
    assert await fetch(api, offset=later["update_id"] + 1) == []


async def test_allowed_updates_filter_and_persist(server, api) -> None:
    user = server.create_user()
    user.send_text("dropped")
    assert await fetch(api, allowed_updates=["callback_query"]) == []
    assert server.pending_updates() == []  # Telegram never stores unwanted kinds
    user.send_text("still filtered")
    assert await fetch(api) == []
    update = user.send_text("wanted again")
    assert await fetch(api, allowed_updates=[]) == [update]  # empty list resets to the default set


async def test_webhook_blocks_polling_and_drop_pending_updates(server, api) -> None:
    user = server.create_user()
    user.send_text("old")
    assert (await api("setWebhook", url="https://example.com/hook"))[0] == 200
    status, body = await api("getUpdates")
    assert status == 409 and body["description"].startswith("Conflict: can't use getUpdates method while webhook")
    assert (await api("getWebhookInfo"))[1]["result"]["pending_update_count"] == 1
    assert (await api("deleteWebhook", drop_pending_updates=True))[0] == 200
    assert await fetch(api) == []


async def test_stopping_the_server_ends_pending_polls(server, api) -> None:
    poll = asyncio.create_task(api("getUpdates", timeout=30))
    await server.wait_for(lambda: pending_polls(server) == 1)
    await server.stop()
    assert (await asyncio.wait_for(poll, 5))[1]["result"] == []


async def test_wait_until_delivered(server, api) -> None:
    user = server.create_user()
    update = user.send_text("hi")
    waiter = asyncio.create_task(server.wait_until_delivered(timeout=5))
    assert await fetch(api) == [update]
    assert not waiter.done()
    await fetch(api, offset=update["update_id"] + 1)
    await waiter


async def test_second_bot_has_its_own_queue(server, api) -> None:
    other = server.add_bot("654321:OTHER", "other_bot")
    user = server.create_user()
    mine = user.send_text("for kesu")
    theirs = user.send_text("for other", bot="other_bot")
    assert await fetch(api) == [mine]
    status, body = await api("getUpdates", _token=other.token)
    assert body["result"] == [theirs]
    _, me = await api("getMe", _token=other.token)
    assert me["result"]["username"] == "other_bot" and me["result"]["id"] == 654321


async def test_restart_on_the_same_port_keeps_state(server, api) -> None:
    user = server.create_user()
    update = user.send_text("queued during the outage")
    port = server.port
    await server.stop()
    await server.start(port=port)
    assert server.base_url == f"http://127.0.0.1:{port}"
    assert await fetch(api) == [update]
