"""Several handler groups through a real unit of work: a new case goes to its group (the
least busy of a rule's), an escalated case moves with what was waiting for it, staff act on
a case only from its group, and a group is told of its backlog."""
from __future__ import annotations

from dataclasses import replace

import pytest

from core.domain.deployment import config_from_mapping
from core.intents import CaseRoute, CopyMessage, CreateTopic, Phrase, Purpose, SendMessage, decode_intent
from core.services.callbacks import StaffButton
from core.services.case_events import CaseEventHandlers
from core.services.desk_backlog import tell_backlogs
from core.services.routing import customer_message, route_new_case
from core.services.staff_actions import Actor, StaffActions
from core.services.staff_queries import StaffQueries
from core.storage.db import session_factory
from core.storage.models import Case, User
from core.storage.uow import UnitOfWork
from tests.service.cases import CUSTOMER, add_staff_user
from tests.service.conftest import AGENT, GROUP_ID

AFTER_SALES, SPARE, SUPERVISORS = -200, -300, -400


@pytest.fixture
def desk(desk):
    routing = config_from_mapping({"routing": {
        "groups": [
            {"name": "after-sales", "chat_id": AFTER_SALES, "locale": "en"},
            {"name": "spare", "chat_id": SPARE},
            {"name": "supervisors", "chat_id": SUPERVISORS},
        ],
        "rules": [
            {"tiers": [2, 3], "groups": ["supervisors"]},
            {"categories": ["after_sales"], "groups": ["after-sales", "spare"]},
        ],
    }}).routing
    return replace(desk, routing=routing, forum_chats=frozenset({GROUP_ID, AFTER_SALES, SPARE, SUPERVISORS}))


@pytest.fixture
def uow_factory(engine, clock, desk):
    sessions = session_factory(engine)
    handlers = CaseEventHandlers(desk)
    return lambda: UnitOfWork(sessions, clock, event_handlers=handlers)


async def new_case(uow_factory, desk, number: str, category: str = "after_sales") -> int:
    async with uow_factory() as uow:
        now = uow.clock.now()
        customer = await uow.users.get(CUSTOMER)
        if customer is None:
            customer = User(id=CUSTOMER, first_name="Li", language_code="en", locale="en", locale_chosen=False, created_at=now, updated_at=now)
            uow.session.add(customer)
        case = await uow.cases.add(Case(
            number=number, customer_id=CUSTOMER, category=category, statement="The repair never came.", reference_values={},
            contact_phone=None, resolution="repair", resolution_note=None, locale="en", channel="telegram", stage="received",
            severity="general", tier=1, reopen_count=0, appealed=False, created_at=now, updated_at=now,
        ))
        await route_new_case(uow, desk, case, customer)
        await uow.commit()
        return case.id


async def pending(uow_factory, chat_id: int) -> list:
    async with uow_factory() as uow:
        rows = await uow.outbox.pending_for_chat(chat_id, limit=1000)
    return [decode_intent(r.method, r.chat_id, r.locale, r.payload) for r in rows]


async def group_of(uow_factory, case_id: int) -> int | None:
    async with uow_factory() as uow:
        case = await uow.cases.get(case_id)
        assert case is not None
        return case.group_chat_id


async def test_a_new_case_goes_to_its_rule_s_least_busy_group(uow_factory, desk) -> None:
    first = await new_case(uow_factory, desk, "KS-1")
    assert await group_of(uow_factory, first) == AFTER_SALES  # both idle: the first listed
    # The after-sales group now has the first case's topic and card waiting: the next goes to the spare group.
    second = await new_case(uow_factory, desk, "KS-2")
    assert await group_of(uow_factory, second) == SPARE
    assert [type(i) for i in await pending(uow_factory, SPARE)] == [CreateTopic, SendMessage]
    # No rule matches: the home group.
    third = await new_case(uow_factory, desk, "KS-3", category="other")
    assert await group_of(uow_factory, third) == GROUP_ID
    card = (await pending(uow_factory, AFTER_SALES))[1]
    assert card.locale == "en" and card.route == CaseRoute(first, Purpose.CARD)


