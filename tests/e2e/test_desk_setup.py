"""Setting up the desk through the real process: the bot's own answers at each step, and
every wrong setting said out loud (in the log, in the group, or to staff privately)."""
from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator

import pytest

from fake_telegram import FakeTelegramServer
from tests.e2e.conversation import Conversation
from tests.e2e.harness import BotProcess, bot_env
from tests.e2e.staffed import Staffed, file_complaint, filed_case, running, setup_staffed

pytestmark = pytest.mark.e2e

BOT = "@kesu_test_bot"


@asynccontextmanager
async def started(server: FakeTelegramServer, bot: BotProcess) -> AsyncIterator[BotProcess]:
    bot.start()
    try:
        await server.wait_for(lambda: any(c[0] == "getUpdates" for c in server.calls), timeout=90)
        yield bot
    finally:
        await bot.stop_async()


def desk_bot(server: FakeTelegramServer, tmp_path: Path, group: Any, staff: dict[str, list[int]]) -> BotProcess:
    (tmp_path / "kesu.toml").write_text(
        '[staff]\ngroup_locale = "en"\n' + "".join(f"{role} = {ids}\n" for role, ids in staff.items()), encoding="utf-8"
    )
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'kesu.db'}"
    return BotProcess(tmp_path, bot_env(server.base_url, database_url, HANDLER_CHAT_ID=str(group.id)))


async def command_in(server: FakeTelegramServer, user: Any, group: Any, command: str) -> str:
    """A command sent in the group; the text of the bot's answer."""
    cursor = server.cursor(group.id)
    user.send_command(command, chat=group)
    [answer] = await server.wait_for_messages(group.id, 1, after=cursor, timeout=20)
    return answer["text"]


async def group_hears(server: FakeTelegramServer, group: Any, start: str, after: int) -> str:
    """The text of the bot's first message in the group since `after` (a cursor) that starts so."""
    def said() -> str | None:
        return next((m["text"] for m in server.bot_messages(group.id)[after:] if (m.get("text") or "").startswith(start)), None)

    return await server.wait_for(said, timeout=20)


def problems_logged(bot: BotProcess) -> dict[str, dict]:
    return {r["problem"]: r for r in bot.log_records() if r.get("problem")}


@pytest.mark.parametrize("forum", [True, False], ids=["forum", "plain"])
async def test_setup_on_a_desk_that_is_ready(fake_server: FakeTelegramServer, tmp_path: Path, forum: bool) -> None:
    server = fake_server
    desk = setup_staffed(server, tmp_path, forum=forum)
    async with running(desk):
        await desk.bot.wait_for_log(lambda r: r.get("msg") == "handler group ready")
        # A staff id that is not in the group is the one thing wrong.
        text = await command_in(server, desk.agent2, desk.group, "/setup")
        assert text.startswith(f"🛠 Set-up check · this group's id: {desk.group_id}\n\n✅ This is the handler group (HANDLER_CHAT_ID).")
        assert f"❌ These ids in [staff] are not members of this group:\n  • {desk.outsider.id} (agent): not in the group\n" in text
        assert text.endswith("Fix the items marked ❌, then send /setup again.")

        desk.group.add_member(desk.outsider)
        text = await command_in(server, desk.agent2, desk.group, "/setup")
        lines = text.split("\n")
        assert "✅ I am an administrator with the rights I need." in lines
        assert "✅ I can read staff messages (administrators see every message)." in lines
        assert "✅ All 5 people in [staff] are members of this group." in lines
        if forum:
            assert "✅ Topics are on: each case gets its own topic." in lines and "✅ I can create a topic for each new case." in lines
            assert lines[-1] == "✅ All set: new cases will reach this group, each in its own topic."
        else:
            assert lines[-1] == "✅ All set: new cases will reach this group as cards. Topics are recommended (see above)."
        # In the asker's language.
        text = await command_in(server, desk.supervisor, desk.group, "/setup")
        assert text.startswith(f"🛠 设置检查 · 本群组 ID：{desk.group_id}") and "✅ [staff] 中的 5 人都是本群组的成员。" in text

        # /id for [staff], in the group and in private.
        text = await command_in(server, desk.agent2, desk.group, "/id")
        assert text == f"🪪 Your Telegram user id: {desk.agent2.id}\nThis group's id: {desk.group_id}"
        talk = Conversation(server, desk.no_role)
        [private] = await talk.send("/id")
        assert private["text"].startswith(f"🪪 Your Telegram user id: {desk.no_role.id}\n\n")
        assert private["text"].endswith(f"agents = [{desk.no_role.id}]")

        # /members: for supervisors, with ids and roles.
        assert await command_in(server, desk.agent2, desk.group, "/members") == "Refused: this needs a supervisor or a director."
        desk.no_role.send_text_in(desk.group, "Hello all")  # seen writing here
        text = await command_in(server, desk.supervisor, desk.group, "/members")
        assert text.startswith("👥 我所知道的成员（名字 · ID · 身份 · 角色）：\n")
        assert f"Dir Du · {desk.director.id} · 成员 · 总监" in text
        assert f"Sup Sun · {desk.supervisor.id} · 管理员 · 主管" in text
        assert f"Intern · {desk.no_role.id} · 成员 · 无角色" in text
        assert "Telegram 不允许机器人列出群组的全部成员" in text
    # At start the log named the one thing wrong.
    [(problem, record)] = problems_logged(desk.bot).items()
    assert problem == "staff_not_members" and record["users"] == [desk.outsider.id] and record["level"] == "WARNING"


