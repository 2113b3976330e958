"""Exponential backoff with jitter, interruptible by a stop event."""
from __future__ import annotations

import asyncio
import random


def jittered_delay(attempt: int, first: float, cap: float) -> float:
    """Delay before retry number `attempt` (1-based): doubling, capped, jittered in its upper half."""
    ceiling = min(cap, first * 2 ** max(0, attempt - 1))
    return random.uniform(ceiling / 2, ceiling)


class Backoff:
    def __init__(self, first: float = 1.0, cap: float = 60.0) -> None:
        self._first = first
        self._cap = cap
        self._attempt = 0

    def next(self) -> float:
        self._attempt += 1
        return jittered_delay(self._attempt, self._first, self._cap)

    def reset(self) -> None:
        self._attempt = 0

    @staticmethod
    async def wait(seconds: float, stop: asyncio.Event) -> None:
        try:
            await asyncio.wait_for(stop.wait(), timeout=seconds)
        except asyncio.TimeoutError:
            pass
