"""Every update kind and method result the fake server produces parses with aiogram and python-telegram-bot."""
from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest
import telegram
from aiogram import methods as m
from aiogram.enums import ContentType
from aiogram.types import (
    ChatFullInfo,
    ChatMemberAdministrator,
    ChatMemberBanned,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    ChatMemberRestricted,
    File,
    ForumTopic,
    MenuButtonCommands,
)

from .conftest import TOKEN
from .images import png
from .validation import aiogram_result, assert_no_api_kwargs, parse_update


async def fetch(api, **params: Any) -> list[dict[str, Any]]:
    status, body = await api("getUpdates", **params)
    assert status == 200 and body["ok"] is True, body
    aiogram_result(m.GetUpdates, body, None)
    return body["result"]


async def over_the_wire(api, update: dict[str, Any]) -> dict[str, Any]:
    """Fetch the update through getUpdates, check it is what the test was given, then confirm it."""
    [wire] = await fetch(api, offset=update["update_id"], timeout=0)
    assert wire == update
    assert await fetch(api, offset=update["update_id"] + 1, timeout=0) == []
    return wire


def ptb_message(result: dict[str, Any], ptb_bot: telegram.Bot) -> telegram.Message:
    message = telegram.Message.de_json(result, ptb_bot)
    assert_no_api_kwargs(message, "message")
    return message


def assert_sent_by_bot(message: telegram.Message, chat_id: int) -> None:
    assert message.from_user.id == 123456 and message.from_user.is_bot is True
    assert message.from_user.username == "kesu_test_bot"
    assert message.chat.id == chat_id


# -- updates ----------------------------------------------------------------------------------------------------

USER_MESSAGES = {
    "text": (lambda u: u.send_text("hello https://example.com/a #tag"), ContentType.TEXT),
    "command": (lambda u: u.send_command("/start ref_42"), ContentType.TEXT),
    "photo": (lambda u: u.send_photo(caption="broken screen"), ContentType.PHOTO),
    "document": (lambda u: u.send_document(file_name="receipt.pdf", caption="receipt"), ContentType.DOCUMENT),
    "voice": (lambda u: u.send_voice(duration=7), ContentType.VOICE),
    "video": (lambda u: u.send_video(duration=12), ContentType.VIDEO),
    "sticker": (lambda u: u.send_sticker(emoji="😡"), ContentType.STICKER),
    "contact": (lambda u: u.send_contact(phone_number="+8613800138000"), ContentType.CONTACT),
    "location": (lambda u: u.send_location(31.23, 121.47), ContentType.LOCATION),
}


def check_content(kind: str, raw: dict[str, Any], msg: telegram.Message, amsg: Any, user) -> None:
    if kind == "text":
        assert msg.text == "hello https://example.com/a #tag"
        assert [(e.type, msg.parse_entity(e)) for e in msg.entities] == [
            ("url", "https://example.com/a"), ("hashtag", "#tag")]
    elif kind == "command":
        assert msg.text == "/start ref_42"
        assert msg.entities[0].type == "bot_command" and msg.parse_entity(msg.entities[0]) == "/start"
    elif kind == "photo":
        assert [p.file_id for p in msg.photo] == [p["file_id"] for p in raw["photo"]]
        assert msg.photo[-1].width > msg.photo[0].width and msg.caption == "broken screen"
    elif kind == "document":
        assert msg.document.file_name == "receipt.pdf" and msg.document.mime_type == "application/pdf"
        assert msg.document.file_id == raw["document"]["file_id"] and msg.caption == "receipt"
    elif kind == "voice":
        assert msg.voice.file_id == raw["voice"]["file_id"] and msg.voice.mime_type == "audio/ogg"
        assert amsg.voice.duration == 7
    elif kind == "video":
        assert msg.video.file_id == raw["video"]["file_id"] and msg.video.width == 640
        assert amsg.video.duration == 12
    elif kind == "sticker":
        assert msg.sticker.emoji == "😡" and msg.sticker.type == "regular"
    elif kind == "contact":
        assert msg.contact.phone_number == "+8613800138000" and msg.contact.user_id == user.id
        assert msg.contact.first_name == "Li"
    elif kind == "location":
        assert (msg.location.latitude, msg.location.longitude) == (31.23, 121.47)


