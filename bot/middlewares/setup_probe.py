"""Before the transaction: the Bot API questions that /setup and /members need.

Like the staff gate, these are network calls, so they are asked here, before the update's
transaction opens, and their answers reach the handler as data ("group_facts",
"staff_check", "known_members"). It also notes who writes in the handler group, for the
member list, and hands every handler the desk monitor ("desk_monitor").
"""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable

from aiogram import BaseMiddleware
from aiogram.types import Message, TelegramObject, Update

from bot.desk_monitor import DeskMonitor, probe
from core.domain.staff import allowed

log = logging.getLogger("kesu.desk")

GROUP_TYPES = ("group", "supergroup")


def command_name(message: Message, username: str | None) -> str | None:
    """The command a message gives this bot ("setup" for "/setup@kesu_bot"), if any."""
    text = message.text or ""
    if not text.startswith("/"):
        return None
    name, _, addressee = text.split(maxsplit=1)[0][1:].partition("@")
    if addressee and (username is None or addressee.lower() != username.lower()):
        return None
    return name.lower()


class SetupProbe(BaseMiddleware):
    def __init__(self, monitor: DeskMonitor) -> None:
        self._monitor = monitor

    async def __call__(
        self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]], update: TelegramObject, data: dict[str, Any]
    ) -> Any:
        assert isinstance(update, Update)
        monitor = self._monitor
        data["desk_monitor"] = monitor
        message = update.message
        if message is None or message.chat.type not in GROUP_TYPES or message.from_user is None or message.from_user.is_bot:
            return await handler(update, data)
        desk = monitor.desk
        chat_id = message.chat.id
        if desk is not None and desk.is_group(chat_id):
            monitor.saw(message.from_user)
        name = command_name(message, monitor.me.username if monitor.me else None)
        if desk is None or monitor.me is None or name not in ("setup", "members"):
            return await handler(update, data)
        if name == "setup":
            try:
                data["group_facts"] = await probe(data["bot"], chat_id, monitor.me)
            except Exception as error:  # the network, not the group: the handler says to try again
                log.warning("could not check the group for /setup", extra={"chat": chat_id, "error": f"{type(error).__name__}: {error}"})
                return await handler(update, data)
            # [staff] is checked in the handler group, or in any group while none is set.
            if desk.chat_id is None or desk.is_group(chat_id):
                data["staff_check"] = await monitor.staff_check(data["bot"], chat_id)
        elif desk.is_group(chat_id) and data.get("staff_member") and allowed("members", desk.staff.role_of(message.from_user.id)):
            data["known_members"] = await monitor.known_members(data["bot"], chat_id)
        return await handler(update, data)
