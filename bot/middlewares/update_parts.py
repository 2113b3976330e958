"""Who sent an update and in which chat, whatever kind of update it is."""
from __future__ import annotations

from typing import Any

from aiogram.types import Update


def sender_and_chat(update: Update) -> tuple[Any, Any]:
    event = update.event
    user = getattr(event, "from_user", None)
    chat = getattr(event, "chat", None)
    if chat is None and getattr(event, "message", None) is not None:
        chat = event.message.chat  # callback queries carry their chat on the message
    return user, chat
