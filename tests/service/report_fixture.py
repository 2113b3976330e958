"""A desk's October and September 2026, written as rows, whose report figures
tests/service/test_reports.py works out by hand.

Times are Shanghai wall-clock times. The business calendar is mainland China's: 9:00-18:00
on working days; 25-27 September (Mid-autumn) and 1-7 October (National Day) are
holidays, and Sunday 20 September and Saturday 10 October are worked instead.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from core.services.privacy import pseudonym
from core.storage.models import Case, CaseEvent, CaseRating, Deadline, ResolutionRecord, User

SHANGHAI = ZoneInfo("Asia/Shanghai")
AGENT, AGENT2, SUPERVISOR = 11, 12, 22
CUSTOMER = 501
ERASED_CUSTOMER = 502


def at(text: str) -> datetime:
    """'2026-10-09 17:00' in Shanghai, as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


REPORT_DAY = "2026-11-05 12:00"


@pytest.fixture
def clock(clock):  # type: ignore[no-untyped-def]
    """The day the reports are asked for, after the fixture's October: a test module that
    imports this fixture runs on it."""
    clock.advance(seconds=(at(REPORT_DAY) - clock.now()).total_seconds())
    return clock


@dataclass
class Filed:
    number: str
    filed: str
    category: str = "product_quality"
    severity: str = "general"
    stage: str = "received"
    tier: int = 1
    owner: int | None = None
    customer: int = CUSTOMER
    phone: str | None = "+8613800138000"
    reopen_count: int = 0
    appealed: bool = False
    # (when, actor, action)
    events: list[tuple[str, str, str]] = field(default_factory=list)
    # (stage, due, status, done at, breach number)
    deadlines: list[tuple[str, str, str, str | None, int]] = field(default_factory=list)
    rating: tuple[int, dict[str, int], str | None, str] | None = None  # stars, aspects, comment, rated at
    record: dict[str, Any] | None = None


STAFF = f"staff:{AGENT}"

OCTOBER = [
    # Filed on a Friday evening, claimed on the Saturday that is worked, resolved on Monday.
    Filed(
        "KS-A", "2026-10-09 17:00", stage="closed", owner=AGENT,
        events=[
            ("2026-10-10 10:00", STAFF, "claimed"),
            ("2026-10-12 09:30", STAFF, "proposed"),
            ("2026-10-12 11:00", f"customer:{CUSTOMER}", "solution_accepted"),
            ("2026-10-12 12:00", STAFF, "resolution_recorded"),
            ("2026-10-20 10:00", f"customer:{CUSTOMER}", "follow_up_ok"),
        ],
        deadlines=[
            ("received", "2026-10-09 18:00", "done", "2026-10-09 18:00", 1),
            ("received", "2026-10-12 18:00", "cancelled", "2026-10-10 10:00", 2),  # a later breach: not the stage's own
            ("accepted", "2026-10-12 10:00", "cancelled", "2026-10-12 09:30", 1),
        ],
        rating=(5, {"quality": 5, "speed": 4}, None, "2026-10-12 11:05"),
        record={"party": "employee", "kind": "direct", "cost": 10000, "improvement": "Train staff", "completed": "2026-10-12 12:00"},
    ),
    # Urgent, answered half an hour after a Friday 17:00 filing; accepted on Tuesday,
    # then reopened after a low rating.
    Filed(
        "KS-B", "2026-10-16 17:00", severity="urgent", stage="investigating", tier=2, owner=AGENT2, reopen_count=1,
        events=[
            ("2026-10-16 17:30", f"staff:{AGENT2}", "claimed"),
            ("2026-10-19 10:00", f"staff:{AGENT2}", "staff_reply"),
            ("2026-10-19 16:00", f"staff:{AGENT2}", "proposed"),
            ("2026-10-20 09:00", f"customer:{CUSTOMER}", "solution_accepted"),
            ("2026-10-20 10:00", f"customer:{CUSTOMER}", "reopened_unsatisfied"),
        ],
        deadlines=[
            ("received", "2026-10-16 17:15", "cancelled", "2026-10-16 17:30", 1),  # left after its deadline: missed
            ("investigating", "2026-11-03 10:00", "pending", None, 1),  # due after the period
        ],
        rating=(2, {"speed": 2}, "Too slow", "2026-10-20 09:05"),
    ),
    # Filed on a National Day holiday, answered when the office opened; rejected, appealed.
    Filed(
        "KS-C", "2026-10-02 10:00", category="other", severity="major", stage="investigating", tier=2, owner=SUPERVISOR,
        appealed=True,
        events=[
            ("2026-10-08 09:30", f"staff:{SUPERVISOR}", "staff_reply"),
            ("2026-10-09 10:00", f"staff:{SUPERVISOR}", "rejected"),
            ("2026-10-10 11:00", f"customer:{CUSTOMER}", "appealed"),
        ],
        deadlines=[
            ("received", "2026-10-08 10:00", "replanned", "2026-10-02 11:00", 1),  # replaced by a severity change
            ("received", "2026-10-08 10:00", "cancelled", "2026-10-08 09:30", 1),
        ],
    ),
    # Never answered; withdrawn the next day. Its deadline is past and still pending.
    Filed(
        "KS-D", "2026-10-26 09:00", category="after_sales", stage="withdrawn",
        events=[("2026-10-27 10:00", f"customer:{CUSTOMER}", "withdrawn")],
        deadlines=[("received", "2026-10-26 10:00", "pending", None, 1)],
    ),
    # A customer who has since been forgotten: pseudonymous, no contact left.
    Filed(
        "KS-E", "2026-10-20 09:00", category="other", stage="terminated", customer=pseudonym(ERASED_CUSTOMER), phone=None,
        events=[("2026-10-21 09:00", f"staff:{SUPERVISOR}", "terminated")],
        deadlines=[("received", "2026-10-20 10:00", "done", "2026-10-20 10:00", 1)],
    ),
]

