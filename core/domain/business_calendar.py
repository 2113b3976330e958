"""Deadlines in business time: working hours on working days of a region's calendar.

Working days are Monday to Friday, minus public holidays, plus the weekend days a
government declares worked (调休 补班). The dates come from maintained packages (see
holiday_sources); a year they have no official data for raises HolidayDataUnavailable
rather than quietly counting a holiday as a working day, unless the calendar was given
`years` and the year lies outside them (then the best available estimate is used).

Every computation runs on UTC instants, so any aware input works and a local-day interval
that spans a daylight-saving change still has its true length. Results are aware UTC.
"""
from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone as dt_timezone
from typing import Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.domain.holiday_sources import (
    REGIONS,
    HolidayDataUnavailable,
    HolidaySource,
    YearSchedule,
    estimated_schedule,
    official_source,
)
from core.domain.open_time import OpenTimeIndex, epoch_ms

__all__ = [
    "BusinessCalendar",
    "Duration",
    "HolidayDataUnavailable",
    "REGIONS",
    "WorkingHours",
]

log = logging.getLogger(__name__)

UTC = dt_timezone.utc
DEFAULT_TIMEZONES = {"CN": "Asia/Shanghai", "HK": "Asia/Hong_Kong", "TW": "Asia/Taipei"}
# Longest run of non-working days tolerated before assuming the calendar is broken
# (the longest real one, Spring Festival plus a weekend, is about ten days).
_MAX_DAYS_OFF_IN_A_ROW = 60


@dataclass(frozen=True)
class WorkingHours:
    """Opening hours of a working day; the optional lunch break is not business time."""

    start: time = time(9, 0)
    end: time = time(18, 0)
    lunch_start: time | None = None
    lunch_end: time | None = None

    def __post_init__(self) -> None:
        for value in (self.start, self.end, self.lunch_start, self.lunch_end):
            if value is not None and value.tzinfo is not None:
                raise ValueError("WorkingHours takes local wall-clock times without a timezone")
        if not self.start < self.end:
            raise ValueError(f"Working hours must start before they end: {self.start}-{self.end}")
        if (self.lunch_start is None) != (self.lunch_end is None):
            raise ValueError("A lunch break needs both lunch_start and lunch_end")
        if self.lunch_start is not None and not (
            self.start < self.lunch_start < self.lunch_end < self.end
        ):
            raise ValueError(
                f"The lunch break {self.lunch_start}-{self.lunch_end} must lie inside "
                f"the working hours {self.start}-{self.end}"
            )

    def spans(self) -> tuple[tuple[time, time], ...]:
        """The open periods of a working day, in order."""
        if self.lunch_start is None:
            return ((self.start, self.end),)
        return ((self.start, self.lunch_start), (self.lunch_end, self.end))

    @property
    def hours_per_day(self) -> float:
        def seconds(t: time) -> int:
            return t.hour * 3600 + t.minute * 60 + t.second

        total = sum(seconds(b) - seconds(a) for a, b in self.spans())
        return total / 3600


BUSINESS_HOURS = "business_hours"
WORKING_DAYS = "working_days"
CALENDAR_HOURS = "calendar_hours"
CALENDAR_MINUTES = "calendar_minutes"
UNITS = (BUSINESS_HOURS, WORKING_DAYS, CALENDAR_HOURS, CALENDAR_MINUTES)

# Keys are normalised: lower case, single spaces, last word singular.
_UNIT_ALIASES = {
    "business hour": BUSINESS_HOURS,
    "working hour": BUSINESS_HOURS,
    "work hour": BUSINESS_HOURS,
    "working day": WORKING_DAYS,
    "business day": WORKING_DAYS,
    "work day": WORKING_DAYS,
    "workday": WORKING_DAYS,
    "hour": CALENDAR_HOURS,
    "calendar hour": CALENDAR_HOURS,
    "hr": CALENDAR_HOURS,
    "h": CALENDAR_HOURS,
    "minute": CALENDAR_MINUTES,
    "calendar minute": CALENDAR_MINUTES,
    "min": CALENDAR_MINUTES,
}
_CALENDAR_DAY_ALIASES = {"calendar day", "natural day"}
_UNIT_WORDS = {
    BUSINESS_HOURS: ("business hour", "business hours"),
    WORKING_DAYS: ("working day", "working days"),
    CALENDAR_HOURS: ("hour", "hours"),
    CALENDAR_MINUTES: ("minute", "minutes"),
}
_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z][a-z _-]*?)\s*$")


def _normalise_unit(text: str) -> str:
    words = re.sub(r"[\s_-]+", " ", text.strip().lower()).split(" ")
    last = words[-1]
    if len(last) > 1 and last.endswith("s"):
        words[-1] = last[:-1]
    return " ".join(words)