async def test_added_to_a_group_before_any_handler_group_is_set(kesu) -> None:
    server = kesu.server
    owner = server.create_user(first_name="Mei", language_code="zh-hk")
    group = server.create_group(title="客服", forum=True, members={owner: "creator"}, bot_status="left")
    cursor = server.cursor(group.id)
    server.add_bot_to_group(group, by=owner)
    [greeting] = await server.wait_for_messages(group.id, 1, after=cursor, timeout=20)
    assert greeting["text"].startswith(f"👋 謝謝您把我加進來，Mei！本群組的 ID 是 {group.id}。")
    assert f"\nHANDLER_CHAT_ID={group.id}\n\n❌ 我還不是管理員。" in greeting["text"]
    assert "  • 管理話題（Manage Topics）" in greeting["text"]

    cursor = server.cursor(group.id)
    server.promote_bot(group, by=owner)
    [promoted] = await server.wait_for_messages(group.id, 1, after=cursor, timeout=20)
    assert promoted["text"].startswith("✅ 我是管理員，所需權限齊全。\n\n本群組的 ID 是")

    text = await command_in(server, owner, group, "/setup")
    assert f"❌ 尚未設定處理群組。請把下面這一行寫進 run_bot.py 旁邊的 .env 檔案，然後重新啟動我：\nHANDLER_CHAT_ID={group.id}" in text
    assert "❌ 還沒有指定員工。" in text and "✅ 我能為每件新案件建立話題。" in text
    text = await command_in(server, owner, group, "/id")
    assert text.endswith(f"請在 .env 中寫入 HANDLER_CHAT_ID={group.id} 並重新啟動我。")
    talk = Conversation(server, owner)
    [private] = await talk.send("/setup")
    assert private["text"].startswith("/setup 用於檢查員工群組")
    # The group menu offers the set-up commands.
    await server.wait_for(lambda: any('"all_group_chats"' in scope for scope, _ in server.my_commands))
    menus = {language: c for (scope, language), c in server.my_commands.items() if '"all_group_chats"' in scope}
    assert [c["command"] for c in menus["en"]] == ["setup", "id", "members"]


