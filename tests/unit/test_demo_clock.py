"""The demo's clock control: what the bot reads from CLOCK_OFFSET_FILE after each button."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from core.clock import OffsetClock
from demo.clock import DemoClock

SHANGHAI = ZoneInfo("Asia/Shanghai")
REAL = datetime(2026, 9, 30, 2, 0, tzinfo=timezone.utc)  # Wednesday 10:00 in Shanghai, before National Day


def clock_at(tmp_path: Path, real: datetime) -> DemoClock:
    return DemoClock(tmp_path / "offset", "CN", "Asia/Shanghai", real_now=lambda: real)


def local(moment: datetime) -> datetime:
    return moment.astimezone(SHANGHAI).replace(microsecond=0)


def test_in_business_hours_the_clock_starts_at_real_time(tmp_path: Path) -> None:
    clock = clock_at(tmp_path, REAL)
    assert clock.start() == REAL
    assert clock.offset == 0


def test_at_night_the_clock_starts_at_the_next_opening(tmp_path: Path) -> None:
    saturday_night = datetime(2026, 10, 10, 14, 0, tzinfo=timezone.utc)  # Saturday 22:00, an adjusted working day
    clock = clock_at(tmp_path, saturday_night)
    assert local(clock.start()) == datetime(2026, 10, 12, 9, 5, tzinfo=SHANGHAI)  # Monday 09:05


def test_a_working_day_skips_the_national_day_holiday(tmp_path: Path) -> None:
    clock = clock_at(tmp_path, REAL)
    clock.start()
    assert local(clock.advance_working_day()) == datetime(2026, 10, 8, 10, 0, tzinfo=SHANGHAI)
    assert local(clock.advance_working_day()) == datetime(2026, 10, 9, 10, 0, tzinfo=SHANGHAI)


def test_hours_add_up_and_the_bot_reads_the_same_time(tmp_path: Path) -> None:
    clock = clock_at(tmp_path, datetime.now(timezone.utc))
    clock.start()
    started = clock.offset  # not 0 when the office is closed now
    clock.advance_hours(1)
    moved = clock.advance_hours(24 * 7)
    assert clock.offset - started == timedelta(hours=169).total_seconds()
    bot_now = OffsetClock(clock.path).now()
    assert abs(bot_now - moved) < timedelta(seconds=5)
    assert not (tmp_path / "offset.tmp").exists()
