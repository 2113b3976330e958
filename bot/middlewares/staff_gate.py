"""Before any transaction: who is acting in a group, and are they a member of that handler
group (one of the configured groups; membership in one says nothing about another)?

getChatMember is a network call, so it runs here, outside the update's transaction, with
answers cached briefly (membership changes are rare; a removed member loses access
within the cache time).
"""
from __future__ import annotations

import logging
import time
from typing import Any, Awaitable, Callable, Iterable

from aiogram import BaseMiddleware, Bot
from aiogram.types import TelegramObject, Update

from bot.middlewares.update_parts import sender_and_chat

log = logging.getLogger("kesu.staff")

MEMBER_STATUSES = {"creator", "administrator", "member", "restricted"}


class StaffGate(BaseMiddleware):
    def __init__(self, handler_chat_id: int | None | Iterable[int], cache_seconds: float = 60.0) -> None:
        """`handler_chat_id`: the one handler group, or every configured one."""
        if handler_chat_id is None:
            self._chat_ids: tuple[int, ...] = ()
        elif isinstance(handler_chat_id, int):
            self._chat_ids = (handler_chat_id,)
        else:
            self._chat_ids = tuple(handler_chat_id)
        self._cache_seconds = cache_seconds
        self._cache: dict[tuple[int, int], tuple[bool, float]] = {}

    async def is_member(self, bot: Bot, user_id: int, chat_id: int | None = None) -> bool:
        """Whether the user is in group `chat_id` (default: the first handler group)."""
        chat = chat_id if chat_id is not None else (self._chat_ids[0] if self._chat_ids else None)
        if chat is None or chat not in self._chat_ids:
            return False
        key = (chat, user_id)
        cached = self._cache.get(key)
        now = time.monotonic()
        if cached is not None and cached[1] > now:
            return cached[0]
        try:
            member = await bot.get_chat_member(chat, user_id)
            answer = member.status in MEMBER_STATUSES and getattr(member, "is_member", True) is not False
        except Exception as error:  # unverifiable counts as not a member, and is not cached
            log.warning("membership check failed", extra={"user": user_id, "error": f"{type(error).__name__}: {error}"})
            return False
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[key] = (answer, now + self._cache_seconds)
        return answer

    async def __call__(
        self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]], update: TelegramObject, data: dict[str, Any]
    ) -> Any:
        assert isinstance(update, Update)
        sender, chat = sender_and_chat(update)
        data["staff_member"] = False
        if chat is not None and chat.type in ("group", "supergroup") and sender is not None and chat.id in self._chat_ids:
            data["staff_member"] = await self.is_member(data["bot"], sender.id, chat.id)
        return await handler(update, data)
