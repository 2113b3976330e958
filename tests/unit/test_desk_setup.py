"""What is wrong with a handler group, and the /setup checklist, from the facts Telegram gives."""
from __future__ import annotations

import pytest

from bot.i18n import Catalogs, Renderer
from core.domain.staff import StaffConfig
from core.services.desk_setup import DELETE, NEEDED_RIGHTS, PIN, GroupFacts, Problem, StaffCheck, checklist, problems

GROUP = -1_000_000_000_001
STAFF = StaffConfig(agents=frozenset({11, 12}), supervisors=frozenset({21}))
ALL = frozenset(NEEDED_RIGHTS)


@pytest.fixture(scope="module")
def render():
    renderer = Renderer(Catalogs(), "Asia/Shanghai")
    return lambda phrase, locale="en": renderer.render(phrase, locale)


def facts(**changes) -> GroupFacts:
    values = dict(chat_id=GROUP, title="Desk", is_forum=True, bot_status="administrator", bot_rights=ALL)
    return GroupFacts(**(values | changes))


@pytest.mark.parametrize(
    ("group", "desk_is_forum", "expected"),
    [
        (facts(), True, ()),
        (facts(is_forum=False, bot_rights=frozenset({DELETE, PIN})), False, ()),  # a plain group needs no topics right
        (facts(reachable=False, error="Bad Request: chat not found"), None, (Problem.UNREACHABLE,)),
        (facts(reachable=False, bot_status="kicked"), None, (Problem.REMOVED,)),
        (facts(reachable=False, moved_to=-1_000_000_000_002), None, (Problem.MOVED,)),
        (facts(bot_status="left"), None, (Problem.NOT_MEMBER,)),
        (facts(chat_type="private"), None, (Problem.NOT_A_GROUP,)),
        (facts(bot_status="member", bot_rights=frozenset()), True, (Problem.NOT_ADMIN, Problem.PRIVACY)),
        (facts(bot_status="member", bot_rights=frozenset(), reads_all=True), True, (Problem.NOT_ADMIN,)),
        (facts(bot_rights=frozenset({DELETE, PIN})), True, (Problem.MISSING_RIGHTS,)),
        (facts(bot_status="restricted", can_send=False, bot_rights=frozenset(), reads_all=True), True, (Problem.CANNOT_POST, Problem.NOT_ADMIN)),
        (facts(is_forum=False), True, (Problem.TOPICS_OFF,)),
        (facts(), False, (Problem.TOPICS_ON,)),
    ],
)
def test_problems(group: GroupFacts, desk_is_forum: bool | None, expected: tuple) -> None:
    assert problems(group, desk_is_forum) == expected


def test_only_losing_the_group_stops_the_bot_from_posting_there() -> None:
    assert {p for p in Problem if p.group_lost} == {Problem.UNREACHABLE, Problem.MOVED, Problem.NOT_A_GROUP, Problem.REMOVED, Problem.NOT_MEMBER, Problem.CANNOT_POST}


def test_a_ready_forum(render) -> None:
    text = render(checklist(facts(), GROUP, "@kesu_bot", STAFF, StaffCheck({11: "member", 12: "member", 21: "creator"}), True))
    lines = text.split("\n")
    assert lines[0] == f"🛠 <b>Set-up check</b> · this group's id: <code>{GROUP}</code>"
    assert [line[0] for line in lines[2:-2]] == ["✅"] * 6
    assert "✅ All 3 people in [staff] are members of this group." in lines
    assert lines[-1] == "✅ All set: new cases will reach this group, each in its own topic."


def test_a_plain_group_works_but_topics_are_recommended(render) -> None:
    group = facts(is_forum=False, chat_type="group", bot_rights=frozenset({DELETE, PIN}))
    text = render(checklist(group, GROUP, "@kesu_bot", STAFF, StaffCheck({11: "member", 12: "member", 21: "member"}), False))
    assert "❌ Topics are off (recommended, not required)" in text
    assert "topic for each new case" not in text  # no topics item in a plain group
    assert text.endswith("✅ All set: new cases will reach this group as cards. Topics are recommended (see above).")


