"""Time as a dependency, so tests can move it instead of sleeping."""
from __future__ import annotations

from datetime import datetime, timezone
import os
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class FrozenClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FrozenClock needs a timezone-aware start")
        self._now = start.astimezone(timezone.utc)

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> None:
        from datetime import timedelta

        self._now += timedelta(**delta)


class OffsetClock:
    """Real time plus an offset read from a file: lets an end-to-end test or a demo move
    a running process's time forward without sleeping (the file holds seconds)."""

    def __init__(self, path: "os.PathLike[str] | str") -> None:
        from pathlib import Path

        self._path = Path(path)
        self._stamp: tuple[int, int] | None = None
        self._offset = 0.0

    def now(self) -> datetime:
        from datetime import timedelta

        try:
            stat = self._path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
            if stamp != self._stamp:
                self._offset = float(self._path.read_text().strip() or 0)
                self._stamp = stamp
        except (FileNotFoundError, ValueError):
            pass
        return datetime.now(timezone.utc) + timedelta(seconds=self._offset)
