"""What the customer and the thread hear after each lifecycle step, through the real
services and a real unit of work (core/services/case_messages.py handles the events)."""
from __future__ import annotations

import pytest

from core.services.callbacks import StaffButton
from core.services.case_lifecycle import CustomerDecisions
from core.services.staff_actions import Actor, StaffActions
from core.services.staff_queries import StaffQueries
from tests.service.cases import CUSTOMER, FILED, add_staff_user, file_case, messages_to, sent
from tests.service.conftest import AGENT, GROUP_ID, SUPERVISOR


@pytest.fixture
def clock(clock):
    clock.advance(seconds=(FILED - clock.now()).total_seconds())
    return clock


async def staff(uow_factory, desk, user_id: int, name: str):
    user = await add_staff_user(uow_factory, user_id, name)
    return Actor(user=user, role=desk.staff.role_of(user_id), is_member=True, chat_id=GROUP_ID)


async def as_staff(uow_factory, desk, actor: Actor, step) -> None:
    async with uow_factory() as uow:
        await step(StaffActions(uow, desk, actor), uow)
        await uow.commit()


async def as_customer(uow_factory, desk, step) -> None:
    async with uow_factory() as uow:
        customer = await uow.users.get(CUSTOMER)
        await step(CustomerDecisions(uow, desk, customer), uow)
        await uow.commit()


async def new_codes(uow_factory, seen: list) -> list[tuple[int, str]]:
    """The (chat, Phrase code) pairs recorded since the last call."""
    now = await sent(uow_factory)
    fresh, seen[:] = now[len(seen):], now
    return fresh


async def stage_of(uow_factory, case_id: int) -> tuple[str, int]:
    async with uow_factory() as uow:
        case = await uow.cases.get(case_id)
        return case.stage, case.tier


async def propose(uow_factory, desk, actor: Actor, case_id: int, text: str) -> None:
    async def step(actions, uow):
        await actions.answer_prompt("propose", await uow.cases.get(case_id), text, message_id=1)

    await as_staff(uow_factory, desk, actor, step)


async def press_customer_button(uow_factory, desk, label_code: str) -> None:
    """Presses, as the customer, the newest button they were sent with that label."""
    [data] = [b.data for m in await messages_to(uow_factory, CUSTOMER) for row in m.buttons for b in row if b.label.code == label_code][-1:]

    async def step(decisions, uow):
        await decisions.press("cb", data)

    await as_customer(uow_factory, desk, step)


async def test_claim_proposal_rejection_and_acceptance_each_tell_both_sides(uow_factory, clock, desk) -> None:
    case_id = await file_case(uow_factory, desk)
    agent = await staff(uow_factory, desk, AGENT, "Wang")
    seen: list = []

    await as_staff(uow_factory, desk, agent, lambda actions, uow: actions.press("cb", StaffButton(case_id, "claim").encode()))
    assert await new_codes(uow_factory, seen) == [(CUSTOMER, "customer.accepted"), (GROUP_ID, "staff.notice.claimed")]
    assert await stage_of(uow_factory, case_id) == ("accepted", 1)

    await propose(uow_factory, desk, agent, case_id, "我们退款给您")
    assert await new_codes(uow_factory, seen) == [(CUSTOMER, "customer.proposal"), (GROUP_ID, "staff.notice.sent_to_customer")]
    proposal = (await messages_to(uow_factory, CUSTOMER))[-1]
    assert proposal.text.params["text"] == "我們退款給您"  # the customer reads Traditional
    assert [b.label.code for row in proposal.buttons for b in row] == ["customer.button.accept", "customer.button.reject"]

    await press_customer_button(uow_factory, desk, "customer.button.reject")
    assert await new_codes(uow_factory, seen) == [(CUSTOMER, "customer.why_rejected")]
    await as_customer(uow_factory, desk, lambda decisions, uow: decisions.answer_awaited("太少了"))
    assert await new_codes(uow_factory, seen) == [(CUSTOMER, "customer.reopened"), (GROUP_ID, "staff.notice.solution_rejected")]
    notice = (await messages_to(uow_factory, GROUP_ID))[-1]
    assert notice.text.params == {"reason": "太少了", "tier": 2}
    assert await stage_of(uow_factory, case_id) == ("investigating", 2)

    await propose(uow_factory, desk, agent, case_id, "全额退款")
    await new_codes(uow_factory, seen)
    await press_customer_button(uow_factory, desk, "customer.button.accept")
    codes = await new_codes(uow_factory, seen)
    assert codes[:2] == [(CUSTOMER, "customer.solution_accepted"), (GROUP_ID, "staff.notice.solution_accepted")]
    assert [chat for chat, code in codes[2:]] == [GROUP_ID] and codes[2][1].startswith("record.")
    assert await stage_of(uow_factory, case_id) == ("resolved", 2)


