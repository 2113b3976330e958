"""Repeat complaints and shared references through the real filing path (the intake's
last button) on a migrated database: the links, the tiers, what each thread and the
customer are told, the card, the history and the report's count."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.domain.intake import Draft, Step
from core.domain.staff import Role
from core.intents import Purpose, SendMessage, decode_intent
from core.services.callbacks import IntakeButton
from core.services.intake import Intake, IntakeContext
from core.services.report_figures import compare
from core.services.report_periods import parse_period
from core.services.staff_actions import Actor
from core.services.staff_queries import StaffQueries
from core.storage.models import IntakeDraft, RelatedCase, User
from tests.service.cases import FILED, add_staff_user
from tests.service.conftest import GROUP_ID, SUPERVISOR

LI, WANG, ZHAO, QIAN = 601, 602, 603, 604
LEAK = "我上周买的洗衣机一开机就漏水，地板全湿了，希望尽快派人上门维修。"
LEAK_AGAIN = "洗衣機還是漏水，上次投訴到現在都沒人聯絡我上門維修，地板又濕了。"
COURIER = "快递员态度很差，把包裹直接扔在小区门口，还挂我电话。"


@pytest.fixture
def clock(clock):
    clock.advance(seconds=(FILED - clock.now()).total_seconds())
    return clock


async def complain(uow_factory, desk, customer: int, statement: str, category: str = "product_quality", order: str | None = None,
                   locale: str = "zh_Hans") -> int:
    """The customer's confirmed draft, submitted with the intake's last button; the new case's id."""
    async with uow_factory() as uow:
        now = uow.clock.now()
        user = await uow.users.get(customer)
        if user is None:
            user = User(id=customer, first_name=f"C{customer}", language_code=None, locale=locale, locale_chosen=True, created_at=now, updated_at=now)
            uow.session.add(user)
        old = await uow.drafts.get(customer)
        if old is not None:
            await uow.drafts.delete(old)
        draft = Draft(state=Step.RESOLUTION_NOTE, category=category, resolution="repair", contact_skipped=True)
        draft.add_statement_part(1, statement)
        if order:
            draft.references["order_number"] = order
        uow.drafts.add(IntakeDraft(user_id=customer, state=draft.state.value, seq=7, data=draft.to_data(), created_at=now, updated_at=now))
        await uow.session.flush()
        context = IntakeContext(desk.intake, "Asia/Shanghai", lambda filed: filed, desk)
        await Intake(uow, user, context).press("cb", IntakeButton(7, "submit").encode())
        await uow.commit()
    async with uow_factory() as uow:
        row = await uow.drafts.get(customer)
        assert row is not None and row.case_id is not None
        return row.case_id


async def outbox(uow_factory, chat_id: int) -> list:
    async with uow_factory() as uow:
        rows = await uow.outbox.pending_for_chat(chat_id, limit=1000)
    return [decode_intent(r.method, r.chat_id, r.locale, r.payload) for r in rows]


async def notices(uow_factory, case_id: int) -> list:
    """The Phrases posted in a case's thread as notices, oldest first."""
    return [
        m.text for m in await outbox(uow_factory, GROUP_ID)
        if isinstance(m, SendMessage) and m.route is not None and m.route.case_id == case_id and m.route.purpose == Purpose.NOTICE
    ]


async def card_lines(uow_factory, case_id: int) -> list[str]:
    """The codes of the related-case lines of the case's newest card (posted or edited)."""
    cards = [
        m for m in await outbox(uow_factory, GROUP_ID)
        if (isinstance(m, SendMessage) and m.route is not None and m.route.case_id == case_id and m.route.purpose == Purpose.CARD)
        or (type(m).__name__ == "EditCard" and m.case_id == case_id)
    ]
    references = cards[-1].text.params["references"].items
    return [line.code for line in references if line.code.startswith("card.")]


async def customer_codes(uow_factory, customer: int) -> list[str]:
    return [m.text.code for m in await outbox(uow_factory, customer) if isinstance(m, SendMessage)]


async def cases(uow_factory, *ids: int) -> list:
    async with uow_factory() as uow:
        return [await uow.cases.get(i) for i in ids]


