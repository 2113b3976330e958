"""Business hours between many pairs of instants at once, for the reports.

BusinessCalendar.business_hours_between walks the days between its two instants, which is
right for one deadline and too slow for a year of a busy desk: 100,000 cases, two
durations each, some of them weeks long. This index holds the open periods of a range of
days as epoch milliseconds with the open time accumulated before each, so a duration is
two binary searches: open_until(b) - open_until(a). Whole milliseconds keep every
difference exact.
"""
from __future__ import annotations

from bisect import bisect_right
from datetime import datetime
from typing import Iterable

MS_PER_HOUR = 3_600_000


class OpenTimeIndex:
    def __init__(self, spans: Iterable[tuple[datetime, datetime]], first: int, last: int) -> None:
        """spans: the open periods in order, covering every instant from `first` to `last`
        (epoch milliseconds) that will be asked about."""
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._open_before: list[int] = []
        total = 0
        for opens, closes in spans:
            start, end = epoch_ms(opens), epoch_ms(closes)
            self._starts.append(start)
            self._ends.append(end)
            self._open_before.append(total)
            total += end - start
        self.first, self.last = first, last

    def _open_until(self, moment: int) -> int:
        if not self.first <= moment <= self.last:
            raise ValueError(f"{moment} is outside the indexed range {self.first}..{self.last}")
        i = bisect_right(self._starts, moment) - 1
        if i < 0:
            return 0
        return self._open_before[i] + min(moment, self._ends[i]) - self._starts[i]

    def hours_between(self, start: int, end: int) -> float:
        """Open time from `start` to `end` (epoch milliseconds), in hours; negative if `end` is earlier."""
        return (self._open_until(end) - self._open_until(start)) / MS_PER_HOUR


def epoch_ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)
