"""Business-time deadlines on the real 2026 holiday schedules of mainland China, Hong Kong
and Taiwan, as the holiday packages publish them."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import chinese_calendar
import holidays
import pytest
from hypothesis import given, settings, strategies as st

from core.domain.business_calendar import (
    BusinessCalendar,
    Duration,
    HolidayDataUnavailable,
    WorkingHours,
)

UTC = timezone.utc
SHANGHAI = ZoneInfo("Asia/Shanghai")
HONG_KONG = ZoneInfo("Asia/Hong_Kong")
TAIPEI = ZoneInfo("Asia/Taipei")
LUNCH = WorkingHours(lunch_start=time(12, 0), lunch_end=time(13, 0))

CN = BusinessCalendar("CN")
CN_LUNCH = BusinessCalendar("CN", hours=LUNCH)
HK = BusinessCalendar("HK", timezone="Asia/Hong_Kong")
TW = BusinessCalendar("TW", timezone="Asia/Taipei")


def at(zone: ZoneInfo, *fields: int) -> datetime:
    return datetime(*fields, tzinfo=zone)


def days_of(year: int) -> list[date]:
    return [date(year, 1, 1) + timedelta(days=n) for n in range((date(year + 1, 1, 1) - date(year, 1, 1)).days)]


# -- what the packages say about 2026 ---------------------------------------------------


def test_cn_2026_national_day_per_chinesecalendar():
    # State Council notice for 2026: National Day 1-7 October off, Sunday 20 September and
    # Saturday 10 October worked. Mid-Autumn falls on Friday 25 September this year, so it
    # is a separate one-day holiday, not part of the October week.
    for day in range(1, 8):
        assert chinese_calendar.get_holiday_detail(date(2026, 10, day)) == (True, "National Day")
        assert not CN.is_working_day(date(2026, 10, day))
    assert chinese_calendar.get_holiday_detail(date(2026, 9, 25)) == (True, "Mid-autumn Festival")
    assert not CN.is_working_day(date(2026, 9, 25))
    assert chinese_calendar.is_workday(date(2026, 10, 10)) and date(2026, 10, 10).weekday() == 5
    assert CN.is_working_day(date(2026, 10, 10))
    assert CN.is_working_day(date(2026, 9, 20)) and date(2026, 9, 20).weekday() == 6
    assert CN.is_working_day(date(2026, 9, 30)) and CN.is_working_day(date(2026, 10, 8))
    assert CN.holiday_name(date(2026, 10, 5)) == "National Day"


def test_cn_2026_adjusted_working_days_are_the_packages():
    worked_weekend = {d for d in days_of(2026) if d.weekday() >= 5 and chinese_calendar.is_workday(d)}
    # The 2026 notice: 4 Jan (New Year), 14 and 28 Feb (Spring Festival), 9 May (Labour
    # Day), 20 Sep and 10 Oct (National Day).
    assert worked_weekend == {
        date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28),
        date(2026, 5, 9), date(2026, 9, 20), date(2026, 10, 10),
    }
    assert all(CN.is_working_day(d) for d in worked_weekend)
    # Spring Festival: Sunday 15 to Monday 23 February off; the 15th itself is a rest day.
    assert not CN.is_working_day(date(2026, 2, 15))
    assert [d.day for d in days_of(2026) if d.month == 2 and not CN.is_working_day(d) and d.weekday() < 5] == [
        16, 17, 18, 19, 20, 23,
    ]


def test_cn_2026_matches_the_holidays_package_day_by_day():
    # Two independent packages agreeing on every day of 2026 is the cross-check that the
    # published schedule, not a guess, is in use.
    other = holidays.country_holidays("CN", years=[2025, 2026, 2027])
    mismatches = [d for d in days_of(2026) if CN.is_working_day(d) != other.is_working_day(d)]
    assert mismatches == []


def test_hk_2026_general_holidays():
    table = holidays.country_holidays("HK", years=2026, categories=("public", "optional"), language="en_US")
    off = [
        date(2026, 1, 1),
        date(2026, 2, 17), date(2026, 2, 18), date(2026, 2, 19),  # Chinese New Year
        date(2026, 4, 3),  # Good Friday
        date(2026, 4, 6),  # the day following Ching Ming (Sunday 5 April)
        date(2026, 4, 7),  # the day following Easter Monday
        date(2026, 5, 1), date(2026, 5, 25), date(2026, 6, 19), date(2026, 7, 1),
        date(2026, 10, 1),  # National Day
        date(2026, 10, 19), date(2026, 12, 25),
    ]
    for day in off:
        assert day in table
        assert not HK.is_working_day(day), day
    # Worked in Hong Kong although off on the mainland.
    for day in (date(2026, 2, 16), date(2026, 2, 20), date(2026, 10, 2), date(2026, 10, 8)):
        assert HK.is_working_day(day), day
    # No mainland-style worked Saturdays.
    assert not HK.is_working_day(date(2026, 10, 10))
    assert not HK.is_working_day(date(2026, 2, 14))


def test_tw_2026_holidays_and_observed_days():
    table = holidays.country_holidays("TW", years=2026, language="en_US")
    # National Day falls on Saturday 10 October: the Friday before is observed.
    assert date(2026, 10, 10).weekday() == 5 and table[date(2026, 10, 9)] == "National Day (observed)"
    assert not TW.is_working_day(date(2026, 10, 9))
    assert TW.is_working_day(date(2026, 10, 8)) and TW.is_working_day(date(2026, 10, 12))
    # Peace Memorial Day 28 February is a Saturday: observed on Friday 27 February.
    assert table[date(2026, 2, 27)] == "Peace Memorial Day (observed)"
    assert not TW.is_working_day(date(2026, 2, 27))
    # Lunar New Year: Monday 16 to Friday 20 February off.
    assert [d.day for d in days_of(2026) if d.month == 2 and d.weekday() < 5 and not TW.is_working_day(d)] == [
        16, 17, 18, 19, 20, 27,
    ]
    # The package lists no make-up working Saturday for 2026 in Taiwan...
    assert not any(TW.is_working_day(d) for d in days_of(2026) if d.weekday() >= 5)
    # ...but does apply them where the DGPA set one: Saturday 8 February 2025.
    assert TW.is_working_day(date(2025, 2, 8))
    assert TW.is_working_day(date(2026, 10, 1))  # the PRC National Day is not a holiday there


def test_missing_year_fails_loudly():
    with pytest.raises(HolidayDataUnavailable, match="CN"):
        CN.is_working_day(date(2300, 1, 5))
    with pytest.raises(HolidayDataUnavailable):
        CN.add_business_hours(at(SHANGHAI, 2300, 1, 5, 10), 1)
    with pytest.raises(HolidayDataUnavailable):
        BusinessCalendar("TW", years=range(2026, 2300))


def test_year_outside_configured_range_uses_an_estimate():
    calendar = BusinessCalendar("CN", years=range(2025, 2027))
    assert calendar.is_working_day(date(2026, 10, 10))  # official data inside the range
    # 1995 predates chinesecalendar: the holidays package's rules still know 2 October.
    assert not calendar.is_working_day(date(1995, 10, 2))
    assert calendar.is_working_day(date(1995, 10, 3))
    # Beyond any data: plain weekends.
    assert calendar.is_working_day(date(2300, 1, 5)) and not calendar.is_working_day(date(2300, 1, 6))


def test_official_years_are_reported():
    assert 2026 in CN.official_years() and 2004 in CN.official_years()
    assert 2026 in HK.official_years() and 2026 in TW.official_years()
    assert CN.data_source.startswith("chinesecalendar")
    assert HK.data_source.startswith("holidays")


# -- business hours ---------------------------------------------------------------------


def test_filed_before_national_day_is_due_after_it():
    due = CN.add_business_hours(at(SHANGHAI, 2026, 9, 30, 17, 50), 1)
    assert due == at(SHANGHAI, 2026, 10, 8, 9, 50)
    assert due.tzinfo == UTC and due == datetime(2026, 10, 8, 1, 50, tzinfo=UTC)


def test_input_in_any_zone():
    # 09:50 UTC is 17:50 in Shanghai.
    assert CN.add_business_hours(datetime(2026, 9, 30, 9, 50, tzinfo=UTC), 1) == at(SHANGHAI, 2026, 10, 8, 9, 50)
    new_york = ZoneInfo("America/New_York")
    assert CN.add_business_hours(at(new_york, 2026, 9, 30, 5, 50), 1) == at(SHANGHAI, 2026, 10, 8, 9, 50)
    with pytest.raises(ValueError, match="timezone-aware"):
        CN.add_business_hours(datetime(2026, 9, 30, 17, 50), 1)


def test_adjusted_saturday_counts():
    # Friday 9 October 17:00 + 2 h runs into Saturday 10 October, a working day.
    assert CN.add_business_hours(at(SHANGHAI, 2026, 10, 9, 17), 2) == at(SHANGHAI, 2026, 10, 10, 10)
    # Spring Festival: Friday 13 February, then the worked Saturday 14th, then the
    # holiday until Monday 23rd.
    assert CN.add_business_hours(at(SHANGHAI, 2026, 2, 13, 17), 2) == at(SHANGHAI, 2026, 2, 14, 10)
    assert CN.add_business_hours(at(SHANGHAI, 2026, 2, 14, 17), 2) == at(SHANGHAI, 2026, 2, 24, 10)


def test_weekend():
    assert CN.add_business_hours(at(SHANGHAI, 2026, 11, 13, 17), 2) == at(SHANGHAI, 2026, 11, 16, 10)
    assert CN.add_business_hours(at(SHANGHAI, 2026, 11, 14, 11), 1) == at(SHANGHAI, 2026, 11, 16, 10)


def test_start_outside_hours_begins_at_next_opening():
    assert CN.add_business_hours(at(SHANGHAI, 2026, 11, 10, 7), 1) == at(SHANGHAI, 2026, 11, 10, 10)
    assert CN.add_business_hours(at(SHANGHAI, 2026, 11, 10, 20), 1) == at(SHANGHAI, 2026, 11, 11, 10)
    assert CN.add_business_hours(at(SHANGHAI, 2026, 11, 10, 18), 1) == at(SHANGHAI, 2026, 11, 11, 10)
    assert CN.add_business_hours(at(SHANGHAI, 2026, 11, 10, 7), 0) == at(SHANGHAI, 2026, 11, 10, 9)


def test_start_on_a_holiday():
    assert CN.add_business_hours(at(SHANGHAI, 2026, 10, 3, 10), 1) == at(SHANGHAI, 2026, 10, 8, 10)
    assert CN.next_opening(at(SHANGHAI, 2026, 10, 1, 0)) == at(SHANGHAI, 2026, 10, 8, 9)


def test_ending_exactly_at_closing_time():
    assert CN.add_business_hours(at(SHANGHAI, 2026, 11, 10, 9), 9) == at(SHANGHAI, 2026, 11, 10, 18)


def test_multi_day():
    # Monday 9 November 2026: 9 h Monday, 9 h Tuesday, 2 h Wednesday.
    assert CN.add_business_hours(at(SHANGHAI, 2026, 11, 9, 9), 20) == at(SHANGHAI, 2026, 11, 11, 11)
    # With lunch, 8 h a day: 8 + 8, then 09:00-12:00 and 13:00-14:00.
    assert CN_LUNCH.add_business_hours(at(SHANGHAI, 2026, 11, 9, 9), 20) == at(SHANGHAI, 2026, 11, 11, 14)
    # Across National Day and its worked Saturday: 30 Sep 10:00-18:00 (8 h), 8 Oct (9 h),
    # 9 Oct (9 h), then 10 Oct 09:00 + 4 h.
    assert CN.add_business_hours(at(SHANGHAI, 2026, 9, 30, 10), 30) == at(SHANGHAI, 2026, 10, 10, 13)


def test_lunch_break_is_excluded():
    assert CN_LUNCH.add_business_hours(at(SHANGHAI, 2026, 11, 10, 11, 30), 1) == at(SHANGHAI, 2026, 11, 10, 13, 30)
    assert CN_LUNCH.add_business_hours(at(SHANGHAI, 2026, 11, 10, 12, 15), 0.5) == at(SHANGHAI, 2026, 11, 10, 13, 30)
    assert CN_LUNCH.add_business_hours(at(SHANGHAI, 2026, 11, 10, 9), 3) == at(SHANGHAI, 2026, 11, 10, 12)
    assert CN_LUNCH.next_opening(at(SHANGHAI, 2026, 11, 10, 12, 30)) == at(SHANGHAI, 2026, 11, 10, 13)
    assert CN_LUNCH.business_hours_between(at(SHANGHAI, 2026, 11, 10, 11), at(SHANGHAI, 2026, 11, 10, 14)) == 2
    assert CN_LUNCH.business_hours_between(at(SHANGHAI, 2026, 11, 10, 0), at(SHANGHAI, 2026, 11, 11, 0)) == 8


def test_next_opening():
    inside = at(SHANGHAI, 2026, 11, 10, 10, 30)
    assert CN.next_opening(inside) == inside and CN.next_opening(inside).tzinfo == UTC
    assert CN.next_opening(at(SHANGHAI, 2026, 11, 13, 18)) == at(SHANGHAI, 2026, 11, 16, 9)


def test_hong_kong_deployment():
    # 1 October is a holiday there too, but Friday 2 October is worked.
    assert HK.add_business_hours(at(HONG_KONG, 2026, 9, 30, 17, 30), 1) == at(HONG_KONG, 2026, 10, 2, 9, 30)
    # Christmas on Friday, then the weekend.
    assert HK.add_business_hours(at(HONG_KONG, 2026, 12, 24, 17), 2) == at(HONG_KONG, 2026, 12, 28, 10)
    # Good Friday, the weekend, Ching Ming's and Easter Monday's following days.
    assert HK.add_business_hours(at(HONG_KONG, 2026, 4, 2, 17, 30), 1) == at(HONG_KONG, 2026, 4, 8, 9, 30)
    # Chinese New Year: Monday 16 February worked, 17-19 off.
    assert HK.add_business_hours(at(HONG_KONG, 2026, 2, 16, 17), 2) == at(HONG_KONG, 2026, 2, 20, 10)


def test_taiwan_deployment():
    assert TW.add_business_hours(at(TAIPEI, 2026, 10, 8, 17, 30), 1) == at(TAIPEI, 2026, 10, 12, 9, 30)
    assert TW.add_business_hours(at(TAIPEI, 2026, 2, 13, 17), 2) == at(TAIPEI, 2026, 2, 23, 10)
    assert TW.add_business_hours(at(TAIPEI, 2026, 2, 26, 17), 2) == at(TAIPEI, 2026, 3, 2, 10)
    assert TW.add_working_days(at(TAIPEI, 2026, 10, 8, 10), 1) == at(TAIPEI, 2026, 10, 12, 10)


def test_zone_with_daylight_saving():
    # An unusual deployment, but the day's hours follow the local clock across the change
    # (US clocks went forward on Sunday 8 March 2026).
    new_york = ZoneInfo("America/New_York")
    calendar = BusinessCalendar("TW", timezone="America/New_York")
    due = calendar.add_business_hours(at(new_york, 2026, 3, 6, 17), 2)
    assert due == at(new_york, 2026, 3, 9, 10) and due == datetime(2026, 3, 9, 14, tzinfo=UTC)
    assert calendar.business_hours_between(at(new_york, 2026, 3, 6, 9), at(new_york, 2026, 3, 9, 18)) == 18


# -- working days, calendar time, durations ---------------------------------------------


def test_add_working_days_across_a_holiday():
    assert CN.add_working_days(at(SHANGHAI, 2026, 9, 30, 10), 1) == at(SHANGHAI, 2026, 10, 8, 10)
    assert CN.add_working_days(at(SHANGHAI, 2026, 9, 30, 10), 3) == at(SHANGHAI, 2026, 10, 10, 10)
    assert CN.add_working_days(at(SHANGHAI, 2026, 9, 30, 10), 0) == at(SHANGHAI, 2026, 9, 30, 10)
    assert CN.add_working_days(at(SHANGHAI, 2026, 2, 13, 10), 2) == at(SHANGHAI, 2026, 2, 24, 10)


def test_add_working_days_outside_hours_counts_from_next_opening():
    assert CN.add_working_days(at(SHANGHAI, 2026, 9, 30, 20), 1) == at(SHANGHAI, 2026, 10, 9, 9)
    assert CN.add_working_days(at(SHANGHAI, 2026, 11, 13, 20), 1) == at(SHANGHAI, 2026, 11, 17, 9)
    assert CN.add_working_days(at(SHANGHAI, 2026, 11, 13, 20), 0) == at(SHANGHAI, 2026, 11, 16, 9)
    assert CN_LUNCH.add_working_days(at(SHANGHAI, 2026, 11, 10, 12, 30), 1) == at(SHANGHAI, 2026, 11, 11, 13)
    with pytest.raises(ValueError):
        CN.add_working_days(at(SHANGHAI, 2026, 11, 13, 20), -1)


def test_add_calendar_hours():
    due = CN.add_calendar_hours(at(SHANGHAI, 2026, 9, 30, 17, 50), 24)
    assert due == at(SHANGHAI, 2026, 10, 1, 17, 50) and due.tzinfo == UTC


def test_add_duration():
    start = at(SHANGHAI, 2026, 9, 30, 17, 50)
    assert CN.add(start, Duration.parse("1 business hour")) == at(SHANGHAI, 2026, 10, 8, 9, 50)
    assert CN.add(start, "2 working days") == at(SHANGHAI, 2026, 10, 9, 17, 50)
    assert CN.add(start, "24 hours") == at(SHANGHAI, 2026, 10, 1, 17, 50)
    assert CN.add(start, "15 minutes") == at(SHANGHAI, 2026, 9, 30, 18, 5)


@pytest.mark.parametrize(
    "text, amount, unit",
    [
        ("1 business hour", 1, "business_hours"),
        ("3 business_hours", 3, "business_hours"),
        ("1.5 working hours", 1.5, "business_hours"),
        ("2 working days", 2, "working_days"),
        ("2 Working-Days", 2, "working_days"),
        ("1 business day", 1, "working_days"),
        ("24 hours", 24, "calendar_hours"),
        ("24h", 24, "calendar_hours"),
        ("3 calendar days", 72, "calendar_hours"),
        ("15 minutes", 15, "calendar_minutes"),
        ("15min", 15, "calendar_minutes"),
        ("  5   calendar_minutes ", 5, "calendar_minutes"),
    ],
)
def test_duration_parse(text, amount, unit):
    assert Duration.parse(text) == Duration(amount, unit)


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "Cannot read"),
        ("soon", "Cannot read"),
        ("-1 hours", "Cannot read"),
        ("hours 3", "Cannot read"),
        ("2 fortnights", "Unknown unit"),
        ("3 days", "ambiguous"),
        ("1.5 working days", "whole number"),
        (24, "must be text"),
    ],
)
def test_duration_parse_errors(text, message):
    with pytest.raises(ValueError, match=message):
        Duration.parse(text)


def test_duration_value_object():
    assert str(Duration.parse("1 business hours")) == "1 business hour"
    assert str(Duration(2, "working_days")) == "2 working days"
    assert Duration.parse(Duration(2, "working_days")) == Duration(2, "working_days")
    with pytest.raises(ValueError):
        Duration(1, "fortnights")
    with pytest.raises(ValueError):
        Duration(-1, "calendar_hours")


def test_bad_configuration():
    with pytest.raises(ValueError):
        BusinessCalendar("JP")
    with pytest.raises(ValueError):
        BusinessCalendar("CN", timezone="Mars/Olympus")
    with pytest.raises(ValueError):
        WorkingHours(start=time(18), end=time(9))
    with pytest.raises(ValueError):
        WorkingHours(lunch_start=time(12))
    with pytest.raises(ValueError):
        WorkingHours(lunch_start=time(8), lunch_end=time(9, 30))
    with pytest.raises(ValueError):
        CN.add_business_hours(at(SHANGHAI, 2026, 11, 10, 10), -1)


def test_default_timezone_follows_region():
    assert BusinessCalendar("HK").zone == HONG_KONG
    assert BusinessCalendar("tw").zone == TAIPEI
    assert BusinessCalendar().zone == SHANGHAI


def test_many_deadlines_stay_cheap():
    calendar = BusinessCalendar("CN", hours=LUNCH)
    start = at(SHANGHAI, 2026, 1, 5, 9)
    dues = [calendar.add_business_hours(start + timedelta(minutes=37 * n), 40) for n in range(5000)]
    assert dues == sorted(dues)


# -- properties -------------------------------------------------------------------------

ZONES = st.sampled_from([UTC, SHANGHAI, ZoneInfo("America/New_York")])
MOMENTS = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2026, 10, 31), timezones=ZONES, allow_imaginary=False
)
CALENDARS = st.sampled_from([CN, CN_LUNCH, HK, TW])


@settings(deadline=None, max_examples=200)
@given(calendar=CALENDARS, start=MOMENTS, hours=st.floats(min_value=0, max_value=200))
def test_between_inverts_add(calendar, start, hours):
    due = calendar.add_business_hours(start, hours)
    assert due.tzinfo == UTC and due >= start
    assert calendar.business_hours_between(start, due) == pytest.approx(hours, abs=1e-6)


@settings(deadline=None, max_examples=200)
@given(calendar=CALENDARS, start=MOMENTS, span=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)))
def test_add_inverts_between(calendar, start, span):
    end = start + span
    elapsed = calendar.business_hours_between(start, end)
    assert elapsed >= 0
    assert calendar.business_hours_between(end, start) == -elapsed
    due = calendar.add_business_hours(start, elapsed)
    if elapsed > 0:
        # The earliest instant with that much business time: at or before `end`, and
        # nothing open lies between the two.
        assert due <= end
        assert calendar.business_hours_between(due, end) == 0


@settings(deadline=None, max_examples=100)
@given(calendar=CALENDARS, start=MOMENTS, a=st.floats(0, 100), b=st.floats(0, 100))
def test_add_is_monotonic(calendar, start, a, b):
    low, high = sorted((a, b))
    assert calendar.add_business_hours(start, low) <= calendar.add_business_hours(start, high)


@settings(deadline=None, max_examples=100)
@given(calendar=CALENDARS, start=MOMENTS, days=st.integers(0, 30))
def test_working_days_land_on_working_days(calendar, start, days):
    due = calendar.add_working_days(start, days)
    anchor = calendar.next_opening(start)
    assert calendar.is_working_day(due.astimezone(calendar.zone).date())
    assert due.astimezone(calendar.zone).time() == anchor.astimezone(calendar.zone).time()
    assert calendar.business_hours_between(anchor, due) == pytest.approx(days * calendar.hours.hours_per_day)


@given(
    amount=st.integers(0, 10_000),
    unit=st.sampled_from(["business_hours", "working_days", "calendar_hours", "calendar_minutes"]),
)
def test_duration_round_trips_through_text(amount, unit):
    duration = Duration(amount, unit)
    assert Duration.parse(str(duration)) == duration


def test_a_running_desk_estimates_a_year_without_official_data_instead_of_refusing_to_start(caplog) -> None:
    from bot.app import running_calendar

    covered = BusinessCalendar("CN").official_years()
    current = running_calendar("CN", "Asia/Shanghai", covered.stop - 1)
    assert current.is_working_day(date(covered.stop - 1, 1, 1)) is False  # New Year's Day, official
    assert not caplog.records
    beyond = covered.stop + 3
    estimated = running_calendar("CN", "Asia/Shanghai", beyond)
    assert "no official holiday data for this year" in caplog.text
    assert estimated.is_working_day(date(beyond, 1, 1)) is False  # estimated: still a holiday
    assert estimated.is_working_day(date(beyond, 3, 10)) == (date(beyond, 3, 10).weekday() < 5)
