"""A configured duration as words in the reader's locale ("30 working days", "30 个工作日")."""
from __future__ import annotations

from core.domain.business_calendar import BUSINESS_HOURS, CALENDAR_HOURS, CALENDAR_MINUTES, WORKING_DAYS, Duration
from core.intents import Phrase


def duration_phrase(duration: Duration) -> Phrase:
    amount = str(int(duration.amount)) if float(duration.amount).is_integer() else f"{duration.amount:g}"
    if duration.unit == WORKING_DAYS:
        return Phrase("duration.working_days", amount=amount)
    if duration.unit == BUSINESS_HOURS:
        return Phrase("duration.business_hours", amount=amount)
    if duration.unit == CALENDAR_HOURS:
        return Phrase("duration.hours", amount=amount)
    if duration.unit == CALENDAR_MINUTES:
        return Phrase("duration.minutes", amount=amount)
    raise ValueError(f"no words for the duration unit {duration.unit!r}")
