"""The period a report covers, read from `/report [period]` and `/export [period]`.

    (nothing)               the last 30 days, today included
    week                    this week so far (from Monday)
    month, quarter, year    this month, quarter or year so far
    2026-11                 that whole month
    2026                    that whole year
    2026-11-01..2026-11-30  those days, both included

Days are the desk's local days (its business calendar's timezone). Every period is
compared with the one before it of the same length: a calendar month with the month
before, "this month so far" with as much of last month, a range or the last 30 days
with as many days just before it. A period long enough to span more than about three
months is drawn per month, a shorter one per week (weeks start on Monday).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

DEFAULT_DAYS = 30
# Longer periods are drawn per month instead of per week.
WEEKLY_UP_TO_DAYS = 92
MAX_DAYS = 3 * 366 + 1
WEEK, MONTH, QUARTER, YEAR = "week", "month", "quarter", "year"
_TO_DATE = (WEEK, MONTH, QUARTER, YEAR)
_MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")
_YEAR_RE = re.compile(r"^(\d{4})$")
_RANGE_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})\s*(?:\.\.|–|—|~|～)\s*(\d{4})-(\d{1,2})-(\d{1,2})$")


@dataclass(frozen=True)
class Bucket:
    """One bar of a chart over time: a week or a month, clipped to the period."""

    start: datetime
    end: datetime
    label: str  # "11-02" for the week from 2 November, "2026-11" for a month (by its first day in the period)


@dataclass(frozen=True)
class Period:
    """[start, end) in aware UTC, with what it is compared with."""

    start: datetime
    end: datetime
    zone: str
    # How the previous period is found: "days" (as many days just before),
    # "calendar_month" or "calendar_year" (the month or year before), or a to-date unit
    # (week, month, quarter, year).
    kind: str = "days"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    @property
    def first_day(self) -> date:
        return self.start.astimezone(self.tz).date()

    @property
    def last_day(self) -> date:
        """The last local day the period touches (its end is exclusive)."""
        return (self.end - timedelta(microseconds=1)).astimezone(self.tz).date()

    @property
    def days(self) -> float:
        return (self.end - self.start) / timedelta(days=1)

    def previous(self) -> "Period":
        tz = self.tz
        if self.kind == "calendar_month":
            first = self.first_day.replace(day=1)
            before = _month_start(first, -1)
            return Period(_at(before, tz), _at(first, tz), self.zone, self.kind)
        if self.kind == "calendar_year":
            first = self.first_day.replace(month=1, day=1)
            return Period(_at(first.replace(year=first.year - 1), tz), _at(first, tz), self.zone, self.kind)
        if self.kind in _TO_DATE:
            unit_start = self.first_day
            before = _unit_start(unit_start - timedelta(days=1), self.kind)
            elapsed = self.end - self.start
            start = _at(before, tz)
            return Period(start, min(start + elapsed, self.start), self.zone, self.kind)
        length = self.end - self.start
        return Period(self.start - length, self.start, self.zone, self.kind)

    def bucket_unit(self) -> str:
        return WEEK if self.days <= WEEKLY_UP_TO_DAYS else MONTH

    def buckets(self) -> list[Bucket]:
        tz, unit = self.tz, self.bucket_unit()
        day = _unit_start(self.first_day, unit)
        buckets = []
        while _at(day, tz) < self.end:
            following = day + timedelta(days=7) if unit == WEEK else _month_start(day, 1)
            start, end = max(_at(day, tz), self.start), min(_at(following, tz), self.end)
            first = start.astimezone(tz).date()  # a clipped first bucket is named by its own first day
            label = f"{first:%m-%d}" if unit == WEEK else f"{first:%Y-%m}"
            buckets.append(Bucket(start, end, label))
            day = following
        return buckets


def parse_period(text: str | None, now: datetime, zone: str) -> Period | None:
    """The period the words name, ending no later than `now` for the ones "so far";
    None when they name none (the caller explains the usage)."""
    tz = ZoneInfo(zone)
    words = (text or "").strip().lower()
    today = now.astimezone(tz).date()
    if not words:
        start = _at(today - timedelta(days=DEFAULT_DAYS - 1), tz)
        return Period(start, _at(today + timedelta(days=1), tz), zone)
    if words in _TO_DATE:
        return Period(_at(_unit_start(today, words), tz), now.astimezone(timezone.utc), zone, words)
    month = _MONTH_RE.match(words)
    if month:
        first = _date(int(month.group(1)), int(month.group(2)), 1)
        if first is None:
            return None
        return Period(_at(first, tz), _at(_month_start(first, 1), tz), zone, "calendar_month")
    year = _YEAR_RE.match(words)
    if year:
        first = _date(int(year.group(1)), 1, 1)
        if first is None:
            return None
        return Period(_at(first, tz), _at(first.replace(year=first.year + 1), tz), zone, "calendar_year")
    days = _RANGE_RE.match(words)
    if days:
        numbers = [int(g) for g in days.groups()]
        first, last = _date(*numbers[:3]), _date(*numbers[3:])
        if first is None or last is None or last < first or (last - first).days + 1 > MAX_DAYS:
            return None
        return Period(_at(first, tz), _at(last + timedelta(days=1), tz), zone)
    return None


def _date(year: int, month: int, day: int) -> date | None:
    if not 2000 <= year <= 2999:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _at(day: date, tz: ZoneInfo) -> datetime:
    """Local midnight of `day`, in UTC."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(timezone.utc)


def _month_start(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _unit_start(day: date, unit: str) -> date:
    if unit == WEEK:
        return day - timedelta(days=day.weekday())
    if unit == MONTH:
        return day.replace(day=1)
    if unit == QUARTER:
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return date(day.year, 1, 1)