async def test_an_escalated_case_moves_with_what_was_waiting_and_its_old_thread_is_told(uow_factory, desk) -> None:
    case_id = await new_case(uow_factory, desk, "KS-9")
    # Its topic and card were posted; a customer's message is still waiting in the after-sales group.
    async with uow_factory() as uow:
        case = await uow.cases.get(case_id)
        case.thread_id, case.card_message_id = 77, 78
        for row in await uow.outbox.pending_for_chat(AFTER_SALES, limit=100):
            await uow.outbox.finish(row.id, "sent", uow.clock.now())
        customer = await uow.users.get(CUSTOMER)
        assert await customer_message(uow, desk, customer, 5, "Any news?")
        await uow.commit()
    agent = await add_staff_user(uow_factory, AGENT, "Ann")
    actor = Actor(agent, desk.staff.role_of(AGENT), True, AFTER_SALES)
    async with uow_factory() as uow:
        await StaffActions(uow, desk, actor).press("cb", StaffButton(case_id, "escalate").encode())
        await uow.commit()

    assert await group_of(uow_factory, case_id) == SUPERVISORS
    old = [i for i in await pending(uow_factory, AFTER_SALES) if isinstance(i, SendMessage)]
    # Only the notice is left in the old group: in its topic, in its language, saying where the case went.
    assert [(i.text.code, i.thread_id, i.locale, i.text.params["group"]) for i in old] == [("staff.notice.case_moved", 77, "en", "supervisors")]
    new = await pending(uow_factory, SUPERVISORS)
    assert isinstance(new[0], CreateTopic) and new[1].route == CaseRoute(case_id, Purpose.CARD)
    routed = [(i.route.purpose, i.text.code) for i in new if isinstance(i, SendMessage) and i.route is not None]
    # The customer's words and the escalation notice follow the case, after its new card.
    assert routed[0][0] == Purpose.CARD
    assert (Purpose.RELAY, "relay.from_customer") in routed and (Purpose.NOTICE, "staff.notice.escalated") in routed
    relay = next(i for i in new if isinstance(i, SendMessage) and i.route is not None and i.route.purpose == Purpose.RELAY)
    assert relay.ack is not None and relay.ack.delivered.code == "relay.passed_on"  # told only once it is posted there
    async with uow_factory() as uow:
        case = await uow.cases.get(case_id)
        assert (case.thread_id, case.card_message_id) == (None, None)
        assert "moved" in [e.action for e in await uow.cases.events(case_id)]

    # The old card's buttons no longer act on it.
    async with uow_factory() as uow:
        await StaffActions(uow, desk, actor).press("cb2", StaffButton(case_id, "claim").encode())
        await uow.commit()
    answers = [i for i in await pending(uow_factory, AFTER_SALES) if type(i).__name__ == "AnswerCallback"]
    assert answers[-1].text == Phrase("staff.refused.other_group", number="KS-9", group="supervisors")


async def test_staff_outside_every_handler_group_are_refused(uow_factory, desk) -> None:
    case_id = await new_case(uow_factory, desk, "KS-5")
    agent = await add_staff_user(uow_factory, AGENT, "Ann")
    async with uow_factory() as uow:
        await StaffActions(uow, desk, Actor(agent, desk.staff.role_of(AGENT), True, -999)).press("cb", StaffButton(case_id, "claim").encode())
        await uow.commit()
    [answer] = [i for i in await pending(uow_factory, -999) if type(i).__name__ == "AnswerCallback"]
    assert answer.text == Phrase("staff.refused.wrong_chat")


async def test_a_group_behind_its_budget_is_told_and_queue_shows_it(uow_factory, desk) -> None:
    for n in range(4):
        await new_case(uow_factory, desk, f"KS-{n}", category="other")  # all in the home group: 8 rows waiting
    async with uow_factory() as uow:
        told = await tell_backlogs(uow, desk, per_minute=19, at_least_minutes=0.4, may_tell=lambda chat: True)
        await uow.commit()
    assert told == [GROUP_ID]
    [notice] = [i for i in await pending(uow_factory, GROUP_ID) if isinstance(i, SendMessage) and i.route is None]
    assert notice.text == Phrase("desk.backlog", count=8, minutes=1)
    async with uow_factory() as uow:
        assert await tell_backlogs(uow, desk, per_minute=19, at_least_minutes=0.4, may_tell=lambda chat: False) == []
        assert await tell_backlogs(uow, desk, per_minute=19, at_least_minutes=5, may_tell=lambda chat: True) == []
    agent = await add_staff_user(uow_factory, AGENT, "Ann")
    async with uow_factory() as uow:
        await StaffQueries(uow, desk, Actor(agent, desk.staff.role_of(AGENT), True, GROUP_ID), None).queue()
        await uow.commit()
    answer = [i for i in await pending(uow_factory, GROUP_ID) if isinstance(i, SendMessage) and i.route is None][-1]
    assert answer.text.code == "staff.queue_with_backlog"
    assert answer.text.params["backlog"] == Phrase("staff.queue_backlog", count=9, minutes=1)