async def test_assigning_tells_the_customer_as_claiming_does(uow_factory, clock, desk) -> None:
    case_id = await file_case(uow_factory, desk)
    supervisor = await staff(uow_factory, desk, SUPERVISOR, "Zhao")
    await add_staff_user(uow_factory, AGENT, "Wang")
    async with uow_factory() as uow:
        await StaffQueries(uow, desk, supervisor, None).assign(f"{AGENT}", await uow.cases.get(case_id))
        await uow.commit()
    codes = await sent(uow_factory)
    assert (CUSTOMER, "customer.accepted") in codes and (GROUP_ID, "staff.notice.claimed") not in codes
    async with uow_factory() as uow:
        assert (await uow.cases.get(case_id)).owner_id == AGENT


async def test_escalating_by_hand_tells_the_thread_only(uow_factory, clock, desk) -> None:
    case_id = await file_case(uow_factory, desk)
    agent = await staff(uow_factory, desk, AGENT, "Wang")
    await as_staff(uow_factory, desk, agent, lambda actions, uow: actions.press("cb", StaffButton(case_id, "escalate").encode()))
    assert await sent(uow_factory) == [(GROUP_ID, "staff.notice.escalated")]
    assert (await messages_to(uow_factory, GROUP_ID))[0].text.params == {"name": "Wang", "tier": 2}
    assert await stage_of(uow_factory, case_id) == ("received", 2)


async def test_withdrawing_asks_first_then_tells_both_and_ends_the_deadlines(uow_factory, clock, desk) -> None:
    case_id = await file_case(uow_factory, desk)
    await as_customer(uow_factory, desk, lambda decisions, uow: decisions.withdraw_command())
    await press_customer_button(uow_factory, desk, "relay.case_button")
    assert [code for chat, code in await sent(uow_factory)] == ["customer.which_to_withdraw", "customer.withdraw_question"]
    await press_customer_button(uow_factory, desk, "customer.button.withdraw_yes")
    assert (await sent(uow_factory))[2:] == [(CUSTOMER, "customer.withdrawn"), (GROUP_ID, "staff.notice.withdrawn")]
    assert await stage_of(uow_factory, case_id) == ("withdrawn", 1)
    async with uow_factory() as uow:
        assert {r.status for r in await uow.deadlines.for_case(case_id)} == {"cancelled"}


async def test_a_major_proposal_reaches_the_customer_only_once_a_supervisor_approves(uow_factory, clock, desk) -> None:
    case_id = await file_case(uow_factory, desk, severity="major", tier=2)
    agent = await staff(uow_factory, desk, AGENT, "Wang")
    supervisor = await staff(uow_factory, desk, SUPERVISOR, "Zhao")
    await as_staff(uow_factory, desk, agent, lambda actions, uow: actions.press("cb", StaffButton(case_id, "claim").encode()))
    seen: list = []
    await new_codes(uow_factory, seen)
    await propose(uow_factory, desk, agent, case_id, "换一台新的")
    assert await new_codes(uow_factory, seen) == [(GROUP_ID, "staff.approval_needed")]
    [approve] = [b.data for row in (await messages_to(uow_factory, GROUP_ID))[-1].buttons for b in row if b.label.code == "staff.button.approve"]
    await as_staff(uow_factory, desk, supervisor, lambda actions, uow: actions.press("cb", approve))
    assert await new_codes(uow_factory, seen) == [(CUSTOMER, "customer.proposal"), (GROUP_ID, "staff.notice.sent_to_customer")]
    assert (await messages_to(uow_factory, GROUP_ID))[-1].text.params == {"name": "Zhao"}
    assert await stage_of(uow_factory, case_id) == ("solution_proposed", 2)
