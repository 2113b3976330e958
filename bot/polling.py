"""Long polling that confirms an update only after its effects have committed.

aiogram's own polling confirms a batch as soon as it has started the handlers, so a crash
would lose updates. Here the next getUpdates (which confirms the previous batch) is sent
only after the whole batch was handled; a crash before that means Telegram re-delivers
the batch and the stored update ids turn the repeats into no-ops. Within a batch the
updates of one chat run in order; different chats run concurrently.
"""
from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from typing import Callable, Sequence

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramConflictError, TelegramUnauthorizedError
from aiogram.types import Update

from bot.backoff import Backoff

log = logging.getLogger("kesu.polling")

ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]


class InvalidToken(Exception):
    """The Bot API answered 401: the token is wrong or was revoked."""


def chat_key(update: Update) -> int:
    event = update.event
    chat = getattr(event, "chat", None) or getattr(getattr(event, "message", None), "chat", None)
    if chat is not None:
        return chat.id
    sender = getattr(event, "from_user", None)
    return sender.id if sender is not None else 0


async def _feed_in_order(dispatcher: Dispatcher, bot: Bot, updates: Sequence[Update]) -> None:
    for update in updates:
        try:
            await dispatcher.feed_update(bot, update)
        except Exception:
            log.exception("update escaped its handler", extra={"update_id": update.update_id})


async def handle_batch(dispatcher: Dispatcher, bot: Bot, updates: Sequence[Update]) -> None:
    by_chat: dict[int, list[Update]] = defaultdict(list)
    for update in updates:
        by_chat[chat_key(update)].append(update)
    await asyncio.gather(*(_feed_in_order(dispatcher, bot, chat_updates) for chat_updates in by_chat.values()))


async def poll(
    dispatcher: Dispatcher,
    bot: Bot,
    stop: asyncio.Event,
    timeout_seconds: int,
    api_base: str,
    on_first_answer: Callable[[], None] | None = None,
) -> None:
    """`on_first_answer` is called once, when getUpdates first answers: start-up is over."""
    offset: int | None = None
    # A short cap: after an outage customers wait at most this long for the bot to notice
    # Telegram is back; one getUpdates every 10 s costs nothing.
    backoff = Backoff(first=1.0, cap=10.0)
    while not stop.is_set():
        request = asyncio.ensure_future(
            bot.get_updates(
                offset=offset,
                timeout=timeout_seconds,
                allowed_updates=ALLOWED_UPDATES,
                request_timeout=timeout_seconds + 15,
            )
        )
        # A stop during the long poll ends it at once; a batch being handled is finished.
        stop_waiter = asyncio.ensure_future(stop.wait())
        await asyncio.wait({request, stop_waiter}, return_when=asyncio.FIRST_COMPLETED)
        stop_waiter.cancel()
        if not request.done():
            request.cancel()
            await asyncio.gather(request, return_exceptions=True)
            return
        try:
            updates = request.result()
        except TelegramUnauthorizedError as error:
            raise InvalidToken(str(error)) from error
        except TelegramConflictError:
            delay = backoff.next()
            log.warning(
                "another process is polling with this token; retrying",
                extra={"retry_in_s": round(delay, 1)},
            )
            await backoff.wait(delay, stop)
            continue
        except Exception as error:  # network down, 5xx, timeouts: keep trying, never crash-loop
            delay = backoff.next()
            log.warning(
                "cannot reach the Bot API; retrying",
                extra={"api": api_base, "error": f"{type(error).__name__}: {error}", "retry_in_s": round(delay, 1)},
            )
            await backoff.wait(delay, stop)
            continue
        backoff.reset()
        if on_first_answer is not None:
            on_first_answer()
            on_first_answer = None
        if updates:
            await handle_batch(dispatcher, bot, updates)
            offset = updates[-1].update_id + 1
