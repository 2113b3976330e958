"""Public holidays and officially adjusted working days, per region, from maintained packages.

No dates are kept here: governments publish them every year and the packages follow.

- CN: ``chinesecalendar`` mirrors the State Council's yearly notice, including the weekend
  days that are worked in exchange for a longer holiday (调休 补班). It holds only the years
  whose notice is out, so a later year is reported as missing instead of guessed.
- HK: ``holidays``, general holidays (Cap. 149, what offices and banks close for) together
  with the statutory holidays (Cap. 57).
- TW: ``holidays``, the DGPA office calendar with its observed days and make-up working days.

The working week is Monday to Friday everywhere; a schedule lists only the exceptions.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from importlib.metadata import PackageNotFoundError, version
from typing import Mapping, Protocol

import chinese_calendar
import holidays

REGIONS = ("CN", "HK", "TW")


class HolidayDataUnavailable(LookupError):
    """The holiday package has no official data for a year that was asked for."""


@dataclass(frozen=True)
class YearSchedule:
    year: int
    days_off: frozenset[date]  # Monday-Friday days that are not worked
    extra_workdays: frozenset[date]  # Saturdays and Sundays that are worked
    names: Mapping[date, str] = field(default_factory=dict, compare=False)

    def is_working_day(self, day: date) -> bool:
        if day.weekday() >= 5:
            return day in self.extra_workdays
        return day not in self.days_off


class HolidaySource(Protocol):
    region: str

    @property
    def description(self) -> str: ...

    def covered_years(self) -> range: ...

    def schedule(self, year: int) -> YearSchedule: ...


def _package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:  # pragma: no cover - only without package metadata
        return "unknown version"


def _days_of(year: int):
    day = date(year, 1, 1)
    while day.year == year:
        yield day
        day += timedelta(days=1)


def _unavailable(source: HolidaySource, year: int) -> HolidayDataUnavailable:
    covered = source.covered_years()
    return HolidayDataUnavailable(
        f"No official {source.region} holiday data for {year} in {source.description} "
        f"(it covers {covered.start}-{covered.stop - 1}). Upgrade the package once the "
        f"year's schedule is published, or narrow the calendar's configured years."
    )


class ChineseCalendarSource:
    """Mainland China from ``chinesecalendar``."""

    region = "CN"

    def __init__(self) -> None:
        self._covered: range | None = None

    @property
    def description(self) -> str:
        return f"chinesecalendar {_package_version('chinesecalendar')}"

    def covered_years(self) -> range:
        if self._covered is None:
            # Probing through the public API: the package raises for years it has no notice for.
            years = [y for y in range(1990, 2101) if self._has(y)]
            self._covered = range(years[0], years[-1] + 1) if years else range(0)
        return self._covered

    @staticmethod
    def _has(year: int) -> bool:
        try:
            chinese_calendar.is_workday(date(year, 1, 1))
        except NotImplementedError:
            return False
        return True

    def schedule(self, year: int) -> YearSchedule:
        if year not in self.covered_years():
            raise _unavailable(self, year)
        days_off: set[date] = set()
        extra: set[date] = set()
        names: dict[date, str] = {}
        for day in _days_of(year):
            working = chinese_calendar.is_workday(day)
            if day.weekday() >= 5 and working:
                extra.add(day)
            elif day.weekday() < 5 and not working:
                days_off.add(day)
            if not working:
                _, name = chinese_calendar.get_holiday_detail(day)
                if name:
                    names[day] = name
        return YearSchedule(year, frozenset(days_off), frozenset(extra), names)


class HolidaysPackageSource:
    """A region from the ``holidays`` package."""

    def __init__(self, region: str, categories: tuple[str, ...] = (holidays.PUBLIC,)) -> None:
        self.region = region
        self._categories = categories
        self._country = holidays.country_holidays(region, years=(), categories=categories)

    @property
    def description(self) -> str:
        return f"holidays {_package_version('holidays')}"

    def covered_years(self) -> range:
        return range(self._country.start_year, self._country.end_year + 1)

    def schedule(self, year: int) -> YearSchedule:
        if year not in self.covered_years():
            raise _unavailable(self, year)
        # Neighbouring years too: a make-up working day can sit in the year before its holiday.
        years = [y for y in (year - 1, year, year + 1) if y in self.covered_years()]
        table = holidays.country_holidays(
            self.region, years=years, categories=self._categories, language="en_US"
        )
        names = {day: name for day, name in table.items() if day.year == year}
        days_off = frozenset(day for day in names if day.weekday() < 5)
        extra = frozenset(
            day for day in table.weekend_workdays if day.year == year and day.weekday() >= 5
        )
        return YearSchedule(year, days_off, extra, names)


def official_source(region: str) -> HolidaySource:
    if region == "CN":
        return ChineseCalendarSource()
    if region == "HK":
        return HolidaysPackageSource("HK", (holidays.PUBLIC, holidays.OPTIONAL))
    if region == "TW":
        return HolidaysPackageSource("TW")
    raise ValueError(f"Unknown holiday region {region!r}; expected one of {', '.join(REGIONS)}")


def estimated_schedule(region: str, year: int) -> YearSchedule:
    """Best effort for a year outside the configured range: the statutory holidays the
    ``holidays`` package derives from its rules (no adjusted working days unless it knows
    them), or plain weekends where even that is out of range."""
    source = HolidaysPackageSource("CN") if region == "CN" else official_source(region)
    if year in source.covered_years():
        return source.schedule(year)
    return YearSchedule(year, frozenset(), frozenset(), {})
