"""Expected-message accounting: which bot messages each action must cause, and which came,
came late or came twice."""
from __future__ import annotations

import asyncio
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

Key = tuple[str, Any, str]  # ("chat", chat_id, kind) or ("case", number, kind)


@dataclass(eq=False)
class Action:
    """One update sent on someone's behalf, and the bot messages it must cause."""

    actor: str  # "customer" or "staff"
    name: str
    needs: Counter[Key]
    sent_at: float
    messages: list[dict[str, Any]] = field(default_factory=list)
    first_at: float | None = None
    last_at: float | None = None
    timed_out: bool = False
    done: asyncio.Future[None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())

    def replies(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["_kind"] == kind]


class Ledger:
    """Counts the messages expected and received per key, and hands each arriving message
    to the oldest action still waiting for one of its key."""

    def __init__(self, reply_timeout: float) -> None:
        self.reply_timeout = reply_timeout
        self.expected: Counter[Key] = Counter()
        self.received: Counter[Key] = Counter()
        self.overdue: Counter[Key] = Counter()
        self.late: Counter[Key] = Counter()
        self.waiting: dict[Key, deque[Action]] = defaultdict(deque)
        self.open: set[Action] = set()
        self.finished: list[Action] = []

    def start(self, action: Action) -> None:
        for key, count in action.needs.items():
            self.expected[key] += count
            self.waiting[key].append(action)
        self.open.add(action)

    def expect(self, key: Key, count: int = 1) -> None:
        """A message nobody waits for (a thread notice), checked only by counting."""
        self.expected[key] += count

    def arrived(self, key: Key, message: dict[str, Any]) -> None:
        self.received[key] += 1
        queue = self.waiting.get(key)
        if not queue:
            if self.overdue[key]:
                self.overdue[key] -= 1
                self.late[key] += 1
            return
        action = queue[0]
        action.needs[key] -= 1
        if not action.needs[key]:
            queue.popleft()
        action.messages.append(message)
        action.first_at = action.first_at or message["_sent_at"]
        action.last_at = message["_sent_at"]
        if not +action.needs:
            self._finish(action)

    def expire(self, now: float) -> None:
        for action in [a for a in self.open if now - a.sent_at > self.reply_timeout]:
            action.timed_out = True
            for key, count in (+action.needs).items():
                self.waiting[key].remove(action)
                self.overdue[key] += count
            self._finish(action)

    def _finish(self, action: Action) -> None:
        self.open.discard(action)
        self.finished.append(action)
        action.done.set_result(None)

    def missing(self, scope: str) -> int:
        return sum(max(0, n - self.received[k]) for k, n in self.expected.items() if k[0] == scope)

    def duplicated(self, scope: str) -> int:
        return sum(max(0, n - self.expected[k]) for k, n in self.received.items() if k[0] == scope)

    def late_count(self, scope: str) -> int:
        return sum(n for k, n in self.late.items() if k[0] == scope)

    def unexpected_keys(self) -> list[str]:
        extra = {k: n - self.expected[k] for k, n in self.received.items() if n > self.expected[k]}
        return [f"{k} x{n}" for k, n in sorted(extra.items(), key=lambda item: -item[1])[:10]]

    def missing_keys(self) -> list[str]:
        short = {k: n - self.received[k] for k, n in self.expected.items() if n > self.received[k]}
        return [f"{k} x{n}" for k, n in sorted(short.items(), key=lambda item: -item[1])[:10]]
