"""The demo's clock: the bot reads its offset from CLOCK_OFFSET_FILE, the page moves it forward."""
from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from core.domain.business_calendar import BusinessCalendar


class DemoClock:
    def __init__(self, path: Path, region: str, zone: str,
                 real_now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.path = path
        self.zone = zone
        self.calendar = BusinessCalendar(region, zone)
        self._real_now = real_now

    @property
    def offset(self) -> float:
        try:
            return float(self.path.read_text().strip() or 0)
        except (FileNotFoundError, ValueError):
            return 0.0

    def now(self) -> datetime:
        return self._real_now() + timedelta(seconds=self.offset)

    def _set(self, moment: datetime) -> None:
        # Written whole and renamed, so the bot never reads half a number.
        partial = self.path.with_suffix(".tmp")
        partial.write_text(str((moment - self._real_now()).total_seconds()))
        os.replace(partial, self.path)

    def start(self) -> datetime:
        """Real time, or the next opening of the office when it is closed now: a case filed in
        the demo then meets its deadlines as it would on a working day."""
        self.path.write_text("0")
        real = self._real_now()
        opening = self.calendar.next_opening(real)
        if opening > real:
            self._set(opening + timedelta(minutes=5))
        return self.now()

    def advance_hours(self, hours: float) -> datetime:
        self._set(self.now() + timedelta(hours=hours))
        return self.now()

    def advance_working_day(self) -> datetime:
        """The same local time on the next working day of the bot's business calendar (holidays
        and adjusted working days of its region count), counted from the office's next opening."""
        self._set(self.calendar.add_working_days(self.now(), 1))
        return self.now()