@pytest.mark.parametrize("kind", list(USER_MESSAGES))
async def test_private_message_updates(server, api, aiogram_bot, ptb_bot, kind: str) -> None:
    user = server.create_user(first_name="Li", last_name="Wei", username="liwei", language_code="zh-cn")
    send, content_type = USER_MESSAGES[kind]
    wire = await over_the_wire(api, send(user))
    update, ptb = parse_update(wire, aiogram_bot, ptb_bot)

    assert update.message.content_type == content_type
    msg = ptb.message
    assert msg.message_id == wire["message"]["message_id"] == 1
    assert (msg.from_user.id, msg.from_user.first_name, msg.from_user.last_name) == (user.id, "Li", "Wei")
    assert (msg.from_user.username, msg.from_user.language_code, msg.from_user.is_bot) == ("liwei", "zh-cn", False)
    assert (msg.chat.id, msg.chat.type, msg.chat.first_name) == (user.chat_id, "private", "Li")
    assert int(msg.date.timestamp()) == wire["message"]["date"]
    check_content(kind, wire["message"], msg, update.message, user)


async def test_edited_message_update(server, api, aiogram_bot, ptb_bot) -> None:
    user = server.create_user(first_name="Li")
    sent = await over_the_wire(api, user.send_text("my order is late"))
    wire = await over_the_wire(api, user.edit_message(sent["message"]["message_id"], "my order 42 is late"))
    update, ptb = parse_update(wire, aiogram_bot, ptb_bot)
    assert update.edited_message.text == ptb.edited_message.text == "my order 42 is late"
    assert ptb.edited_message.message_id == sent["message"]["message_id"]
    assert ptb.edited_message.edit_date is not None


async def test_callback_query_update(server, api, aiogram_bot, ptb_bot) -> None:
    user = server.create_user(first_name="Li")
    keyboard = {"inline_keyboard": [[{"text": "Yes", "callback_data": "confirm:1"},
                                     {"text": "Site", "url": "https://example.com"}]]}
    status, body = await api("sendMessage", chat_id=user.chat_id, text="Confirm?", reply_markup=keyboard)
    assert status == 200
    wire = await over_the_wire(api, user.press_button_text(body["result"]["message_id"], "Yes"))
    update, ptb = parse_update(wire, aiogram_bot, ptb_bot)
    query = ptb.callback_query
    assert update.callback_query.data == query.data == "confirm:1"
    assert query.from_user.id == user.id and query.chat_instance
    assert query.message.message_id == body["result"]["message_id"] and query.message.text == "Confirm?"
    assert query.message.reply_markup.inline_keyboard[0][0].callback_data == "confirm:1"
    assert query.message.from_user.is_bot


async def test_my_chat_member_updates_on_block_and_unblock(server, api, aiogram_bot, ptb_bot) -> None:
    user = server.create_user(first_name="Li")
    for action, old, new in ((user.block_bot, "member", "kicked"), (user.unblock_bot, "kicked", "member")):
        wire = await over_the_wire(api, action())
        update, ptb = parse_update(wire, aiogram_bot, ptb_bot)
        change = ptb.my_chat_member
        assert (change.old_chat_member.status, change.new_chat_member.status) == (old, new)
        assert change.new_chat_member.user.id == 123456 and change.from_user.id == user.id
        assert update.my_chat_member.chat.id == user.chat_id