async def test_a_bot_that_is_not_in_the_handler_group(fake_server: FakeTelegramServer, tmp_path: Path) -> None:
    server = fake_server
    owner = server.create_user(first_name="Owner", language_code="en")
    group = server.create_group(title="Desk", forum=False, members={owner: "creator"}, bot_status="left")
    bot = desk_bot(server, tmp_path, group, {"supervisors": [owner.id]})
    async with started(server, bot):
        [record] = await bot.wait_for_log(lambda r: r.get("problem") == "unreachable")
        assert record["level"] == "ERROR" and record["chat"] == group.id
        assert record["msg"] == (
            f"the bot cannot see the handler group {group.id} (Bad Request: chat not found): add the bot to the staff group "
            f"(group name -> Add Members -> {BOT}), send /id there and put that id in HANDLER_CHAT_ID in .env"
        )
        # A customer is not told their words reached staff.
        customer = server.create_user(first_name="Cust", language_code="en")
        talk = Conversation(server, customer)
        number = await file_complaint(talk, "The kettle arrived broken, the lid is cracked.")
        [answer] = await talk.send("The box was crushed too.", timeout=30)
        assert answer["text"] == (
            f"⚠️ Your message is saved with your complaint {number}, but it could not be passed on to our team yet. "
            "They will find it with your complaint."
        )

        # Added while running: the group hears what is still missing, then that it is fixed.
        # (Staff also hear then of the customer's message that could not be posted.)
        cursor = server.cursor(group.id)
        server.add_bot_to_group(group, by=owner)
        notice = await group_hears(server, group, "⚠️ New cases", cursor)
        assert notice.startswith("⚠️ New cases and customers' messages cannot be handled properly here:\n❌ I am not an administrator.")
        assert "❌ I cannot read staff messages" in notice
        cursor = server.cursor(group.id)
        server.promote_bot(group, by=owner)
        fixed = await group_hears(server, group, "✅", cursor)
        assert fixed == "✅ Thank you, that is fixed: cases reach this group again."
    assert list(problems_logged(bot)) == ["unreachable", "not_admin", "privacy"]


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("no-admin", ["not_admin", "privacy"]),
        ("no-topics-right", ["missing_rights"]),
        ("plain-group-privacy", ["not_admin", "privacy"]),
    ],
)
async def test_wrong_rights_at_start(fake_server: FakeTelegramServer, tmp_path: Path, kind: str, expected: list[str]) -> None:
    server = fake_server
    owner, agent = server.create_user(first_name="Owner", language_code="en"), server.create_user(first_name="Ann", language_code="en")
    members = {owner: "creator", agent: "member"}
    if kind == "plain-group-privacy":
        group = server.create_group(title="Desk", supergroup=False, members=members, bot_status="member")
    else:
        group = server.create_group(title="Desk", forum=True, members=members, bot_status="member" if kind == "no-admin" else "administrator")
        group.bot_rights["can_manage_topics"] = kind != "no-topics-right"
    bot = desk_bot(server, tmp_path, group, {"agents": [agent.id], "supervisors": [owner.id]})
    async with started(server, bot):
        [notice] = await server.wait_for_messages(group.id, 1, timeout=30)
        logged = problems_logged(bot)
        assert list(logged) == expected and all(r["level"] == "WARNING" for r in logged.values())
        assert notice["text"].startswith("⚠️ New cases and customers' messages cannot be handled properly here:\n")
        assert notice["text"].endswith("Send /setup to check again.")
        text = await command_in(server, agent, group, "/setup")
        if kind == "no-topics-right":
            assert logged["missing_rights"]["msg"] == (
                f"the bot lacks administrator rights in the handler group {group.id}: Manage Topics; "
                f"group name -> Edit -> Administrators -> {BOT}: turn them on"
            )
            assert "❌ I am an administrator but lack these rights:\n  • Manage Topics\n" in notice["text"]
            assert "❌ I cannot create topics: I need to be an administrator with the Manage Topics right." in text
        else:
            assert logged["not_admin"]["msg"].startswith(f"the bot is not an administrator of the handler group {group.id}: ")
            assert "@BotFather -> /setprivacy" in logged["privacy"]["msg"]
            assert "❌ I am not an administrator." in text and "❌ I cannot read staff messages" in text
        if kind == "plain-group-privacy":
            assert "❌ Topics are off (recommended, not required)" in text
            # The bot does not see what staff write: it says so instead of failing quietly.
            agent.send_text_in(group, "I'll take this one")
            assert server.pending_updates() == []
        assert text.endswith("Fix the items marked ❌, then send /setup again.")


async def test_demoted_and_removed_while_running(fake_server: FakeTelegramServer, tmp_path: Path) -> None:
    server = fake_server
    desk: Staffed = setup_staffed(server, tmp_path, forum=True)
    desk.group.add_member(desk.outsider)
    async with running(desk):
        await desk.bot.wait_for_log(lambda r: r.get("msg") == "handler group ready")
        supervisor = Conversation(server, desk.supervisor)
        await supervisor.send("/id")  # the bot can write to the supervisor from now on
        customer, talk, number, card = await filed_case(desk)

        cursor = server.cursor(desk.group_id)
        server.demote_bot(desk.group, by=desk.supervisor)
        [notice] = await server.wait_for_messages(desk.group_id, 1, after=cursor, timeout=20)
        assert notice["text"].startswith("⚠️ 本群组目前无法正常处理新案件和客户消息：\n❌ 我还不是管理员。")
        assert "❌ 我读不到员工的消息" in notice["text"]
        await desk.bot.wait_for_log(lambda r: r.get("problem") == "not_admin")

        cursor = server.cursor(desk.group_id)
        server.promote_bot(desk.group, by=desk.supervisor)
        [fixed] = await server.wait_for_messages(desk.group_id, 1, after=cursor, timeout=20)
        assert fixed["text"] == "✅ 谢谢，问题已解决：案件又能送到本群组了。"

        server.remove_bot(desk.group, by=desk.supervisor)
        [told] = await supervisor._replies(1, 20)
        assert told["text"].startswith(f"⚠️ Sup Sun 把我移出了处理群组「Complaints desk」。")
        [record] = await desk.bot.wait_for_log(lambda r: r.get("problem") == "not_member")
        assert record["level"] == "ERROR"
        [answer] = await talk.send("Any news?", timeout=30)
        assert answer["text"].startswith(f"⚠️ Your message is saved with your complaint {number}, but it could not be passed on")


