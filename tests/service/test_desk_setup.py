"""What the desk's set-up records as messages: notices in the group, private notices to staff,
the greeting in a new group, /id, /members, and the customer's word that a message reached staff."""
from __future__ import annotations

from dataclasses import replace

from core.intents import SendMessage
from core.services import routing
from core.services.delivery_effects import after_delivery, after_final_failure
from core.services.desk_setup import NEEDED_RIGHTS, GroupFacts, KnownMember, Problem, greet_group, list_members, problems, report_change, tell_id
from core.storage.models import User
from tests.service.cases import CUSTOMER, add_staff_user, file_case, messages_to
from tests.service.conftest import AGENT, DIRECTOR, GROUP_ID, SUPERVISOR

HEALTHY = GroupFacts(GROUP_ID, title="Desk", is_forum=True, bot_status="administrator", bot_rights=frozenset(NEEDED_RIGHTS))


async def change(uow_factory, desk, before, facts: GroupFacts, by: str | None = None) -> tuple[Problem, ...]:
    after = problems(facts, desk.is_forum)
    async with uow_factory() as uow:
        await report_change(uow, desk, facts, before, after, "@kesu_bot", by=by)
        await uow.commit()
    return after


def codes(messages) -> list[str]:
    return [m.text.code for m in messages]


async def test_a_demotion_is_told_in_the_group_once_and_its_fix_too(uow_factory, desk) -> None:
    demoted = replace(HEALTHY, bot_status="member", bot_rights=frozenset())
    known = await change(uow_factory, desk, (), demoted)
    assert known == (Problem.NOT_ADMIN, Problem.PRIVACY)
    [notice] = await messages_to(uow_factory, GROUP_ID)
    assert notice.text.code == "setup.notice.problems" and notice.locale == desk.locale
    assert [item.code for item in notice.text.params["items"].items] == ["setup.item.not_admin", "setup.item.reads_no"]
    await change(uow_factory, desk, known, demoted)  # the same again: nothing new to say
    known = await change(uow_factory, desk, known, HEALTHY)
    assert codes(await messages_to(uow_factory, GROUP_ID)) == ["setup.notice.problems", "setup.notice.fixed"]


async def test_nothing_is_said_at_start_when_all_is_well(uow_factory, desk) -> None:
    await change(uow_factory, desk, None, HEALTHY)
    assert await messages_to(uow_factory, GROUP_ID) == []


async def test_losing_the_group_is_told_to_staff_who_talked_to_the_bot(uow_factory, desk) -> None:
    await add_staff_user(uow_factory, SUPERVISOR, "Sun")
    await add_staff_user(uow_factory, DIRECTOR, "Du")  # AGENT never wrote to the bot: it cannot write to them
    removed = replace(HEALTHY, bot_status="left", bot_rights=frozenset())
    await change(uow_factory, desk, (), removed, by="Owner")
    assert await messages_to(uow_factory, GROUP_ID) == []
    for user_id in (SUPERVISOR, DIRECTOR):
        [notice] = await messages_to(uow_factory, user_id)
        assert notice.text.code == "setup.dm.removed" and notice.text.params["name"] == "Owner" and notice.locale == "zh_Hans"
    assert await messages_to(uow_factory, AGENT) == []

    # Still lost, for another reason: they know already.
    kicked = GroupFacts(GROUP_ID, reachable=False, bot_status="kicked", error="Forbidden: bot was kicked")
    await change(uow_factory, desk, (Problem.NOT_MEMBER,), kicked)
    assert codes(await messages_to(uow_factory, SUPERVISOR)) == ["setup.dm.removed"]
    # Lost without a word while the bot could post there: the first failing call tells.
    await change(uow_factory, desk, (Problem.MISSING_RIGHTS,), kicked)
    assert codes(await messages_to(uow_factory, SUPERVISOR)) == ["setup.dm.removed", "setup.dm.unreachable"]


