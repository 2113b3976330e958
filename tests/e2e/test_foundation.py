"""The foundation through the real process: locales, language switch, duplicates, faults."""
from __future__ import annotations

import json

import pytest

GREETING_START = {
    "zh_Hans": "您好，{name}！我是客诉助手 Kesu。",
    "zh_Hant": "您好，{name}！我是客訴小幫手 Kesu。",
    "en": "Hello, {name}! I am Kesu, the customer complaints desk.",
}


@pytest.mark.parametrize(
    ("language_code", "locale"),
    [("zh-hans", "zh_Hans"), ("zh-cn", "zh_Hans"), ("zh-hant", "zh_Hant"), ("zh-hk", "zh_Hant"), ("en", "en"), ("de", "en")],
)
async def test_start_greets_in_the_users_locale(kesu, language_code: str, locale: str) -> None:
    user = kesu.server.create_user(first_name="Wei", language_code=language_code)
    cursor = kesu.server.cursor(user.chat_id)
    user.send_command("/start")
    greeting, _intro, _category_prompt = await kesu.server.wait_for_messages(user.chat_id, 3, after=cursor)
    assert greeting["text"].startswith(GREETING_START[locale].format(name="Wei"))
    buttons = [b for row in greeting["reply_markup"]["inline_keyboard"] for b in row]
    assert [b["callback_data"] for b in buttons] == ["lang:menu"]


async def test_language_switch_survives_a_restart(kesu) -> None:
    server = kesu.server
    user = server.create_user(first_name="Ming", language_code="zh-cn")
    cursor = server.cursor(user.chat_id)
    user.send_command("/language")
    [menu] = await server.wait_for_messages(user.chat_id, 1, after=cursor)
    assert menu["text"] == "请选择我和您沟通时使用的语言。当前：简体中文"
    cursor = server.cursor(user.chat_id)
    user.press_button(menu["message_id"], "lang:zh_Hant")
    [changed] = await server.wait_for_messages(user.chat_id, 1, after=cursor)
    assert changed["text"] == "好的，之後我會用繁體中文和您溝通。"
    await server.wait_for(lambda: len(server.callback_answers) == 1)
    # The chat's command menu follows the choice (Telegram's "zh" menu is zh_Hans).
    await server.wait_for(lambda: any(json.loads(scope).get("chat_id") == user.chat_id for scope, _ in server.my_commands))

    await kesu.wait_outbox_settled()
    await kesu.restart()
    cursor = server.cursor(user.chat_id)
    user.send_command("/start")
    greeting = (await server.wait_for_messages(user.chat_id, 3, after=cursor))[0]
    assert greeting["text"].startswith("您好，Ming！我是客訴小幫手 Kesu。")


async def test_command_menus_are_registered_per_locale(kesu) -> None:
    server = kesu.server
    await server.wait_for(lambda: len(server.my_commands) >= 3)
    menus = {language: commands for (scope, language), commands in server.my_commands.items() if json.loads(scope)["type"] == "all_private_chats"}
    assert [c["command"] for c in menus["zh"]] == ["new", "status", "cancel", "withdraw", "mydata", "forget", "language", "help", "start"]
    assert menus["zh"][0]["description"] == "提交新的投诉"
    assert menus["en"][0]["description"] == "File a new complaint"
    assert menus[None][0]["description"] == "File a new complaint"  # DEFAULT_LOCALE=en


async def test_the_same_update_twice_gets_one_reply(kesu) -> None:
    server = kesu.server
    user = server.create_user(first_name="Dup", language_code="en")
    cursor = server.cursor(user.chat_id)
    update = user.send_command("/help")
    server.deliver_twice(update)
    user.send_command("/language")  # a later update proves the repeat was processed, not pending
    replies = await server.wait_for_messages(user.chat_id, 2, after=cursor)
    await kesu.bot.wait_for_log(lambda r: r.get("update_id") == update["update_id"] and r.get("outcome") == "duplicate")
    assert [m["text"].split("\n")[0] for m in replies] == ["What I can do", "Choose the language I should write in. Now: English"]
    assert len(server.bot_messages(user.chat_id)) == 2


@pytest.mark.parametrize("kesu", [{"SEND_PER_CHAT_PER_SECOND": "1", "SEND_PER_CHAT_BURST": "3"}], indirect=True)
async def test_a_burst_of_429s_loses_nothing_and_respects_the_chat_limit(kesu) -> None:
    server = kesu.server
    users = [server.create_user(first_name=f"U{n}", language_code="en") for n in range(3)]
    server.inject_fault("429", count=6, method="sendMessage", retry_after=1)
    for user in users:
        for command in ("/help", "/language", "/help", "/status", "/help"):
            user.send_command(command)
    expected = ["What I can do", "Choose the language I should write in. Now: English", "What I can do", "You have no complaints with us. Send /new to file one.", "What I can do"]
    for user in users:
        messages = await server.wait_for_messages(user.chat_id, 5, after=0, timeout=60)
        assert [m["text"].split("\n")[0] for m in messages] == expected
    await kesu.wait_outbox_settled()  # late duplicates, if any, would have landed by now
    rejected = [c for c in server.calls if c[0] == "sendMessage" and str(c[3]).startswith("429")]
    assert len(rejected) == 6
    for user in users:
        times = [m["_sent_at"] for m in server.bot_messages(user.chat_id)]
        assert len(times) == 5  # exactly once each
        # per_chat_burst=3 then 1/s: any window of length T holds at most 3 + T messages
        for i in range(len(times)):
            for j in range(i, len(times)):
                assert j - i + 1 <= 3 + (times[j] - times[i]) * 1.0 + 0.05


async def test_killed_after_commit_before_send_delivers_exactly_once(kesu) -> None:
    server = kesu.server
    user = server.create_user(first_name="Kill", language_code="zh-tw")
    server.inject_fault("timeout", count=1, method="sendMessage")
    user.send_command("/help")
    # The reply's row is committed and its send is hanging in the fake server: kill now.
    await server.wait_for(lambda: any(c[0] == "sendMessage" for c in server.calls))
    await kesu.restart(kill=True)
    [reply] = await server.wait_for_messages(user.chat_id, 1, after=0, timeout=30)
    assert reply["text"].startswith("我能為您做什麼")
    # A later update proves the sender has settled: still only one copy of the reply.
    user.send_command("/language")
    await server.wait_for_messages(user.chat_id, 1, after=1, timeout=30)
    assert [m["text"][:6] for m in server.bot_messages(user.chat_id)] == ["我能為您做什", "請選擇我和您"]


async def test_every_update_gets_one_structured_log_line(kesu) -> None:
    server = kesu.server
    user = server.create_user(first_name="Log", language_code="en")
    update = user.send_command("/help")
    sticker = user.send_sticker()
    [line] = await kesu.bot.wait_for_log(lambda r: r.get("msg") == "update" and r.get("update_id") == update["update_id"])
    assert line["chat"] == user.chat_id and line["handler"] == "help_command" and line["outcome"] == "handled"
    assert isinstance(line["ms"], (int, float))
    [other] = await kesu.bot.wait_for_log(lambda r: r.get("msg") == "update" and r.get("update_id") == sticker["update_id"])
    assert other["handler"] == "unsupported_input"
    [_help, answer] = await server.wait_for_messages(user.chat_id, 2, after=0)
    assert answer["text"] == "Sorry, I cannot use that. To file a complaint, send /new or simply describe what happened."