@dataclass(frozen=True)
class Duration:
    """A deadline length as written in configuration, e.g. "2 working days"."""

    amount: float
    unit: str

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"Unknown duration unit {self.unit!r}; expected one of {', '.join(UNITS)}")
        if isinstance(self.amount, bool) or not isinstance(self.amount, (int, float)):
            raise ValueError(f"A duration amount must be a number, not {self.amount!r}")
        if not math.isfinite(self.amount) or self.amount < 0:
            raise ValueError(f"A duration amount must be a finite number >= 0, not {self.amount!r}")
        if self.unit == WORKING_DAYS and self.amount != int(self.amount):
            raise ValueError(f"Working days must be a whole number, not {self.amount!r}")

    @classmethod
    def parse(cls, text: str | Duration) -> Duration:
        """Parse "1 business hour", "2 working days", "24 hours", "15 minutes",
        "3 business_hours", "1.5 hours", "3 calendar days" (stored as 72 hours)."""
        if isinstance(text, Duration):
            return text
        if not isinstance(text, str):
            raise ValueError(f"A duration must be text such as '2 working days', not {text!r}")
        match = _DURATION_RE.match(text.lower())
        if match is None:
            raise ValueError(
                f"Cannot read the duration {text!r}: write a number and a unit, "
                "e.g. '1 business hour', '2 working days', '24 hours' or '15 minutes'"
            )
        number, unit_text = match.groups()
        amount: float = int(number) if number.isdigit() else float(number)
        key = _normalise_unit(unit_text)
        if key in _CALENDAR_DAY_ALIASES:
            return cls(amount * 24, CALENDAR_HOURS)
        if key == "day":
            raise ValueError(
                f"The duration {text!r} is ambiguous: write 'working days' or 'calendar days'"
            )
        unit = _UNIT_ALIASES.get(key)
        if unit is None:
            raise ValueError(
                f"Unknown unit {unit_text!r} in the duration {text!r}; use business hours, "
                "working days, hours or minutes"
            )
        return cls(amount, unit)

    def __str__(self) -> str:
        amount = int(self.amount) if self.amount == int(self.amount) else self.amount
        singular, plural = _UNIT_WORDS[self.unit]
        return f"{amount} {singular if amount == 1 else plural}"