async def test_group_message_update(server, api, aiogram_bot, ptb_bot) -> None:
    alice, bob = server.create_user(first_name="Alice"), server.create_user(first_name="Bob")
    group = server.create_group(title="Handlers", members={alice: "member", bob: "administrator"})
    assert group.id < -1_000_000_000_000
    first = await over_the_wire(api, alice.send_text_in(group, "I'll take #12"))
    wire = await over_the_wire(api, bob.send_text_in(group, "ok", reply_to_message_id=first["message"]["message_id"]))
    update, ptb = parse_update(wire, aiogram_bot, ptb_bot)
    msg = ptb.message
    assert (msg.chat.id, msg.chat.type, msg.chat.title) == (group.id, "supergroup", "Handlers")
    assert msg.from_user.id == bob.id and msg.text == "ok"
    assert msg.reply_to_message.text == "I'll take #12" and msg.reply_to_message.from_user.id == alice.id
    assert update.message.reply_to_message.message_id == first["message"]["message_id"]
    assert not msg.is_topic_message


async def test_forum_topic_message_update(server, api, aiogram_bot, ptb_bot) -> None:
    user = server.create_user(first_name="Li")
    group = server.create_group(title="Support", forum=True, members={user: "member"})
    status, body = await api("createForumTopic", chat_id=group.id, name="Complaint #7")
    topic = aiogram_result(m.CreateForumTopic, body, None)
    assert isinstance(topic, ForumTopic) and group.topics[0].message_thread_id == topic.message_thread_id
    wire = await over_the_wire(api, user.send_text_in(group, "any news?", message_thread_id=topic.message_thread_id))
    update, ptb = parse_update(wire, aiogram_bot, ptb_bot)
    msg = ptb.message
    assert msg.is_topic_message is True and msg.message_thread_id == topic.message_thread_id
    assert msg.chat.is_forum is True
    # Telegram shows topic messages as replies to the topic's creation service message.
    assert msg.reply_to_message.forum_topic_created.name == "Complaint #7"
    assert msg.reply_to_message.message_id == topic.message_thread_id
    assert update.message.message_thread_id == topic.message_thread_id


# -- methods ----------------------------------------------------------------------------------------------------

async def test_get_me(api, aiogram_bot) -> None:
    status, body = await api("getMe")
    me = aiogram_result(m.GetMe, body, aiogram_bot)
    assert (status, me.id, me.is_bot, me.username) == (200, 123456, True, "kesu_test_bot")


SEND_MESSAGE_CASES = {
    "plain": ({"text": "Thanks, noted."}, "Thanks, noted.", []),
    "html": ({"text": '<b>Ticket</b> &lt;42&gt; <a href="https://ex.com/t?a=1&amp;b=2">open</a>', "parse_mode": "HTML"},
             "Ticket <42> open", [("bold", "Ticket"), ("text_link", "open")]),
    "markdownv2": ({"text": "*Ticket* \\#42 _late_", "parse_mode": "MarkdownV2"},
                   "Ticket #42 late", [("bold", "Ticket"), ("italic", "late")]),
    "entities": ({"text": "plain bold", "entities": [{"type": "bold", "offset": 6, "length": 4}]},
                 "plain bold", [("bold", "bold")]),
    "trimmed": ({"text": "  \n<i>hi</i>  \n", "parse_mode": "HTML"}, "hi", [("italic", "hi")]),
}


@pytest.mark.parametrize("case", list(SEND_MESSAGE_CASES))
async def test_send_message_text_and_entities(server, api, aiogram_bot, ptb_bot, case: str) -> None:
    user = server.create_user()
    params, text, entities = SEND_MESSAGE_CASES[case]
    status, body = await api("sendMessage", chat_id=user.chat_id, **params)
    assert status == 200
    result = aiogram_result(m.SendMessage, body, aiogram_bot)
    assert result.text == text and result.message_id == 1
    msg = ptb_message(body["result"], ptb_bot)
    assert_sent_by_bot(msg, user.chat_id)
    assert [(e.type, msg.parse_entity(e)) for e in msg.entities] == entities
    [record] = server.bot_messages(user.chat_id)
    assert record["text"] == text and record["_from_bot"] is True and record["_params"]["text"] == params["text"]


