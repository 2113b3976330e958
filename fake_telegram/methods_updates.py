"""getMe, getUpdates long polling and webhook settings."""
from __future__ import annotations

import asyncio
import copy
from typing import Any

from .errors import conflict_polling, conflict_webhook
from .registry import Ctx, method


@method("getMe")
async def get_me(ctx: Ctx) -> dict[str, Any]:
    return ctx.bot.get_me()


@method("logOut", "close")
async def log_out(ctx: Ctx) -> bool:
    return True


def _take(ctx: Ctx, limit: int) -> list[dict[str, Any]]:
    bot = ctx.bot
    # Telegram never stores updates of kinds the bot did not ask for.
    bot.queue = [q for q in bot.queue if bot.wants(q.kind)]
    batch = bot.queue[:limit]
    for queued in batch:
        queued.delivered = True
    return [copy.deepcopy(q.update) for q in batch]


@method("getUpdates")
async def get_updates(ctx: Ctx) -> list[dict[str, Any]]:
    bot, p, server = ctx.bot, ctx.p, ctx.server
    if bot.webhook_url:
        raise conflict_webhook()
    allowed = p.json("allowed_updates")
    if allowed is not None:
        bot.allowed_updates = list(allowed)
    bot.confirm(p.int("offset", 0) or 0)
    limit = min(max(p.int("limit", 100) or 100, 1), 100)
    timeout = max(0.0, float(p.raw.get("timeout") or 0))
    # Like Telegram, a newer request terminates the pending one, which then gets 409.
    me = object()
    bot.poll_owner = me
    server.notify()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    try:
        while True:
            if bot.poll_owner is not me:
                raise conflict_polling()
            batch = _take(ctx, limit)
            remaining = deadline - loop.time()
            if batch or server.closing or remaining <= 0:
                return batch
            await server.changed(remaining)
    finally:
        if bot.poll_owner is me:
            bot.poll_owner = None


@method("setWebhook")
async def set_webhook(ctx: Ctx) -> bool:
    ctx.bot.webhook_url = ctx.p.str("url") or ""
    if ctx.p.bool("drop_pending_updates"):
        ctx.bot.queue.clear()
    ctx.server.notify()
    return True


@method("deleteWebhook")
async def delete_webhook(ctx: Ctx) -> bool:
    ctx.bot.webhook_url = ""
    if ctx.p.bool("drop_pending_updates"):
        ctx.bot.queue.clear()
    ctx.server.notify()
    return True


@method("getWebhookInfo")
async def get_webhook_info(ctx: Ctx) -> dict[str, Any]:
    return {"url": ctx.bot.webhook_url, "has_custom_certificate": False, "pending_update_count": len(ctx.bot.queue)}
