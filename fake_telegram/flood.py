"""Telegram's flood limits, on request: past them a call that posts or edits a message
answers 429 with the `retry_after` the real Bot API would give.

Telegram documents the limits only roughly (about 20 messages a minute into one group,
about one a second into one private chat with short bursts allowed, about 30 a second in
all). The fake counts them as sliding windows: a call is refused when the chat (or the
bot in all) already made the window's number of calls within it, and `retry_after` is the
whole seconds until the oldest of them leaves the window.
"""
from __future__ import annotations

import math
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

# Calls that put a message into a chat or change one there.
_LIMITED_PREFIXES = ("send", "copymessage", "forwardmessage", "editmessage")
_NOT_LIMITED = {"sendchataction"}


def is_limited(method: str) -> bool:
    method = method.lower()
    return method.startswith(_LIMITED_PREFIXES) and method not in _NOT_LIMITED


@dataclass(frozen=True)
class Window:
    calls: int
    seconds: float


@dataclass(frozen=True)
class FloodLimits:
    group: Window = Window(20, 60.0)
    # One a second, with a burst of three: at most 13 in any 10 seconds.
    private: Window = Window(13, 10.0)
    overall: Window = Window(30, 1.0)


@dataclass
class FloodControl:
    limits: FloodLimits = field(default_factory=FloodLimits)
    clock: Callable[[], float] = time.monotonic
    refused: int = 0  # 429s answered: a well-paced bot causes none
    _per_chat: dict[int, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    _overall: deque[float] = field(default_factory=deque)

    def admit(self, chat_id: int | None) -> int | None:
        """Counts the call and returns None, or returns the retry_after of a 429."""
        now = self.clock()
        waits = [_wait(self._overall, self.limits.overall, now)]
        if chat_id is not None:
            window = self.limits.group if chat_id < 0 else self.limits.private
            waits.append(_wait(self._per_chat[chat_id], window, now))
        wait = max(waits)
        if wait > 0:
            self.refused += 1
            return max(1, math.ceil(wait))
        self._overall.append(now)
        if chat_id is not None:
            self._per_chat[chat_id].append(now)
        return None

    def sent_in_last(self, chat_id: int, seconds: float) -> int:
        """How many limited calls the chat took in the last `seconds` (for benchmarks)."""
        now = self.clock()
        return sum(1 for at in self._per_chat.get(chat_id, ()) if at > now - seconds)


def _wait(stamps: deque[float], window: Window, now: float) -> float:
    while stamps and stamps[0] <= now - window.seconds:
        stamps.popleft()
    if len(stamps) < window.calls:
        return 0.0
    return stamps[len(stamps) - window.calls] + window.seconds - now
