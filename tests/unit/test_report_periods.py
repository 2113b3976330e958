"""The periods /report and /export read, the previous period each is compared with, and
the weeks or months a chart over time is drawn in."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from core.services.report_periods import parse_period

ZONE = "Asia/Shanghai"
TZ = ZoneInfo(ZONE)
# Thursday 19 November 2026, 15:30 in Shanghai.
NOW = datetime(2026, 11, 19, 15, 30, tzinfo=TZ)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def span(period) -> tuple[datetime, datetime]:  # type: ignore[no-untyped-def]
    return period.start.astimezone(TZ), period.end.astimezone(TZ)


def test_without_words_the_last_30_days_today_included() -> None:
    period = parse_period(None, NOW, ZONE)
    assert span(period) == (local("2026-10-21 00:00"), local("2026-11-20 00:00"))
    assert (period.first_day.isoformat(), period.last_day.isoformat()) == ("2026-10-21", "2026-11-19")
    assert span(period.previous()) == (local("2026-09-21 00:00"), local("2026-10-21 00:00"))
    assert parse_period("  ", NOW, ZONE) == period


@pytest.mark.parametrize(("words", "start", "previous"), [
    ("week", "2026-11-16 00:00", ("2026-11-09 00:00", "2026-11-12 15:30")),
    ("month", "2026-11-01 00:00", ("2026-10-01 00:00", "2026-10-19 15:30")),
    ("QUARTER", "2026-10-01 00:00", ("2026-07-01 00:00", "2026-08-19 15:30")),
    ("year", "2026-01-01 00:00", ("2025-01-01 00:00", "2025-11-19 15:30")),
])
def test_a_unit_so_far_is_compared_with_as_much_of_the_unit_before(words: str, start: str, previous: tuple[str, str]) -> None:
    period = parse_period(words, NOW, ZONE)
    assert span(period) == (local(start), NOW)
    assert span(period.previous()) == (local(previous[0]), local(previous[1]))


def test_the_previous_of_a_long_month_so_far_stays_within_the_shorter_month_before() -> None:
    period = parse_period("month", local("2026-03-31 20:00"), ZONE)
    assert span(period.previous()) == (local("2026-02-01 00:00"), local("2026-03-01 00:00"))


def test_a_named_month_is_the_whole_month_beside_the_month_before() -> None:
    period = parse_period("2026-11", NOW, ZONE)
    assert span(period) == (local("2026-11-01 00:00"), local("2026-12-01 00:00"))
    assert span(period.previous()) == (local("2026-10-01 00:00"), local("2026-11-01 00:00"))
    assert span(parse_period("2026-1", NOW, ZONE).previous()) == (local("2025-12-01 00:00"), local("2026-01-01 00:00"))


def test_a_named_year_is_the_whole_year_beside_the_year_before() -> None:
    period = parse_period("2026", NOW, ZONE)
    assert (span(period), period.kind) == ((local("2026-01-01 00:00"), local("2027-01-01 00:00")), "calendar_year")
    assert span(period.previous()) == (local("2025-01-01 00:00"), local("2026-01-01 00:00"))
    assert period.bucket_unit() == "month" and len(period.buckets()) == 12


def test_days_are_both_included_beside_as_many_days_before() -> None:
    period = parse_period("2026-11-01..2026-11-30", NOW, ZONE)
    assert span(period) == (local("2026-11-01 00:00"), local("2026-12-01 00:00"))
    assert span(period.previous()) == (local("2026-10-02 00:00"), local("2026-11-01 00:00"))
    assert span(parse_period("2026-11-05..2026-11-05", NOW, ZONE)) == (local("2026-11-05 00:00"), local("2026-11-06 00:00"))


@pytest.mark.parametrize("words", [
    "fortnight", "2026-13", "2026-00", "1999-05", "2026-11-31..2026-12-01", "2026-11-30..2026-11-01", "2020-01-01..2026-01-01",
    "2026/11", "last month", "2026-11-01..", "-1", "1999", "20266",
])
def test_other_words_name_no_period(words: str) -> None:
    assert parse_period(words, NOW, ZONE) is None


def test_a_short_period_is_drawn_per_week_from_monday_and_a_long_one_per_month() -> None:
    weeks = parse_period("2026-11", NOW, ZONE).buckets()
    assert [b.label for b in weeks] == ["11-01", "11-02", "11-09", "11-16", "11-23", "11-30"]
    assert weeks[0].start.astimezone(TZ) == local("2026-11-01 00:00") and weeks[0].end.astimezone(TZ) == local("2026-11-02 00:00")
    assert weeks[-1].end.astimezone(TZ) == local("2026-12-01 00:00")
    months = parse_period("year", NOW, ZONE).buckets()
    assert [b.label for b in months] == [f"2026-{m:02d}" for m in range(1, 12)]
    assert months[-1].end == NOW
    # About three months is still weekly; more is monthly.
    assert parse_period("2026-08-01..2026-10-31", NOW, ZONE).bucket_unit() == "week"
    assert parse_period("2026-08-01..2026-11-01", NOW, ZONE).bucket_unit() == "month"