async def test_send_message_markups_replies_and_options(server, api, aiogram_bot, ptb_bot) -> None:
    user = server.create_user()
    group = server.create_group(title="Ops", forum=True)
    _, created = await api("createForumTopic", chat_id=group.id, name="T")
    thread = created["result"]["message_thread_id"]
    inline = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}], [{"text": "B", "callback_data": "b"}]]}
    reply_kb = {"keyboard": [[{"text": "📝 New complaint"}], ["Help"]], "resize_keyboard": True}
    cases = [
        (user.chat_id, {"reply_markup": inline}),
        (user.chat_id, {"reply_markup": reply_kb, "protect_content": True, "disable_notification": True}),
        (user.chat_id, {"reply_markup": {"remove_keyboard": True}, "reply_parameters": {"message_id": 1}}),
        (user.chat_id, {"reply_markup": {"force_reply": True, "input_field_placeholder": "Order no."},
                        "reply_to_message_id": 2, "link_preview_options": {"is_disabled": True}}),
        (group.id, {"message_thread_id": thread}),
    ]
    for chat_id, extra in cases:
        status, body = await api("sendMessage", chat_id=chat_id, text="see https://example.com", **extra)
        assert status == 200, body
        result = aiogram_result(m.SendMessage, body, aiogram_bot)
        msg = ptb_message(body["result"], ptb_bot)
        assert_sent_by_bot(msg, chat_id)
        assert result.chat.id == chat_id
    first, second, third, fourth = server.bot_messages(user.chat_id)
    assert [b[0]["callback_data"] for b in first["reply_markup"]["inline_keyboard"]] == ["a", "b"]
    # Telegram only echoes inline keyboards; other markups are kept privately for assertions.
    assert "reply_markup" not in second and second["_reply_markup"] == reply_kb
    assert second["has_protected_content"] is True
    assert third["reply_to_message"]["message_id"] == 1 and fourth["reply_to_message"]["message_id"] == 2
    assert fourth["link_preview_options"] == {"is_disabled": True}
    [in_topic] = server.bot_messages(group.id)
    assert in_topic["message_thread_id"] == thread and in_topic["is_topic_message"] is True


async def test_form_urlencoded_and_get_requests(server, http, aiogram_bot) -> None:
    user = server.create_user()
    url = f"{server.base_url}/bot{TOKEN}/sendMessage"
    form = {"chat_id": str(user.chat_id), "text": "form", "protect_content": "true",
            "reply_markup": json.dumps({"inline_keyboard": [[{"text": "x", "callback_data": "x"}]]})}
    async with http.post(url, data=form) as response:
        result = aiogram_result(m.SendMessage, await response.json(), aiogram_bot)
    assert result.text == "form" and result.has_protected_content and result.reply_markup.inline_keyboard
    async with http.get(f"{server.base_url}/bot{TOKEN}/getMe") as response:
        assert (await response.json())["result"]["username"] == "kesu_test_bot"


async def test_edit_methods(server, api, aiogram_bot, ptb_bot) -> None:
    user = server.create_user()
    markup = {"inline_keyboard": [[{"text": "Take", "callback_data": "take"}]]}
    _, sent = await api("sendMessage", chat_id=user.chat_id, text="New", reply_markup=markup)
    mid = sent["result"]["message_id"]

    status, body = await api("editMessageText", chat_id=user.chat_id, message_id=mid, text="<b>Taken</b>",
                             parse_mode="HTML", reply_markup=markup)
    edited = aiogram_result(m.EditMessageText, body, aiogram_bot)
    assert (edited.text, edited.entities[0].type, edited.edit_date is not None) == ("Taken", "bold", True)
    assert ptb_message(body["result"], ptb_bot).reply_markup.inline_keyboard[0][0].text == "Take"

    status, body = await api("editMessageReplyMarkup", chat_id=user.chat_id, message_id=mid)
    assert aiogram_result(m.EditMessageReplyMarkup, body, aiogram_bot).reply_markup is None

    _, photo = await api("sendPhoto", chat_id=user.chat_id, photo=user.send_photo()["message"]["photo"][-1]["file_id"],
                         caption="old")
    status, body = await api("editMessageCaption", chat_id=user.chat_id, message_id=photo["result"]["message_id"],
                             caption="<i>new</i>", parse_mode="HTML")
    assert aiogram_result(m.EditMessageCaption, body, aiogram_bot).caption == "new"
    [record] = [r for r in server.transcript(user.chat_id) if r["message_id"] == mid]
    assert [e.get("text") for e in record["_edits"]] == ["Taken", None]
    assert "reply_markup" not in record and record["text"] == "Taken"


