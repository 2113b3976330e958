"""The weekly digest's slots: the next one after a moment, the latest one before it, across
week boundaries, in a zone without daylight saving and in one with it."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from core.domain.digest_schedule import ReportsConfig, is_slot, latest_slot, next_slot

SHANGHAI, BERLIN = ZoneInfo("Asia/Shanghai"), ZoneInfo("Europe/Berlin")
MONDAY_NINE = ReportsConfig(digest=True, digest_weekday="monday", digest_time="09:00")


def local(text: str, zone: ZoneInfo = SHANGHAI) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone).astimezone(timezone.utc)


def test_the_next_slot_is_the_coming_weekday_at_its_time() -> None:
    # Wednesday 2 December 2026 -> Monday 7 December, 09:00 Shanghai (01:00 UTC).
    assert next_slot(MONDAY_NINE, SHANGHAI, local("2026-12-02 15:00")) == datetime(2026, 12, 7, 1, 0, tzinfo=timezone.utc)
    # On the day, before the time: today; at or after it: a week on.
    assert next_slot(MONDAY_NINE, SHANGHAI, local("2026-12-07 08:59")) == local("2026-12-07 09:00")
    assert next_slot(MONDAY_NINE, SHANGHAI, local("2026-12-07 09:00")) == local("2026-12-14 09:00")
    # Across the year's end: Sunday 27 December -> Monday 28; Tuesday 29 -> Monday 4 January.
    assert next_slot(MONDAY_NINE, SHANGHAI, local("2026-12-27 23:00")) == local("2026-12-28 09:00")
    assert next_slot(MONDAY_NINE, SHANGHAI, local("2026-12-29 10:00")) == local("2027-01-04 09:00")


def test_the_local_day_decides_not_the_utc_day() -> None:
    # Sunday 23:30 UTC is already Monday 07:30 in Shanghai: the slot is that morning.
    assert next_slot(MONDAY_NINE, SHANGHAI, datetime(2026, 12, 6, 23, 30, tzinfo=timezone.utc)) == local("2026-12-07 09:00")
    late = ReportsConfig(digest=True, digest_weekday="sunday", digest_time="23:30")
    assert next_slot(late, SHANGHAI, local("2026-12-06 23:00")) == datetime(2026, 12, 6, 15, 30, tzinfo=timezone.utc)


def test_the_latest_slot_after_a_gap_of_weeks() -> None:
    # Down from Monday 9:00 on 7 December for three weeks and two days: the latest slot is
    # Monday 28 December, and the next is 4 January.
    now = local("2026-12-30 11:00")
    assert latest_slot(MONDAY_NINE, SHANGHAI, now) == local("2026-12-28 09:00")
    assert next_slot(MONDAY_NINE, SHANGHAI, now) == local("2027-01-04 09:00")
    assert latest_slot(MONDAY_NINE, SHANGHAI, local("2026-12-28 09:00")) == local("2026-12-28 09:00")
    assert latest_slot(MONDAY_NINE, SHANGHAI, local("2026-12-28 08:59")) == local("2026-12-21 09:00")


def test_a_zone_with_daylight_saving_keeps_the_wall_clock_time() -> None:
    # Berlin leaves summer time on Sunday 25 October 2026: 09:00 is 07:00 UTC before, 08:00 after.
    before = next_slot(MONDAY_NINE, BERLIN, local("2026-10-20 12:00", BERLIN))
    after = next_slot(MONDAY_NINE, BERLIN, before)
    assert (before, after) == (datetime(2026, 10, 26, 8, 0, tzinfo=timezone.utc), datetime(2026, 11, 2, 8, 0, tzinfo=timezone.utc))
    summer = next_slot(MONDAY_NINE, BERLIN, local("2026-10-13 12:00", BERLIN))
    assert summer == datetime(2026, 10, 19, 7, 0, tzinfo=timezone.utc)


def test_a_changed_setting_is_no_slot_of_the_new_one() -> None:
    slot = local("2026-12-07 09:00")
    assert is_slot(MONDAY_NINE, SHANGHAI, slot)
    assert not is_slot(ReportsConfig(digest=True, digest_weekday="monday", digest_time="10:00"), SHANGHAI, slot)
    assert not is_slot(ReportsConfig(digest=True, digest_weekday="tuesday", digest_time="09:00"), SHANGHAI, slot)
