"""Limits that keep one customer from flooding the desk (docs/process.md §1 leaves the figures
to the deployment, in its [abuse] table): a message rate per customer, enforced with a
sliding window."""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from core.domain.config_errors import Count, Table


@dataclass(frozen=True)
class AbuseConfig:
    # Updates a customer may send in any 60 seconds before being asked to slow down.
    messages_per_minute: int = 60


class AbuseTable(Table):
    """The [abuse] table of the deployment file; its fields are AbuseConfig's."""

    messages_per_minute: Count = AbuseConfig.messages_per_minute


class Throttle:
    """Per-user sliding window over the last 60 seconds, on a caller-supplied clock.

    `check` says whether an update may pass, and whether this is the first refusal of the
    current burst (only that one is answered, so a flood gets one polite reply).
    """

    WINDOW = 60.0

    def __init__(self, per_minute: int, max_users: int = 50_000) -> None:
        self._limit = per_minute
        self._max_users = max_users
        self._seen: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}

    def check(self, user_id: int, now: float) -> tuple[bool, bool]:
        """(allowed, tell_the_user)."""
        times = self._seen.get(user_id)
        if times is None:
            if len(self._seen) >= self._max_users:
                self._forget_idle(now)
            times = self._seen[user_id] = deque()
        while times and times[0] <= now - self.WINDOW:
            times.popleft()
        if len(times) < self._limit:
            times.append(now)
            self._warned.pop(user_id, None)
            return True, False
        warned_at = self._warned.get(user_id)
        if warned_at is not None and warned_at > now - self.WINDOW:
            return False, False
        self._warned[user_id] = now
        return False, True

    def _forget_idle(self, now: float) -> None:
        for user_id in [u for u, t in self._seen.items() if not t or t[-1] <= now - self.WINDOW]:
            del self._seen[user_id]
            self._warned.pop(user_id, None)
