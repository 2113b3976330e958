"""getMe, getUpdates long polling and webhook settings."""
from __future__ import annotations

import asyncio
import copy
import re
from typing import Any

from .errors import bad_request, conflict_polling, conflict_webhook
from .registry import Ctx, method
from .webhooks import replace_webhook

# Telegram's rule for setWebhook's secret_token.
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")


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
    secret = ctx.p.str("secret_token") or None
    if secret is not None and not _SECRET_RE.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    allowed = ctx.p.json("allowed_updates")
    if allowed is not None:
        ctx.bot.allowed_updates = list(allowed)
    if ctx.p.bool("drop_pending_updates"):
        ctx.bot.queue.clear()
    max_connections = min(max(ctx.p.int("max_connections", 40) or 40, 1), 100)
    await replace_webhook(ctx.server, ctx.bot, ctx.p.str("url") or "", secret, max_connections)
    ctx.server.notify()
    return True


@method("deleteWebhook")
async def delete_webhook(ctx: Ctx) -> bool:
    if ctx.p.bool("drop_pending_updates"):
        ctx.bot.queue.clear()
    await replace_webhook(ctx.server, ctx.bot, "", None, 1)
    ctx.server.notify()
    return True


@method("getWebhookInfo")
async def get_webhook_info(ctx: Ctx) -> dict[str, Any]:
    info = {"url": ctx.bot.webhook_url, "has_custom_certificate": False, "pending_update_count": len(ctx.bot.queue)}
    delivery = ctx.bot.webhook
    if delivery is not None:
        info["max_connections"] = delivery.max_connections
        failed = [a for a in delivery.attempts if not a.confirmed]
        if failed:
            info["last_error_message"] = failed[-1].error or f"Wrong response from the webhook: {failed[-1].status}"
    if ctx.bot.allowed_updates:
        info["allowed_updates"] = list(ctx.bot.allowed_updates)
    return info
