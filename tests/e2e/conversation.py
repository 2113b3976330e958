"""A customer talking to the bot through the fake server, one exchange at a time."""
from __future__ import annotations

from typing import Any

from fake_telegram import FakeTelegramServer


class Conversation:
    def __init__(self, server: FakeTelegramServer, user: Any) -> None:
        self.server = server
        self.user = user
        self.cursor = server.cursor(user.chat_id)

    async def _replies(self, count: int, timeout: float) -> list[dict[str, Any]]:
        messages = await self.server.wait_for_messages(self.user.chat_id, count, after=self.cursor, timeout=timeout)
        self.cursor += len(messages)
        return messages

    async def send(self, text: str, replies: int = 1, timeout: float = 15) -> list[dict[str, Any]]:
        if text.startswith("/"):
            self.user.send_command(text)
        else:
            self.user.send_text(text)
        return await self._replies(replies, timeout)

    async def act(self, action: Any, replies: int = 1, timeout: float = 15) -> list[dict[str, Any]]:
        """Any user action (a callable doing it), then wait for the replies."""
        action()
        return await self._replies(replies, timeout)

    async def press(self, message: dict[str, Any], label: str, replies: int = 1, timeout: float = 15) -> list[dict[str, Any]]:
        """Presses the inline button whose visible text contains `label`."""
        buttons = [b for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]
        matching = [b for b in buttons if label in b["text"]]
        assert len(matching) == 1, f"no single button {label!r} among {[b['text'] for b in buttons]}"
        self.user.press_button(message["message_id"], matching[0]["callback_data"])
        if replies == 0:
            return []
        return await self._replies(replies, timeout)

    def last_bot_message(self) -> dict[str, Any]:
        return self.server.bot_messages(self.user.chat_id)[-1]


def button_texts(message: dict[str, Any]) -> list[str]:
    return [b["text"] for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]
