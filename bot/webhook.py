"""Webhook mode: Telegram POSTs each update to WEBHOOK_URL instead of the bot polling.

An update is answered only after it was handled, that is after its transaction committed
(bot/middlewares/transaction.py). aiogram's own webhook handler answers at once and handles
the update in the background (handle_in_background=True): a crash then loses an update
Telegram believes delivered. Answering late costs a connection held per update in
progress, which max_connections bounds; a crash or a timeout makes Telegram deliver the
update again, and the stored update ids turn the repeat into a no-op.

A request without the secret header set with setWebhook, or with a wrong one, is refused
with 401 (compared in constant time) and logged. One chat's updates are handled in the
order they arrive; other chats run concurrently. GET /healthz answers 200 while the bot
serves.
"""
from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections import defaultdict
from typing import Awaitable, Callable
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.types import Update
from aiohttp import web

from bot.polling import ALLOWED_UPDATES, chat_key

log = logging.getLogger("kesu.webhook")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
HEALTH_PATH = "/healthz"


class ChatQueues:
    """One lock per chat with someone waiting on it: a chat's updates run one at a time,
    in arrival order (asyncio locks are fair), and idle chats cost nothing."""

    def __init__(self) -> None:
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = defaultdict(int)

    async def run(self, chat: int, work: Callable[[], Awaitable[None]]) -> None:
        lock = self._locks.setdefault(chat, asyncio.Lock())
        self._waiting[chat] += 1
        try:
            async with lock:
                await work()
        finally:
            self._waiting[chat] -= 1
            if not self._waiting[chat]:
                del self._waiting[chat], self._locks[chat]


def secret_matches(given: str | None, secret: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), secret.encode())


def webhook_app(dispatcher: Dispatcher, bot: Bot, path: str, secret: str) -> web.Application:
    queues = ChatQueues()

    async def receive(request: web.Request) -> web.Response:
        if not secret_matches(request.headers.get(SECRET_HEADER), secret):
            log.warning("webhook request refused: wrong or missing secret token", extra={"peer": request.remote})
            return web.Response(status=401)
        try:
            update = Update.model_validate(await request.json(loads=json.loads), context={"bot": bot})
        except Exception as error:
            log.warning("webhook request refused: not an update", extra={"error": f"{type(error).__name__}: {error}"})
            return web.Response(status=400)

        async def handle() -> None:
            try:
                await dispatcher.feed_update(bot, update)
            except Exception:
                # Like polling: an update its handler could not take is logged, not re-delivered forever.
                log.exception("update escaped its handler", extra={"update_id": update.update_id})

        await queues.run(chat_key(update), handle)
        return web.Response()

    async def health(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "bot": bot.id})

    app = web.Application()
    app.router.add_post(path, receive)
    app.router.add_get(HEALTH_PATH, health)
    return app


async def serve_webhook(
    dispatcher: Dispatcher,
    bot: Bot,
    stop: asyncio.Event,
    url: str,
    secret: str,
    host: str,
    port: int,
    max_connections: int,
    on_serving: Callable[[], None],
) -> None:
    """Listen, tell Telegram where to deliver, and serve until `stop`. The webhook stays
    set on the way out: another instance may be serving it (a rolling deploy)."""
    path = urlsplit(url).path or "/"
    runner = web.AppRunner(webhook_app(dispatcher, bot, path, secret), access_log=None, shutdown_timeout=10.0)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        await bot.set_webhook(
            url, secret_token=secret, max_connections=max_connections, allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False
        )
        log.info("serving the webhook", extra={"url": url, "listen": f"{host}:{port}", "max_connections": max_connections})
        on_serving()
        await stop.wait()
    finally:
        # Requests being handled are finished (up to shutdown_timeout) before the database closes.
        await runner.cleanup()
