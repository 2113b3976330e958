"""When the weekly digest is posted: the [reports] table of the deployment file and the
arithmetic of its slots (a weekday and a wall-clock time in the desk's timezone).

A slot is a local weekday and time; its UTC instant follows the zone's rules, so a zone
with daylight saving keeps the wall-clock time across the change. A digest due while the
bot was down is posted once, for the latest slot that passed (`latest_slot`), and the next
one is planned for the first slot after now (`next_slot`), never one per missed week.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator

from core.domain.config_errors import Table, Text, one_of

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
# The digest covers this many days up to its slot, beside as many days before them.
DIGEST_DAYS = 7


@dataclass(frozen=True)
class ReportsConfig:
    # Post a weekly digest to the handler group by itself (off unless the desk asks for it).
    digest: bool = False
    digest_weekday: str = "monday"
    digest_time: str = "09:00"  # HH:MM, 24-hour, in the desk's timezone

    @property
    def weekday_index(self) -> int:
        return WEEKDAYS.index(self.digest_weekday)

    @property
    def local_time(self) -> time:
        hours, minutes = self.digest_time.split(":")
        return time(int(hours), int(minutes))


def _time_of_day(text: str) -> str:
    match = _TIME.fullmatch(text)
    if match is None:
        raise ValueError(f'expected a time of day as "HH:MM" (24-hour, e.g. "09:00"), got {text!r}')
    return f"{int(match.group(1)):02d}:{match.group(2)}"


class ReportsTable(Table):
    """The [reports] table of the deployment file; its fields are ReportsConfig's."""

    digest: bool = ReportsConfig.digest
    digest_weekday: one_of(*WEEKDAYS) = ReportsConfig.digest_weekday  # type: ignore[valid-type]
    digest_time: Annotated[Text, AfterValidator(_time_of_day)] = ReportsConfig.digest_time


def _slot_on(day: date, config: ReportsConfig, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, config.local_time, tzinfo=zone).astimezone(timezone.utc)


def next_slot(config: ReportsConfig, zone: ZoneInfo, after: datetime) -> datetime:
    """The first digest time strictly after `after` (aware UTC)."""
    today = after.astimezone(zone).date()
    day = today + timedelta(days=(config.weekday_index - today.weekday()) % 7)
    slot = _slot_on(day, config, zone)
    while slot <= after:
        day += timedelta(days=7)
        slot = _slot_on(day, config, zone)
    return slot


def latest_slot(config: ReportsConfig, zone: ZoneInfo, now: datetime) -> datetime:
    """The last digest time at or before `now`: what a late digest reports on."""
    today = now.astimezone(zone).date()
    day = today - timedelta(days=(today.weekday() - config.weekday_index) % 7)
    slot = _slot_on(day, config, zone)
    while slot > now:
        day -= timedelta(days=7)
        slot = _slot_on(day, config, zone)
    return slot


def is_slot(config: ReportsConfig, zone: ZoneInfo, moment: datetime) -> bool:
    """Whether `moment` is one of the configured digest times (a changed setting replans)."""
    local = moment.astimezone(zone)
    return local.weekday() == config.weekday_index and local.time() == config.local_time