async def links(uow_factory) -> list[tuple[int, int, str, str]]:
    async with uow_factory() as uow:
        rows = (await uow.session.execute(select(RelatedCase).order_by(RelatedCase.id))).scalars().all()
        return [(r.case_id, r.related_id, r.kind, r.reason) for r in rows]


async def test_a_repeat_while_the_first_is_open_is_linked_and_both_go_to_tier_2(uow_factory, desk, clock) -> None:
    first = await complain(uow_factory, desk, LI, LEAK)
    clock.advance(days=2)
    second = await complain(uow_factory, desk, LI, LEAK_AGAIN)
    earlier, repeat = await cases(uow_factory, first, second)

    assert await links(uow_factory) == [(second, first, "repeat", "statement")]
    assert (earlier.tier, repeat.tier) == (2, 2)
    # The new thread names the earlier case and why, and calls tier 2 by name.
    [notice] = await notices(uow_factory, second)
    assert notice.code == "staff.notice.repeat_of" and notice.params["number"] == earlier.number and notice.params["tier"] == 2
    assert notice.params["why"].code == "repeat.why.statement" and notice.params["why"].params["likeness"].endswith("%")
    assert [m.params["user_id"] for m in notice.params["staff"].items] == [SUPERVISOR]
    # The earlier thread hears of the new case, and that it moved up too.
    [heard] = await notices(uow_factory, first)
    assert heard.code == "staff.notice.repeated_by" and heard.params["number"] == repeat.number
    assert heard.params["raised"].code == "staff.notice.repeat_raised"
    # Both cards show the link; the history records it on both.
    assert await card_lines(uow_factory, second) == ["card.repeat_of"]
    assert await card_lines(uow_factory, first) == ["card.repeated_by"]
    async with uow_factory() as uow:
        history = {case_id: [(e.action, e.detail.get("number")) for e in await uow.cases.events(case_id)] for case_id in (first, second)}
    assert history[second] == [("filed", None), ("repeat_of", earlier.number)]
    assert history[first] == [("filed", None), ("repeated", repeat.number)]
    # /case lists the link in the history.
    supervisor = await add_staff_user(uow_factory, SUPERVISOR, "Sun")
    async with uow_factory() as uow:
        await StaffQueries(uow, desk, Actor(user=supervisor, role=Role.SUPERVISOR, is_member=True, chat_id=GROUP_ID), None).case(repeat.number, None)
        await uow.commit()
    detail = (await outbox(uow_factory, GROUP_ID))[-1].text
    assert detail.code == "staff.case_detail" and detail.params["tier"] == 2
    assert [(line.params["event"].code, line.params["detail"]) for line in detail.params["history"].items][-1] == ("event.repeat_of", earlier.number)
    # The customer hears their new complaint joined the open one, after its number.
    assert (await customer_codes(uow_factory, LI))[-2:] == ["intake.submitted", "customer.repeat_of_open"]


async def test_a_different_matter_from_the_same_customer_is_not_linked(uow_factory, desk, clock) -> None:
    first = await complain(uow_factory, desk, LI, LEAK)
    second = await complain(uow_factory, desk, LI, COURIER, category="staff_attitude")
    third = await complain(uow_factory, desk, LI, "我买的电视机屏幕有一条竖线，看不清画面，希望换一台新的。")  # the same category

    assert await links(uow_factory) == []
    assert [c.tier for c in await cases(uow_factory, first, second, third)] == [1, 1, 1]
    assert [await notices(uow_factory, c) for c in (first, second, third)] == [[], [], []]
    assert "customer.repeat_of_open" not in await customer_codes(uow_factory, LI)


async def test_the_same_order_number_is_a_repeat_whatever_the_words(uow_factory, desk, clock) -> None:
    first = await complain(uow_factory, desk, LI, LEAK, order="SO-20261101-0032")
    second = await complain(uow_factory, desk, LI, "Delivery was two weeks late.", category="after_sales", order="so-20261101-0032", locale="en")
    assert await links(uow_factory) == [(second, first, "repeat", "reference")]
    [notice] = await notices(uow_factory, second)
    assert notice.params["why"].code == "repeat.why.reference"


