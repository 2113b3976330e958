"""cases.first_response_at, the case's first response kept on it for the reports: set
with the history row of a staff member's first claim, assignment or message (never a
customer's or the system's), and filled by migration 0012 from the history of cases
filed before it."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import text

from core.storage.db import create_engine
from core.storage.migrate import migrate
from core.storage.models import Case

FILED = datetime(2026, 10, 9, 9, 0, tzinfo=timezone.utc)


def stored(moment: datetime, dialect: str) -> object:
    """A time as the rows hold it: SQLite keeps UTC text without a zone."""
    return moment.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f") if dialect == "sqlite" else moment


async def test_the_first_staff_response_is_taken_from_the_history(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await migrate(engine, "0011")
        async with engine.begin() as connection:
            dialect = connection.dialect.name
            for case_id in (1, 2):
                await connection.execute(
                    text(
                        "INSERT INTO cases (id, number, customer_id, category, statement, reference_values, resolution, locale, channel,"
                        " stage, severity, tier, reopen_count, appealed, created_at, updated_at)"
                        " VALUES (:id, :number, 900, 'other', 's', '{}', 'refund', 'en', 'telegram', 'accepted', 'general', 1, 0, false, :at, :at)"
                    ),
                    {"id": case_id, "number": f"KS-{case_id}", "at": stored(FILED, dialect)},
                )
            history = [
                (1, 10, "customer:900", "customer_message"),  # the customer's words are no response
                (1, 20, "system", "proposal_reminder"),
                (1, 90, "staff:11", "staff_reply"),
                (1, 30, "staff:12", "claimed"),  # recorded later but earlier: the earliest counts
                (1, 40, "staff:11", "staff_reply_edited"),
                (2, 15, "customer:900", "filed"),
            ]
            for case_id, minutes, actor, action in history:
                await connection.execute(
                    text("INSERT INTO case_events (case_id, at, actor, action, detail) VALUES (:case_id, :at, :actor, :action, '{}')"),
                    {"case_id": case_id, "at": stored(FILED + timedelta(minutes=minutes), dialect), "actor": actor, "action": action},
                )
        await migrate(engine)
        async with engine.connect() as connection:
            rows = (await connection.execute(text("SELECT id, first_response_at FROM cases ORDER BY id"))).all()
        first = rows[0][1] if isinstance(rows[0][1], datetime) else datetime.fromisoformat(rows[0][1])
        assert (first.replace(tzinfo=timezone.utc) if first.tzinfo is None else first) == FILED + timedelta(minutes=30)
        assert rows[1][1] is None
    finally:
        await engine.dispose()


async def test_the_history_writer_keeps_the_earliest_staff_response_on_the_case(uow_factory) -> None:
    async with uow_factory() as uow:
        case = await uow.cases.add(
            Case(number="KS-1", customer_id=900, category="other", statement="s", reference_values={}, contact_phone=None, resolution="refund",
                 resolution_note=None, locale="en", channel="telegram", stage="received", created_at=FILED, updated_at=FILED)
        )
        uow.cases.record_event(case.id, FILED + timedelta(minutes=5), "customer:900", "customer_message", text="hello")
        uow.cases.record_event(case.id, FILED + timedelta(minutes=6), "system", "proposal_reminder")
        assert case.first_response_at is None
        uow.cases.record_event(case.id, FILED + timedelta(minutes=40), "staff:11", "claimed")
        uow.cases.record_event(case.id, FILED + timedelta(minutes=50), "staff:11", "staff_reply", text="on it")
        await uow.commit()
    async with uow_factory() as uow:
        case = await uow.cases.by_number("KS-1")
        assert case is not None and case.first_response_at == FILED + timedelta(minutes=40)
        uow.cases.record_event(case.id, FILED + timedelta(minutes=30), "staff:12", "assigned", owner=12)  # an earlier one, recorded late
        await uow.commit()
    async with uow_factory() as uow:
        assert (await uow.cases.by_number("KS-1")).first_response_at == FILED + timedelta(minutes=30)


async def test_a_staff_response_on_a_case_not_loaded_is_written_at_commit(uow_factory) -> None:
    async with uow_factory() as uow:
        case = await uow.cases.add(
            Case(number="KS-2", customer_id=901, category="other", statement="s", reference_values={}, contact_phone=None, resolution="refund",
                 resolution_note=None, locale="en", channel="telegram", stage="received", created_at=FILED, updated_at=FILED)
        )
        await uow.commit()
        case_id = case.id
    async with uow_factory() as uow:  # a fresh session: the case is not loaded in it
        uow.cases.record_event(case_id, FILED + timedelta(minutes=20), "staff:11", "staff_reply", text="on it")
        uow.cases.record_event(case_id, FILED + timedelta(minutes=15), "staff:11", "claimed")
        await uow.commit()
    async with uow_factory() as uow:
        assert (await uow.cases.get(case_id)).first_response_at == FILED + timedelta(minutes=15)
    async with uow_factory() as uow:  # a later response leaves the earliest one alone
        uow.cases.record_event(case_id, FILED + timedelta(minutes=90), "staff:12", "assigned", owner=12)
        await uow.commit()
    async with uow_factory() as uow:
        assert (await uow.cases.get(case_id)).first_response_at == FILED + timedelta(minutes=15)