async def test_the_greeting_in_a_new_group_is_in_the_adders_language(uow_factory, desk) -> None:
    adder = User(id=77, first_name="Mei", language_code="zh-hk", locale="zh_Hant", locale_chosen=False)
    new_group = GroupFacts(-42, bot_status="member")
    async with uow_factory() as uow:
        greet_group(uow, new_group, adder, None, "@kesu_bot", joined=True)
        greet_group(uow, replace(new_group, bot_status="administrator", bot_rights=frozenset(NEEDED_RIGHTS)), adder, None, "@kesu_bot", joined=False)
        greet_group(uow, new_group, adder, GROUP_ID, "@kesu_bot", joined=True)
        greet_group(uow, new_group, adder, GROUP_ID, "@kesu_bot", joined=False)  # a rights change elsewhere: quiet
        await uow.commit()
    added, promoted, other = await messages_to(uow_factory, -42)
    assert added.locale == "zh_Hant" and added.text.code == "setup.added" and added.text.params["chat_id"] == -42
    assert added.text.params["admin"].code == "setup.item.not_admin"
    assert promoted.text.code == "setup.rights_changed" and promoted.text.params["admin"].code == "setup.item.admin_ok"
    assert other.text.code == "setup.added_other" and other.text.params["configured"] == GROUP_ID


async def test_id_and_members(uow_factory, desk) -> None:
    supervisor = await add_staff_user(uow_factory, SUPERVISOR, "Sun")
    agent = await add_staff_user(uow_factory, AGENT, "Ann")
    members = [KnownMember(AGENT, "Ann", "member"), KnownMember(SUPERVISOR, "Sun", "administrator"), KnownMember(90, "Guest", "member")]
    async with uow_factory() as uow:
        tell_id(uow, agent, AGENT, False, GROUP_ID, None)
        tell_id(uow, agent, GROUP_ID, True, GROUP_ID, 7)
        list_members(uow, agent, desk, GROUP_ID, True, members, None)
        list_members(uow, supervisor, desk, GROUP_ID, True, members, None)
        list_members(uow, supervisor, desk, -5, True, members, None)
        await uow.commit()
    [private] = await messages_to(uow_factory, AGENT)
    assert private.text.code == "setup.id.private" and private.text.params == {"user_id": AGENT}
    in_group, refused, listed = await messages_to(uow_factory, GROUP_ID)
    assert in_group.text.code == "setup.id.group" and in_group.thread_id == 7
    assert refused.text.code == "staff.refused.tier"
    lines = [(line.params["user_id"], line.params["role"].code) for line in listed.text.params["members"].items]
    assert lines == [(SUPERVISOR, "setup.role.supervisor"), (AGENT, "setup.role.agent"), (90, "setup.role.none")]
    [wrong_chat] = await messages_to(uow_factory, -5)
    assert wrong_chat.text.code == "staff.refused.wrong_chat"


async def test_the_customer_hears_a_message_was_passed_on_only_once_it_was(uow_factory, desk) -> None:
    case_id = await file_case(uow_factory, desk)
    async with uow_factory() as uow:
        customer = await uow.users.get(CUSTOMER)
        assert await routing.customer_message(uow, desk, customer, 5, "The lid is cracked.")
        await uow.commit()
    assert await messages_to(uow_factory, CUSTOMER) == []  # nothing yet: it is only queued for the group
    [relay] = [m for m in await messages_to(uow_factory, GROUP_ID) if m.route and m.route.case_id == case_id]
    assert relay.ack.delivered.code == "relay.passed_on" and relay.ack.failed.code == "relay.not_passed_on"

    async with uow_factory() as uow:
        await after_delivery(uow, relay, [100])
        await after_final_failure(uow, relay, "blocked", "forbidden: bot was kicked")
        await uow.commit()
    assert codes(await messages_to(uow_factory, CUSTOMER)) == ["relay.passed_on", "relay.not_passed_on"]


async def test_without_a_handler_group_the_customer_hears_it_is_saved(uow_factory, desk) -> None:
    await file_case(uow_factory, desk)
    async with uow_factory() as uow:
        customer = await uow.users.get(CUSTOMER)
        await routing.customer_message(uow, replace(desk, chat_id=None), customer, 5, "Still broken.")
        await uow.commit()
    [saved] = await messages_to(uow_factory, CUSTOMER)
    assert isinstance(saved, SendMessage) and saved.text.code == "relay.saved"