async def test_a_group_lost_without_a_word_is_noticed_at_the_first_failing_call(fake_server: FakeTelegramServer, tmp_path: Path) -> None:
    server = fake_server
    desk: Staffed = setup_staffed(server, tmp_path, forum=True)
    desk.group.add_member(desk.outsider)
    async with running(desk):
        await desk.bot.wait_for_log(lambda r: r.get("msg") == "handler group ready")
        director = Conversation(server, desk.director)
        await director.send("/id")
        customer, talk, number, card = await filed_case(desk)

        # Topics turned off: the next case's topic fails, and the group hears why.
        server.set_forum(desk.group, False)
        cursor = server.cursor(desk.group_id)
        await file_complaint(Conversation(server, server.create_user(first_name="Bo", language_code="en")), "The charger stopped working after two days.")
        await server.wait_for(lambda: any("我启动后话题被关闭了" in (m.get("text") or "") for m in server.bot_messages(desk.group_id)[cursor:]), timeout=30)
        [record] = await desk.bot.wait_for_log(lambda r: r.get("problem") == "topics_off")
        assert "turn Topics back on" in record["msg"]

        # Removed, and no my_chat_member about it: the first relay that fails tells.
        desk.group.bot_status = "kicked"
        [answer] = await talk.send("Any news?", timeout=30)
        assert answer["text"].startswith(f"⚠️ Your message is saved with your complaint {number}")
        [told] = await director._replies(1, 20)
        assert told["text"].startswith(f"⚠️ 我無法連線到處理群組（{desk.group_id}），新案件和客戶訊息都沒有送到員工那裡。\n❌ 我已被移出群組。")
        await desk.bot.wait_for_log(lambda r: r.get("problem") == "removed")


async def test_a_basic_group_upgraded_to_a_supergroup_gets_its_new_id_told(fake_server: FakeTelegramServer, tmp_path: Path) -> None:
    server = fake_server
    owner, agent = server.create_user(first_name="Owner", language_code="en"), server.create_user(first_name="Ann", language_code="en")
    basic = server.create_group(title="Desk", supergroup=False, members={owner: "creator", agent: "member"})
    bot = desk_bot(server, tmp_path, basic, {"agents": [agent.id], "supervisors": [owner.id]})
    async with started(server, bot):
        await bot.wait_for_log(lambda r: r.get("msg") == "handler group ready")
        # (The owner has written here before: a new person's first updates in two chats at
        # once would race to create their user row.)
        assert (await command_in(server, owner, basic, "/id")).endswith(f"This group's id: {basic.id}")
        # Turning Topics on makes it a supergroup with a new id.
        upgraded = server.upgrade_to_supergroup(basic, by=owner, forum=True)
        [told] = await server.wait_for_messages(upgraded.id, 1, timeout=20)
        assert told["text"] == (
            f"ℹ️ This group became a supergroup, so its id changed from {basic.id} to {upgraded.id}. "
            f"Put HANDLER_CHAT_ID={upgraded.id} in .env and restart me."
        )
        [record] = await bot.wait_for_log(lambda r: r.get("problem") == "moved")
        assert record["msg"] == (
            f"the handler group {basic.id} became a supergroup and its id is now {upgraded.id}: "
            f"put HANDLER_CHAT_ID={upgraded.id} in .env and restart the bot"
        )
        text = await command_in(server, agent, upgraded, "/setup")
        assert f"❌ This is not the handler group: HANDLER_CHAT_ID is {basic.id}." in text
    # Started again before .env is fixed: the same line, at start.
    async with started(server, bot):
        records = await bot.wait_for_log(lambda r: r.get("problem") == "moved", count=2)
        assert records[1]["level"] == "ERROR" and f"HANDLER_CHAT_ID={upgraded.id}" in records[1]["msg"]
