"""Services driven directly through a real unit of work on a migrated database (SQLite,
and PostgreSQL when TEST_POSTGRES_URL is set), with the deployment's defaults."""
from __future__ import annotations

import pytest

from core.domain.business_calendar import BusinessCalendar
from core.domain.deployment import config_from_mapping
from core.services.case_events import CaseEventHandlers
from core.services.staff_desk import StaffDesk
from core.storage.db import session_factory
from core.storage.uow import UnitOfWork

GROUP_ID = -100123
AGENT, SUPERVISOR, DIRECTOR = 11, 22, 33


@pytest.fixture
def desk() -> StaffDesk:
    config = config_from_mapping({"staff": {"agents": [AGENT], "supervisors": [SUPERVISOR], "directors": [DIRECTOR]}})
    # 2027 is estimated, as the running bot does for years after the current one.
    calendar = BusinessCalendar("CN", years=range(2026, 2027))
    return StaffDesk(GROUP_ID, True, config.staff, config.intake, config.sla, calendar)


@pytest.fixture
def uow_factory(engine, clock, desk):
    """Units of work wired as the bot wires them: domain events reach their handlers."""
    sessions = session_factory(engine)
    handlers = CaseEventHandlers(desk)
    return lambda: UnitOfWork(sessions, clock, event_handlers=handlers)
