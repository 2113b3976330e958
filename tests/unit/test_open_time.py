"""The reports' business-hours index answers as BusinessCalendar.business_hours_between does."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings, strategies as st

from core.domain.business_calendar import BusinessCalendar, WorkingHours
from core.domain.open_time import epoch_ms

SHANGHAI = ZoneInfo("Asia/Shanghai")
CALENDARS = [
    BusinessCalendar("CN"),
    BusinessCalendar("CN", hours=WorkingHours(lunch_start=time(12, 0), lunch_end=time(13, 0))),
    BusinessCalendar("HK", timezone="Asia/Hong_Kong"),
    BusinessCalendar("TW", timezone="Asia/Taipei"),
    BusinessCalendar("CN", timezone="America/New_York"),
]
FIRST = datetime(2025, 12, 20, tzinfo=timezone.utc)
LAST = datetime(2026, 12, 31, tzinfo=timezone.utc)


def shanghai(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=SHANGHAI)


def test_a_duration_across_national_day_counts_only_working_hours() -> None:
    calendar = CALENDARS[0]
    index = calendar.open_time_index(shanghai(2026, 9, 1), shanghai(2026, 10, 31))
    # Wednesday 30 September 17:00 to Thursday 8 October 10:30: one hour on the 30th,
    # 1-7 October off, then 09:00-10:30 on the 8th.
    start, end = shanghai(2026, 9, 30, 17), shanghai(2026, 10, 8, 10, 30)
    assert index.hours_between(epoch_ms(start), epoch_ms(end)) == 2.5
    assert index.hours_between(epoch_ms(end), epoch_ms(start)) == -2.5


def test_instants_outside_the_index_are_refused() -> None:
    index = CALENDARS[0].open_time_index(shanghai(2026, 9, 1), shanghai(2026, 9, 30))
    with pytest.raises(ValueError, match="outside"):
        index.hours_between(epoch_ms(shanghai(2026, 9, 2)), epoch_ms(shanghai(2026, 10, 2)))


@settings(deadline=None, max_examples=300)
@given(
    calendar=st.sampled_from(CALENDARS),
    start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 11, 30), timezones=st.just(timezone.utc)),
    span=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)),
)
def test_the_index_agrees_with_the_calendar(calendar: BusinessCalendar, start: datetime, span: timedelta) -> None:
    index = calendar.open_time_index(FIRST, LAST)
    end = start + span
    expected = calendar.business_hours_between(start, end)
    assert index.hours_between(epoch_ms(start), epoch_ms(end)) == pytest.approx(expected, abs=1e-6)