async def test_delete_copy_and_forward(server, api, aiogram_bot, ptb_bot) -> None:
    user = server.create_user(first_name="Li")
    group = server.create_group(title="Handlers")
    complaint = user.send_text("The <b>app</b> crashes")["message"]["message_id"]

    status, body = await api("copyMessage", chat_id=group.id, from_chat_id=user.chat_id, message_id=complaint)
    copied = aiogram_result(m.CopyMessage, body, aiogram_bot)
    [copy] = server.bot_messages(group.id)
    assert copy["message_id"] == copied.message_id and copy["text"] == "The <b>app</b> crashes"
    assert "forward_origin" not in copy

    status, body = await api("forwardMessage", chat_id=group.id, from_chat_id=user.chat_id, message_id=complaint)
    forwarded = aiogram_result(m.ForwardMessage, body, aiogram_bot)
    assert forwarded.forward_origin.sender_user.id == user.id
    msg = ptb_message(body["result"], ptb_bot)
    assert msg.forward_origin.type == "user" and msg.forward_origin.sender_user.first_name == "Li"

    status, body = await api("deleteMessage", chat_id=group.id, message_id=copied.message_id)
    assert aiogram_result(m.DeleteMessage, body, aiogram_bot) is True
    assert [r["message_id"] for r in server.bot_messages(group.id)] == [forwarded.message_id]
    assert server.bot_messages(group.id, include_deleted=True)[0]["_deleted"] is True


