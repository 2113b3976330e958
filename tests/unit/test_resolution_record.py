"""The resolution record's form order and its cost parsing."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from core.services.resolution_record import format_cost, next_question, parse_cost
from core.storage.models import ResolutionRecord


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("0", 0), ("200", 20000), ("35.5", 3550), ("35.50", 3550), ("1,299.50", 129950), ("¥1,299.50", 129950),
        ("￥80", 8000), ("80元", 8000), ("HK$ 80", 8000), ("NT$1200", 120000), ("RMB 15", 1500), ("1 200", 120000),
        ("１２", 1200), ("￥１，２００", 120000),  # full-width, as a Chinese input method types them
        ("", None), ("free", None), ("-5", None), ("12.345", None), ("1e3", None), ("12.", None), ("9" * 20, None),
    ],
)
def test_costs_are_read_as_whole_cents(text: str, cents: int | None) -> None:
    assert parse_cost(text) == cents


def test_costs_are_shown_with_two_decimals() -> None:
    assert [format_cost(c) for c in (0, 5, 3550, 129950)] == ["0.00", "0.05", "35.50", "1,299.50"]


def test_the_form_asks_the_first_unanswered_question() -> None:
    record = ResolutionRecord(case_id=1, round=0, started_at=datetime(2026, 11, 25, tzinfo=timezone.utc))
    order = []
    answers = {
        "party": ("responsible_party", "department"), "kind": ("responsibility_kind", "joint"), "cause": ("root_cause", "packing"),
        "remedy": ("remedy", "replacement"), "cost": ("cost_cents", 0), "improve": ("improvement", "double boxes"),
    }
    while (question := next_question(record)) is not None:
        order.append(question)
        column, value = answers[question]
        setattr(record, column, value)
    assert order == ["party", "kind", "cause", "remedy", "cost", "improve"]
    # A cost of zero is an answer, not a gap.
    assert record.cost_cents == 0 and next_question(record) is None
