"""One transaction per update: dedupe by update_id, effects and outbox rows commit together.

Holds the transaction only; what the update means is the handlers' and services' business.
"""
from __future__ import annotations

import asyncio
import logging
import random
import time
from typing import Any, Awaitable, Callable

from aiogram import BaseMiddleware
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import TelegramObject, Update
from sqlalchemy.exc import DBAPIError, IntegrityError

from bot.middlewares.update_parts import sender_and_chat
from core.clock import Clock
from core.locale import locale_for
from core.services.accounts import Person, touch_user
from core.services.onboarding import apologise_for_fault
from core.storage.uow import UnitOfWorkFactory

log = logging.getLogger("kesu.updates")

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]

# A busy database (SQLite's write lock held past its busy timeout by a slow transaction,
# PostgreSQL choosing this transaction as a deadlock or serialization victim) rolls back the
# whole update, which can simply run again: its effects were never committed or sent.
BUSY_ATTEMPTS = 4
BUSY_BACKOFF_SECONDS = 0.2
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})  # serialization_failure, deadlock_detected


def database_busy(error: BaseException) -> bool:
    if isinstance(error, IntegrityError) or not isinstance(error, DBAPIError):
        return False
    original = error.orig
    if getattr(original, "sqlstate", None) in RETRYABLE_SQLSTATES:
        return True
    text = str(original).lower()
    return "database is locked" in text or "database is busy" in text


class UpdateTransaction(BaseMiddleware):
    def __init__(
        self, uow_factory: UnitOfWorkFactory, default_locale: str, clock: Clock,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._uow_factory = uow_factory
        self._default_locale = default_locale
        self._clock = clock
        self._sleep = sleep  # the pause before running an update again on a busy database

    async def __call__(self, handler: Handler, update: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(update, Update)
        started = time.perf_counter()
        tg_user, chat = sender_and_chat(update)
        trace: dict[str, Any] = {"update_id": update.update_id, "chat": chat.id if chat else None, "handler": None}
        data["trace"] = trace
        outcome = "error"
        try:
            outcome = await self._handle(handler, update, data, tg_user, chat)
        except Exception:
            log.exception("update failed", extra=trace)
            await self._record_failure(update, tg_user, chat)
        finally:
            trace["outcome"] = outcome
            trace["ms"] = round((time.perf_counter() - started) * 1000, 1)
            log.info("update", extra=trace)

    async def _handle(self, handler: Handler, update: Update, data: dict[str, Any], tg_user: Any, chat: Any) -> str:
        for attempt in range(1, BUSY_ATTEMPTS + 1):
            try:
                return await self._run_once(handler, update, data, tg_user, chat)
            except DBAPIError as error:
                if attempt == BUSY_ATTEMPTS or not database_busy(error):
                    raise
                delay = BUSY_BACKOFF_SECONDS * attempt * (1 + random.random())
                log.warning("update handled again: the database was busy", extra={
                    "update_id": update.update_id, "attempt": attempt, "error": str(error.orig)[:200], "retry_in_s": round(delay, 2),
                })
                await self._sleep(delay)
        raise AssertionError("unreachable")

    async def _run_once(self, handler: Handler, update: Update, data: dict[str, Any], tg_user: Any, chat: Any) -> str:
        for attempt in range(2):
            async with self._uow_factory() as uow:
                if chat is not None:
                    # Before the duplicate check: an instance handling this same update (a
                    # retry after a timeout) commits first, and this one then finds it seen.
                    await uow.lock_chat(chat.id)
                if await uow.updates.seen(update.update_id):
                    return "duplicate"
                user = None
                if tg_user is not None and not tg_user.is_bot:
                    person = Person(tg_user.id, tg_user.first_name, tg_user.language_code)
                    user = await touch_user(uow, person, self._default_locale, private_chat=chat is not None and chat.type == "private")
                data["uow"] = uow
                data["user"] = user
                try:
                    # The other transaction's row may surface at a flush inside the handler too.
                    result = await handler(update, data)
                    outcome = "unhandled" if result is UNHANDLED else "handled"
                    uow.updates.record(update.update_id, outcome, self._clock.now())
                    await uow.commit()
                    return outcome
                except IntegrityError:
                    if attempt:
                        raise
            # Another transaction committed first: this same update (another instance took
            # it), or a row this one also created, such as a new sender's user row when their
            # first two updates in two chats are handled at once. Only the first is a duplicate;
            # the second is handled again on what the other transaction left.
            async with self._uow_factory() as uow:
                if await uow.updates.seen(update.update_id):
                    return "duplicate"
        raise AssertionError("unreachable")

    async def _record_failure(self, update: Update, tg_user: Any, chat: Any) -> None:
        """Mark the update done (a retry would fail the same way) and apologise in private chats."""
        async with self._uow_factory() as uow:
            if await uow.updates.seen(update.update_id):
                return
            if tg_user is not None and chat is not None and chat.type == "private":
                stored = await uow.users.get(tg_user.id)
                locale = stored.locale if stored else locale_for(tg_user.language_code, self._default_locale)
                await apologise_for_fault(uow, chat.id, locale)
            uow.updates.record(update.update_id, "error", self._clock.now())
            await uow.commit()


class HandlerName(BaseMiddleware):
    """Inner middleware: notes which handler took the update, for the log line."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        trace = data.get("trace")
        handler_object = data.get("handler")
        if trace is not None and handler_object is not None:
            trace["handler"] = getattr(handler_object.callback, "__name__", str(handler_object.callback))
        return await handler(event, data)