SEPTEMBER = [
    # Filed the evening before National Day, answered after it.
    Filed(
        "KS-F", "2026-09-30 17:00", category="other", stage="accepted", owner=AGENT,
        events=[("2026-10-08 09:30", STAFF, "claimed")],
        deadlines=[("received", "2026-09-30 18:00", "cancelled", "2026-10-08 09:30", 1)],
    ),
    # Filed on a Saturday evening, answered on the Sunday that is worked.
    Filed(
        "KS-G", "2026-09-19 20:00", stage="accepted", owner=AGENT,
        events=[("2026-09-20 10:00", STAFF, "claimed")],
    ),
]


async def write(uow_factory, cases: list[Filed]) -> dict[str, int]:
    """The cases as rows; returns their ids by number."""
    ids = {}
    async with uow_factory() as uow:
        now = uow.clock.now()
        for user_id, name in ((CUSTOMER, "Li"), (AGENT, "Ann"), (AGENT2, "Bo"), (SUPERVISOR, "Sun")):
            if await uow.users.get(user_id) is None:
                uow.session.add(User(id=user_id, first_name=name, language_code="zh-cn", locale="zh_Hans", locale_chosen=False, created_at=now, updated_at=now))
        for filed in cases:
            case = await uow.cases.add(
                Case(
                    number=filed.number, customer_id=filed.customer, category=filed.category, statement="s", reference_values={},
                    contact_phone=filed.phone, resolution="refund", resolution_note=None, locale="zh_Hans", channel="telegram",
                    stage=filed.stage, severity=filed.severity, tier=filed.tier, owner_id=filed.owner, reopen_count=filed.reopen_count,
                    appealed=filed.appealed, created_at=at(filed.filed), updated_at=at(filed.filed),
                )
            )
            ids[filed.number] = case.id
            uow.session.add(CaseEvent(case_id=case.id, at=at(filed.filed), actor=f"customer:{filed.customer}", action="filed", detail={}))
            for when, actor, action in filed.events:
                uow.cases.record_event(case.id, at(when), actor, action)  # as the bot records them, first response included
            for stage, due, status, done, breach_no in filed.deadlines:
                uow.session.add(
                    Deadline(case_id=case.id, kind="breach", stage=stage, breach_no=breach_no, due_at=at(due), status=status, done_at=at(done) if done else None)
                )
            if filed.rating:
                stars, aspects, comment, rated = filed.rating
                uow.session.add(CaseRating(case_id=case.id, round=0, stars=stars, aspects=aspects, comment=comment, rated_at=at(rated), updated_at=at(rated)))
            if filed.record:
                r = filed.record
                uow.session.add(
                    ResolutionRecord(
                        case_id=case.id, round=0, responsible_party=r["party"], responsibility_kind=r["kind"], root_cause="cause", remedy="remedy",
                        cost_cents=r["cost"], improvement=r["improvement"], recorded_by=AGENT, started_at=at(r["completed"]), completed_at=at(r["completed"]),
                    )
                )
        await uow.commit()
    return ids