async def test_a_recently_closed_case_counts_and_an_old_one_does_not(uow_factory, desk, clock) -> None:
    first = await complain(uow_factory, desk, LI, LEAK)
    async with uow_factory() as uow:
        case = await uow.cases.get(first)
        case.stage, case.stage_entered_at = "closed", uow.clock.now()
        await uow.commit()
    clock.advance(days=desk.repeats.recent_days - 1)
    second = await complain(uow_factory, desk, LI, LEAK_AGAIN)
    earlier, repeat = await cases(uow_factory, first, second)
    assert await links(uow_factory) == [(second, first, "repeat", "statement")]
    assert (earlier.tier, repeat.tier) == (1, 2)  # a closed case stays as it was
    [heard] = await notices(uow_factory, first)
    assert heard.code == "staff.notice.repeated_by" and heard.params["raised"] == ""
    assert (await customer_codes(uow_factory, LI))[-2:] == ["intake.submitted", "customer.repeat_of_closed"]

    # The second closes too; long after, the same matter is a new case of its own.
    async with uow_factory() as uow:
        case = await uow.cases.get(second)
        case.stage, case.stage_entered_at = "closed", uow.clock.now()
        await uow.commit()
    clock.advance(days=desk.repeats.recent_days + 1)
    third = await complain(uow_factory, desk, LI, LEAK)
    assert len(await links(uow_factory)) == 1
    assert (await cases(uow_factory, third))[0].tier == 1


async def test_a_reference_given_by_two_other_customers_is_flagged_with_case_numbers_only(uow_factory, desk, clock) -> None:
    a = await complain(uow_factory, desk, WANG, LEAK, order="BATCH-7731")
    clock.advance(hours=3)
    b = await complain(uow_factory, desk, ZHAO, "洗衣机漏水", order="batch-7731")
    # One other customer is not enough.
    assert await notices(uow_factory, b) == []
    clock.advance(hours=3)
    c = await complain(uow_factory, desk, QIAN, "The washer leaks.", order="BATCH-7731", locale="en")
    first, second, third = await cases(uow_factory, a, b, c)

    [flag] = await notices(uow_factory, c)
    assert flag.code == "staff.notice.shared_reference"
    assert flag.params == {"label": flag.params["label"], "count": 2, "cases": f"{first.number}, {second.number}"}
    assert (await links(uow_factory)) == [(c, a, "shared_reference", "reference"), (c, b, "shared_reference", "reference")]
    assert third.tier == 1  # other customers' cases are not repeats
    assert await card_lines(uow_factory, c) == ["card.shared_reference"]

    # Outside the window the earlier reports no longer count.
    clock.advance(days=desk.repeats.shared_reference_days)
    d = await complain(uow_factory, desk, LI, "Washer leaking", order="BATCH-7731", locale="en")
    assert await notices(uow_factory, d) == []


async def test_the_report_counts_repeats_beside_the_previous_period(uow_factory, desk, clock) -> None:
    # November: one repeat and one shared reference; October (the previous period): one repeat.
    clock.advance(days=-31)
    await complain(uow_factory, desk, QIAN, COURIER, category="staff_attitude")
    await complain(uow_factory, desk, QIAN, "我之前投诉过快递员态度差的问题，今天包裹又被扔在小区门口，电话也不接。", category="staff_attitude")
    clock.advance(days=31)
    await complain(uow_factory, desk, LI, LEAK, order="SO-1")
    await complain(uow_factory, desk, LI, LEAK_AGAIN)
    await complain(uow_factory, desk, WANG, "漏水", order="SO-1")
    await complain(uow_factory, desk, ZHAO, "Leaking washer", order="SO-1", locale="en")

    period = parse_period("2026-11", clock.now() + timedelta(days=1), "Asia/Shanghai")
    async with uow_factory() as uow:
        report = await compare(uow, desk, period, None, clock.now())
        filed = (await uow.session.execute(select(func.count()).select_from(RelatedCase))).scalar_one()
    assert filed == 4  # two repeats, two shared-reference links
    now, before = report.current, report.previous
    assert (now.filed, now.repeats, now.shared_references, now.repeat_rate) == (4, 1, 1, pytest.approx(0.25))
    assert (before.filed, before.repeats, before.shared_references) == (2, 1, 0)
    # An agent's own report counts their cases only: no one owns these.
    async with uow_factory() as uow:
        own = await compare(uow, desk, period, 11, clock.now())
    assert (own.current.repeats, own.current.shared_references) == (0, 0)
