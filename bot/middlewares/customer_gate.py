"""Inside the update's transaction, before any private-chat handler: banned users are told
once and ignored; a customer sending faster than the deployment allows is asked once to
slow down, and the extra updates are not taken."""
from __future__ import annotations

import logging
import time
from typing import Any, Awaitable, Callable

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update

from bot.middlewares.update_parts import sender_and_chat
from core.domain.abuse import Throttle
from core.intents import AnswerCallback, Phrase, SendMessage
from core.services.bans import turned_away

log = logging.getLogger("kesu.abuse")


class CustomerGate(BaseMiddleware):
    def __init__(self, messages_per_minute: int) -> None:
        self._throttle = Throttle(messages_per_minute)

    async def __call__(
        self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]], update: TelegramObject, data: dict[str, Any]
    ) -> Any:
        assert isinstance(update, Update)
        _sender, chat = sender_and_chat(update)
        user, uow = data.get("user"), data.get("uow")
        if chat is None or chat.type != "private" or user is None or uow is None:
            return await handler(update, data)
        trace = data.get("trace") or {}
        if await turned_away(uow, user):
            trace["handler"] = "banned"
            return None
        allowed, tell = self._throttle.check(user.id, time.monotonic())
        if allowed:
            return await handler(update, data)
        trace["handler"] = "throttled"
        log.warning("customer throttled", extra={"user": user.id})
        if update.callback_query is not None:
            uow.emit(AnswerCallback(user.id, user.locale, update.callback_query.id, Phrase("abuse.slow_down_short")))
        if tell:
            uow.emit(SendMessage(user.id, user.locale, Phrase("abuse.slow_down")))
        return None