def test_each_wrong_setting_says_how_to_fix_it(render) -> None:
    group = facts(bot_status="member", bot_rights=frozenset())
    text = render(checklist(group, None, "@kesu_bot", STAFF, StaffCheck({11: "member", 12: "left"}), None), "en")
    assert f"❌ No handler group is set yet. Put this line in the <code>.env</code> file next to run_bot.py, then restart me:\n<code>HANDLER_CHAT_ID={GROUP}</code>" in text
    assert "❌ I am not an administrator. Group name → ✏️ Edit → Administrators → Add Admin → @kesu_bot, turn on these rights and save:\n  • Manage Topics\n  • Delete Messages\n  • Pin Messages" in text
    assert "in @BotFather send /setprivacy, choose @kesu_bot, press Disable" in text
    assert "  • <code>12</code> (agent): not in the group\n  • <code>21</code> (supervisor): unknown to Telegram: check the id" in text
    assert "❌ I cannot create topics" in text
    assert text.endswith("Fix the items marked ❌, then send /setup again.")


def test_another_group_than_the_handler_group(render) -> None:
    text = render(checklist(facts(chat_id=-5), GROUP, "@kesu_bot", STAFF, None, None), "zh_Hant")
    assert f"❌ 這不是處理群組：HANDLER_CHAT_ID 是 <code>{GROUP}</code>。如要改用本群組，請在 <code>.env</code> 中寫入 <code>HANDLER_CHAT_ID=-5</code>" in text
    assert "[staff]" not in text  # staff are checked only in the handler group


def test_missing_rights_are_named(render) -> None:
    text = render(checklist(facts(bot_rights=frozenset({DELETE})), GROUP, "@kesu_bot", STAFF, StaffCheck({}), True), "zh_Hans")
    assert "❌ 我是管理员，但缺少以下权限：\n  • 管理话题（Manage Topics）\n  • 置顶消息（Pin Messages）\n" in text
    assert "❌ [staff] 中的以下 ID 不是本群组的成员" in text  # none could be checked


def test_no_staff_configured(render) -> None:
    text = render(checklist(facts(), GROUP, "@kesu_bot", StaffConfig(), StaffCheck({}), True))
    assert "❌ No staff are named yet. Each staff member sends me /id" in text


def test_facts_from_the_bots_chat_member() -> None:
    from aiogram.types import Chat, ChatMemberAdministrator, ChatMemberRestricted, User

    from bot.desk_monitor import facts_from

    me = User(id=1, is_bot=True, first_name="Kesu")
    chat = Chat(id=GROUP, type="supergroup", title="Desk", is_forum=True)
    rights = {name: True for name in ChatMemberAdministrator.model_fields if name.startswith("can_") and ChatMemberAdministrator.model_fields[name].is_required()}
    admin = ChatMemberAdministrator(user=me, is_anonymous=False, **{**rights, "can_manage_topics": False, "can_pin_messages": True})
    got = facts_from(chat, admin, reads_all=False)
    assert (got.is_forum, got.is_admin, got.missing_rights, got.sees_staff) == (True, True, ("can_manage_topics",), True)
    muted = ChatMemberRestricted(user=me, is_member=True, until_date=0, **{
        name: False for name in ChatMemberRestricted.model_fields if name.startswith("can_") and ChatMemberRestricted.model_fields[name].is_required()})
    assert problems(facts_from(chat, muted, reads_all=True)) == (Problem.CANNOT_POST, Problem.NOT_ADMIN)
    gone = ChatMemberRestricted(user=me, is_member=False, until_date=0, **{
        name: False for name in ChatMemberRestricted.model_fields if name.startswith("can_") and ChatMemberRestricted.model_fields[name].is_required()})
    assert problems(facts_from(chat, gone, reads_all=True)) == (Problem.NOT_MEMBER,)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("/setup", "setup"), ("/Setup@Kesu_Bot now", "setup"), ("/setup@other_bot", None), ("setup", None), ("/members", "members")],
)
def test_the_command_a_message_gives_this_bot(text: str, expected: str | None) -> None:
    from aiogram.types import Chat, Message

    from bot.middlewares.setup_probe import command_name

    message = Message(message_id=1, date=0, chat=Chat(id=GROUP, type="supergroup"), text=text)
    assert command_name(message, "kesu_bot") == expected