class BusinessCalendar:
    """Business-time arithmetic for one region and one deployment timezone.

    Per-day answers are cached, so a sweep over many open cases costs little; the
    instance is meant to be built once and shared.
    """

    def __init__(
        self,
        region: str = "CN",
        timezone: str | None = None,
        hours: WorkingHours = WorkingHours(),
        years: range | None = None,
    ) -> None:
        region = region.upper()
        if region not in REGIONS:
            raise ValueError(f"Unknown region {region!r}; expected one of {', '.join(REGIONS)}")
        timezone = timezone or DEFAULT_TIMEZONES[region]
        try:
            self.zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"Unknown timezone {timezone!r}") from error
        self.region = region
        self.hours = hours
        self.years = years
        self._source: HolidaySource = official_source(region)
        if years is not None:
            # Fail at start-up, not at the first deadline that reaches a missing year.
            covered = self._source.covered_years()
            missing = [y for y in years if y not in covered]
            if missing:
                raise HolidayDataUnavailable(
                    f"{self._source.description} has no official {region} holiday data for "
                    f"{', '.join(map(str, missing))} (it covers {covered.start}-{covered.stop - 1})"
                )
        self._schedules: dict[int, YearSchedule] = {}
        self._spans: dict[date, tuple[tuple[datetime, datetime], ...]] = {}

    # -- the calendar ------------------------------------------------------------------

    @property
    def data_source(self) -> str:
        return self._source.description

    def official_years(self) -> range:
        """The years for which the holiday data is the published official schedule."""
        return self._source.covered_years()

    def _schedule(self, year: int) -> YearSchedule:
        schedule = self._schedules.get(year)
        if schedule is None:
            if year in self._source.covered_years():
                schedule = self._source.schedule(year)
            elif self.years is not None and year not in self.years:
                log.warning(
                    "No official %s holiday data for %d in %s; estimating it",
                    self.region, year, self._source.description,
                )
                schedule = estimated_schedule(self.region, year)
            else:
                raise HolidayDataUnavailable(
                    f"No official {self.region} holiday data for {year} in "
                    f"{self._source.description}; upgrade the package once the year's "
                    "schedule is published"
                )
            self._schedules[year] = schedule
        return schedule

    def is_working_day(self, day: date) -> bool:
        if isinstance(day, datetime):
            day = self._local(day).date()
        return self._schedule(day.year).is_working_day(day)

    def holiday_name(self, day: date) -> str | None:
        """The holiday's name for a day off, if the data names it (English)."""
        return self._schedule(day.year).names.get(day)

    # -- instants ----------------------------------------------------------------------

    @staticmethod
    def _utc(moment: datetime) -> datetime:
        if not isinstance(moment, datetime):
            raise TypeError(f"Expected a datetime, got {moment!r}")
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"A timezone-aware datetime is required, got {moment!r}")
        return moment.astimezone(UTC)

    def _local(self, moment: datetime) -> datetime:
        return self._utc(moment).astimezone(self.zone)

    def _open_spans(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """The day's open periods as UTC instants; empty on a day off."""
        spans = self._spans.get(day)
        if spans is None:
            if self.is_working_day(day):
                spans = tuple(
                    (
                        datetime.combine(day, a, tzinfo=self.zone).astimezone(UTC),
                        datetime.combine(day, b, tzinfo=self.zone).astimezone(UTC),
                    )
                    for a, b in self.hours.spans()
                )
            else:
                spans = ()
            self._spans[day] = spans
        return spans

    def _days_from(self, day: date) -> Iterator[date]:
        idle = 0
        while True:
            yield day
            idle = 0 if self._open_spans(day) else idle + 1
            if idle > _MAX_DAYS_OFF_IN_A_ROW:
                raise RuntimeError(
                    f"No working day in {_MAX_DAYS_OFF_IN_A_ROW} days after {day}: "
                    "the holiday data looks wrong"
                )
            day += timedelta(days=1)

    # -- arithmetic --------------------------------------------------------------------

    def next_opening(self, moment: datetime) -> datetime:
        """`moment` itself if open then, else the start of the next open period."""
        t = self._utc(moment)
        for day in self._days_from(t.astimezone(self.zone).date()):
            for opens, closes in self._open_spans(day):
                if t < closes:
                    return max(opens, t)
        raise AssertionError("unreachable")  # pragma: no cover

    def add_business_hours(self, start: datetime, hours: float) -> datetime:
        """The instant after `hours` of open time from `start`.

        Time before the next opening does not count. Ending exactly at a closing time
        gives that closing time (09:00 + 9 h = 18:00), not the next day's opening.
        """
        if not math.isfinite(hours) or hours < 0:
            raise ValueError(f"Business hours must be a finite number >= 0, not {hours!r}")
        t = self._utc(start)
        remaining = timedelta(hours=hours)
        for day in self._days_from(t.astimezone(self.zone).date()):
            for opens, closes in self._open_spans(day):
                if closes <= t:
                    continue
                begin = max(opens, t)
                available = closes - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        raise AssertionError("unreachable")  # pragma: no cover

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The same local clock time `days` working days later.

        Counting starts from next_opening(start): a case that arrives after hours, on a
        day off or during lunch is treated as arriving when the office next opens, so
        Friday 20:00 + 1 working day = Tuesday 09:00 (as much business time as Monday's
        close), and 0 working days = that next opening.
        """
        if isinstance(days, bool) or not isinstance(days, int):
            raise TypeError(f"Working days must be an int, not {days!r}")
        if days < 0:
            raise ValueError(f"Working days must be >= 0, not {days}")
        anchor = self.next_opening(start).astimezone(self.zone)
        day = anchor.date()
        days_iter = self._days_from(day + timedelta(days=1))
        while days:
            day = next(days_iter)
            if self.is_working_day(day):
                days -= 1
        return datetime.combine(day, anchor.time(), tzinfo=self.zone).astimezone(UTC)

    def add_calendar_hours(self, start: datetime, hours: float) -> datetime:
        return self._utc(start) + timedelta(hours=hours)

    def add(self, start: datetime, duration: Duration | str) -> datetime:
        duration = Duration.parse(duration)
        if duration.unit == BUSINESS_HOURS:
            return self.add_business_hours(start, duration.amount)
        if duration.unit == WORKING_DAYS:
            return self.add_working_days(start, int(duration.amount))
        if duration.unit == CALENDAR_HOURS:
            return self.add_calendar_hours(start, duration.amount)
        return self.add_calendar_hours(start, duration.amount / 60)

    def open_time_index(self, first: datetime, last: datetime) -> OpenTimeIndex:
        """Business hours between any two instants from `first` to `last`, each answered in
        constant time (for the reports' many durations)."""
        a, b = self._utc(first), self._utc(last)
        day, last_day = a.astimezone(self.zone).date(), b.astimezone(self.zone).date()
        spans = []
        while day <= last_day:
            spans.extend(self._open_spans(day))
            day += timedelta(days=1)
        return OpenTimeIndex(spans, epoch_ms(a), epoch_ms(b))

    def business_hours_between(self, start: datetime, end: datetime) -> float:
        """Open time elapsed from `start` to `end`, in hours; negative if `end` is earlier."""
        a, b = self._utc(start), self._utc(end)
        if b < a:
            return -self.business_hours_between(end, start)
        total = timedelta(0)
        day, last = a.astimezone(self.zone).date(), b.astimezone(self.zone).date()
        while day <= last:
            for opens, closes in self._open_spans(day):
                overlap = min(closes, b) - max(opens, a)
                if overlap > timedelta(0):
                    total += overlap
            day += timedelta(days=1)
        return total / timedelta(hours=1)