async def test_answer_callback_query(server, api, aiogram_bot) -> None:
    user = server.create_user()
    _, sent = await api("sendMessage", chat_id=user.chat_id, text="?",
                        reply_markup={"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]})
    query = user.press_button(sent["result"]["message_id"], "go")["callback_query"]
    status, body = await api("answerCallbackQuery", callback_query_id=query["id"], text="Done", show_alert=True)
    assert aiogram_result(m.AnswerCallbackQuery, body, aiogram_bot) is True
    assert server.callback_answers == [{"callback_query_id": query["id"], "text": "Done", "show_alert": True}]


@pytest.mark.parametrize(("method", "kind", "aiogram_method"), [
    ("sendPhoto", "photo", m.SendPhoto), ("sendDocument", "document", m.SendDocument),
    ("sendVoice", "voice", m.SendVoice), ("sendVideo", "video", m.SendVideo), ("sendSticker", "sticker", m.SendSticker),
])
async def test_send_media_by_file_id_and_upload(server, http, api, aiogram_bot, ptb_bot, method, kind,
                                                aiogram_method) -> None:
    user = server.create_user()
    incoming = getattr(user, f"send_{kind}")()["message"]
    file_id = incoming["photo"][-1]["file_id"] if kind == "photo" else incoming[kind]["file_id"]
    status, body = await api(method, chat_id=user.chat_id, **{kind: file_id})
    result = aiogram_result(aiogram_method, body, aiogram_bot)
    msg = ptb_message(body["result"], ptb_bot)
    assert_sent_by_bot(msg, user.chat_id)
    sent = result.photo[-1] if kind == "photo" else getattr(result, kind)
    assert sent.file_id == file_id

    form = aiohttp.FormData()
    form.add_field("chat_id", str(user.chat_id))
    form.add_field(kind, f"attach://{kind}_file")
    upload = png(5, 4) if kind == "photo" else b"uploaded bytes"
    form.add_field(f"{kind}_file", upload, filename="upload.bin")
    if kind != "sticker":
        form.add_field("caption", "<b>up</b>")
        form.add_field("parse_mode", "HTML")
    async with http.post(f"{server.base_url}/bot{TOKEN}/{method}", data=form) as response:
        body = await response.json()
    result = aiogram_result(aiogram_method, body, aiogram_bot)
    ptb_message(body["result"], ptb_bot)
    uploaded = result.photo[-1] if kind == "photo" else getattr(result, kind)
    assert uploaded.file_id != file_id and uploaded.file_size == len(upload)
    if kind != "sticker":
        assert result.caption == "up" and result.caption_entities[0].type == "bold"


async def test_send_media_group(server, api, aiogram_bot, ptb_bot) -> None:
    user = server.create_user()
    photos = [user.send_photo()["message"]["photo"][-1]["file_id"] for _ in range(3)]
    media = [{"type": "photo", "media": fid, "caption": f"#{n}"} for n, fid in enumerate(photos)]
    status, body = await api("sendMediaGroup", chat_id=user.chat_id, media=media)
    result = aiogram_result(m.SendMediaGroup, body, aiogram_bot)
    assert [r.caption for r in result] == ["#0", "#1", "#2"]
    assert len({r.media_group_id for r in result}) == 1 and result[0].media_group_id
    for raw in body["result"]:
        ptb_message(raw, ptb_bot)


async def test_get_file_and_download(server, api, http, aiogram_bot) -> None:
    user = server.create_user()
    document = user.send_document(file_name="scan.pdf", data=b"%PDF-1.4 fake")["message"]["document"]
    status, body = await api("getFile", file_id=document["file_id"])
    file = aiogram_result(m.GetFile, body, aiogram_bot)
    assert isinstance(file, File) and file.file_path.endswith(".pdf") and file.file_size == 13
    async with http.get(f"{server.base_url}/file/bot{TOKEN}/{file.file_path}") as response:
        assert response.status == 200 and await response.read() == b"%PDF-1.4 fake"
    async with http.get(f"{server.base_url}/file/bot{TOKEN}/documents/nope.pdf") as response:
        assert response.status == 404


async def test_get_chat(server, api, aiogram_bot, ptb_bot) -> None:
    user = server.create_user(first_name="Li", username="li")
    forum = server.create_group(title="Support", forum=True)
    for chat_id, kind in ((user.chat_id, "private"), (forum.id, "supergroup")):
        status, body = await api("getChat", chat_id=chat_id)
        info = aiogram_result(m.GetChat, body, aiogram_bot)
        assert isinstance(info, ChatFullInfo) and (info.id, info.type) == (chat_id, kind)
        ptb_info = telegram.ChatFullInfo.de_json(body["result"], ptb_bot)
        assert ptb_info.id == chat_id and not ptb_info.api_kwargs
    assert info.is_forum is True and info.title == "Support"
    for reactions in ([], ["👍", "👌"]):  # turned off; only some allowed
        forum.available_reactions = reactions
        _, body = await api("getChat", chat_id=forum.id)
        info = aiogram_result(m.GetChat, body, aiogram_bot)
        assert [r.emoji for r in info.available_reactions] == reactions
        ptb_info = telegram.ChatFullInfo.de_json(body["result"], ptb_bot)
        assert [r.emoji for r in ptb_info.available_reactions] == reactions and not ptb_info.api_kwargs


async def test_get_chat_member_statuses(server, api, aiogram_bot, ptb_bot) -> None:
    users = {status: server.create_user(first_name=status) for status in
             ("creator", "administrator", "member", "restricted", "left", "kicked")}
    group = server.create_group(title="G", members={u: s for s, u in users.items() if s != "left"})
    expected = {"creator": ChatMemberOwner, "administrator": ChatMemberAdministrator, "member": ChatMemberMember,
                "restricted": ChatMemberRestricted, "left": ChatMemberLeft, "kicked": ChatMemberBanned}
    for status, user in users.items():
        _, body = await api("getChatMember", chat_id=group.id, user_id=user.id)
        member = aiogram_result(m.GetChatMember, body, aiogram_bot)
        assert isinstance(member, expected[status]) and member.user.id == user.id
        ptb_member = telegram.ChatMember.de_json(body["result"], ptb_bot)
        assert ptb_member.status == status and ptb_member.user.id == user.id
    _, body = await api("getChatMember", chat_id=group.id, user_id=123456)
    assert aiogram_result(m.GetChatMember, body, aiogram_bot).can_manage_topics is True
    group.remove_member(users["member"])
    _, body = await api("getChatMember", chat_id=group.id, user_id=users["member"].id)
    assert body["result"]["status"] == "left"
    _, body = await api("getChatMember", chat_id=users["member"].chat_id, user_id=users["member"].id)
    assert body["result"]["status"] == "member"


async def test_my_commands(server, api, aiogram_bot) -> None:
    commands = [{"command": "start", "description": "Start"}, {"command": "help", "description": "Help"}]
    chat_scope = {"type": "chat", "chat_id": 42}
    for params in ({}, {"language_code": "zh"}, {"scope": chat_scope, "language_code": "en"}):
        _, body = await api("setMyCommands", commands=commands, **params)
        assert aiogram_result(m.SetMyCommands, body, aiogram_bot) is True
    assert set(server.my_commands) == {('{"type": "default"}', None), ('{"type": "default"}', "zh"),
                                       ('{"chat_id": 42, "type": "chat"}', "en")}
    _, body = await api("getMyCommands", language_code="zh")
    assert [c.command for c in aiogram_result(m.GetMyCommands, body, aiogram_bot)] == ["start", "help"]
    _, body = await api("deleteMyCommands", language_code="zh")
    assert aiogram_result(m.DeleteMyCommands, body, aiogram_bot) is True
    _, body = await api("getMyCommands", language_code="zh")
    assert aiogram_result(m.GetMyCommands, body, aiogram_bot) == []


async def test_forum_topic_lifecycle(server, api, aiogram_bot, ptb_bot) -> None:
    group = server.create_group(title="Desk", forum=True)
    _, body = await api("createForumTopic", chat_id=group.id, name="#1 Li", icon_color=0xFFD67E)
    topic = aiogram_result(m.CreateForumTopic, body, aiogram_bot)
    assert telegram.ForumTopic.de_json(body["result"], ptb_bot).name == "#1 Li"
    tid = topic.message_thread_id
    for method, params, aiogram_method in (
        ("editForumTopic", {"name": "#1 Li (late)"}, m.EditForumTopic),
        ("closeForumTopic", {}, m.CloseForumTopic),
        ("reopenForumTopic", {}, m.ReopenForumTopic),
    ):
        _, body = await api(method, chat_id=group.id, message_thread_id=tid, **params)
        assert aiogram_result(aiogram_method, body, aiogram_bot) is True
    assert group.topic(tid).name == "#1 Li (late)" and group.topic(tid).closed is False
    services = [r for r in server.transcript(group.id) if r.get("_service")]
    keys = [next(k for k in r if k.startswith("forum_topic_")) for r in services]
    assert keys == ["forum_topic_created", "forum_topic_edited", "forum_topic_closed", "forum_topic_reopened"]
    for record in services:
        clean = {k: v for k, v in record.items() if not k.startswith("_")}
        aiogram_result(m.SendMessage, {"ok": True, "result": clean}, aiogram_bot)
        ptb_message(clean, ptb_bot)
    assert server.bot_messages(group.id) == []  # service messages are not counted as bot messages


async def test_menu_button_webhook_and_misc_methods(server, api, aiogram_bot) -> None:
    user = server.create_user()
    _, body = await api("setChatMenuButton", menu_button={"type": "commands"})
    assert aiogram_result(m.SetChatMenuButton, body, aiogram_bot) is True
    _, body = await api("getChatMenuButton")
    assert isinstance(aiogram_result(m.GetChatMenuButton, body, aiogram_bot), MenuButtonCommands)
    _, body = await api("deleteWebhook", drop_pending_updates=True)
    assert aiogram_result(m.DeleteWebhook, body, aiogram_bot) is True
    _, body = await api("getWebhookInfo")
    info = aiogram_result(m.GetWebhookInfo, body, aiogram_bot)
    assert (info.url, info.pending_update_count) == ("", 0)
    _, body = await api("sendChatAction", chat_id=user.chat_id, action="typing")
    assert aiogram_result(m.SendChatAction, body, aiogram_bot) is True
    _, body = await api("sendLocation", chat_id=user.chat_id, latitude=1.5, longitude=2.5)
    assert aiogram_result(m.SendLocation, body, aiogram_bot).location.latitude == 1.5
    _, body = await api("sendContact", chat_id=user.chat_id, phone_number="+1", first_name="Desk")
    assert aiogram_result(m.SendContact, body, aiogram_bot).contact.first_name == "Desk"
    _, body = await api("setMyDescription", description="Complaints desk")
    assert aiogram_result(m.SetMyDescription, body, aiogram_bot) is True
    _, body = await api("getMyDescription")
    assert aiogram_result(m.GetMyDescription, body, aiogram_bot).description == "Complaints desk"
    _, body = await api("getchatmember", chat_id=user.chat_id, user_id=user.id)  # names are case-insensitive
    assert body["ok"] is True


async def test_remaining_methods(server, api, aiogram_bot) -> None:
    user = server.create_user()
    member = server.create_user()
    group = server.create_group(title="Desk", forum=True, members={member: "creator"})
    _, created = await api("createForumTopic", chat_id=group.id, name="T")
    tid = created["result"]["message_thread_id"]
    _, a = await api("sendMessage", chat_id=user.chat_id, text="a")
    _, b = await api("sendMessage", chat_id=user.chat_id, text="b")
    cases = [
        (m.DeleteMessages, {"chat_id": user.chat_id,
                            "message_ids": [a["result"]["message_id"], b["result"]["message_id"]]}, True),
        (m.GetChatMemberCount, {"chat_id": group.id}, 2),
        (m.PinChatMessage, {"chat_id": user.chat_id, "message_id": 1}, True),
        (m.SetMessageReaction, {"chat_id": user.chat_id, "message_id": 1}, True),
        (m.UnpinAllForumTopicMessages, {"chat_id": group.id, "message_thread_id": tid}, True),
        (m.DeleteForumTopic, {"chat_id": group.id, "message_thread_id": tid}, True),
        (m.SetMyName, {"name": "Kesu", "language_code": "en"}, True),
        (m.SetMyShortDescription, {"short_description": "Complaints"}, True),
        (m.SetMyDefaultAdministratorRights, {}, True),
        (m.SetWebhook, {"url": "https://example.com/hook"}, True),
        (m.DeleteWebhook, {}, True),
        (m.LogOut, {}, True),
        (m.Close, {}, True),
    ]
    for aiogram_method, params, expected in cases:
        _, body = await api(aiogram_method.__api_method__, **params)
        assert aiogram_result(aiogram_method, body, aiogram_bot) == expected, aiogram_method
    assert server.bot_messages(user.chat_id) == [] and group.topics == []
    _, body = await api("getChatAdministrators", chat_id=group.id)
    admins = aiogram_result(m.GetChatAdministrators, body, aiogram_bot)
    assert [a.status for a in admins] == ["creator", "administrator"]
    _, body = await api("getMyName", language_code="en")
    assert aiogram_result(m.GetMyName, body, aiogram_bot).name == "Kesu"
    _, body = await api("getMyShortDescription")
    assert aiogram_result(m.GetMyShortDescription, body, aiogram_bot).short_description == "Complaints"
