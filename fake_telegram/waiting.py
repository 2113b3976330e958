"""Reading transcripts and waiting for the bot, driven by state-change notifications (no polling)."""
from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def _summary(message: dict[str, Any]) -> str:
    for key in ("text", "caption"):
        if key in message:
            text = message[key]
            return repr(text if len(text) <= 80 else text[:77] + "...")
    kind = next((k for k in ("photo", "document", "voice", "video", "sticker", "contact", "location",
                             "forum_topic_created") if k in message), "message")
    return f"<{kind}>"


class WaitingMixin:
    def _records(self, chat_id: Any) -> list[dict[str, Any]]:
        chat = self.chat_of(chat_id)
        return chat.messages if chat is not None else []

    def _bot_records(self, chat_id: Any) -> list[dict[str, Any]]:
        return [m for m in self._records(chat_id) if m["_from_bot"] and not m.get("_service")]

    def transcript(self, chat_id: Any) -> list[dict[str, Any]]:
        """Every message of the chat in order, both directions, including deleted and service ones."""
        return copy.deepcopy(self._records(chat_id))

    def bot_messages(self, chat_id: Any, include_deleted: bool = False) -> list[dict[str, Any]]:
        return copy.deepcopy([m for m in self._bot_records(chat_id) if include_deleted or not m["_deleted"]])

    def cursor(self, chat_id: Any) -> int:
        """Number of bot messages sent to the chat so far (deleted ones included, so it never shrinks)."""
        return len(self._bot_records(chat_id))

    async def wait_for(self, predicate: Callable[[], T], timeout: float = 10.0, description: str = "") -> T:
        """Re-evaluate ``predicate`` on every state change until it returns something truthy."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"condition {description or predicate!r} not met within {timeout}s; "
                                   f"{self._recent_failures()}")
            await self.changed(remaining)

    async def wait_for_messages(self, chat_id: Any, n: int = 1, after: int = 0,
                                timeout: float = 10.0) -> list[dict[str, Any]]:
        """Wait until at least ``n`` bot messages arrived after ``after`` (a cursor); return all of them."""
        def arrived() -> tuple[list[dict[str, Any]]] | None:
            new = self._bot_records(chat_id)[after:]
            return (copy.deepcopy(new),) if len(new) >= n else None

        try:
            return (await self.wait_for(arrived, timeout))[0]
        except TimeoutError:
            got = self._bot_records(chat_id)[after:]
            chat = self.chat_of(chat_id)
            tail = [f"{'bot' if m['_from_bot'] else 'user'}#{m['message_id']}: {_summary(m)}"
                    for m in (chat.messages[-6:] if chat else [])]
            raise TimeoutError(
                f"waited {timeout}s for {n} bot message(s) in chat {getattr(chat, 'id', chat_id)} after cursor "
                f"{after}; got {len(got)}: [{', '.join(_summary(m) for m in got)}]. "
                f"Last messages: [{', '.join(tail)}]. "
                f"Unconfirmed updates: {len(self.bot.queue)}. {self._recent_failures()}"
            ) from None

    async def wait_for_calls(self, method: str, n: int = 1, after: int = 0, timeout: float = 10.0) -> list[Any]:
        """Wait until ``n`` calls of ``method`` (case-insensitive) finished, counting from index ``after``
        of ``server.calls``."""
        name = method.lower()

        def finished() -> list[Any] | None:
            calls = [c for c in self.calls[after:] if c.method.lower() == name and c.outcome != "pending"]
            return calls if len(calls) >= n else None

        return await self.wait_for(finished, timeout, f"{n} finished {method} call(s)")

    async def wait_until_delivered(self, timeout: float = 10.0, bot: Any = None) -> None:
        """Wait until the bot has fetched and confirmed every queued update."""
        account = self.get_bot(bot)
        await self.wait_for(lambda: not account.queue, timeout, "all updates confirmed")

    def _recent_failures(self) -> str:
        failed = [f"{c.method} -> {c.outcome}" for c in self.calls if c.outcome not in ("ok", "pending")][-5:]
        return f"Recent failed API calls: [{'; '.join(failed)}]" if failed else "No failed API calls."
