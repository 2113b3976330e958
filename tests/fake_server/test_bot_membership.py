"""The bot's own membership of groups: added, promoted, demoted, removed, privacy mode and
the Topics switch, each as Telegram shows it (my_chat_member, getChatMember, the errors)."""
from __future__ import annotations

import pytest
import telegram
from aiogram import methods as m
from aiogram.types import ChatMemberAdministrator, ChatMemberLeft, ChatMemberMember, Update

from .test_conformance import fetch, over_the_wire
from .test_control import control
from .validation import aiogram_result, assert_no_extra
from .validation import parse_update as strict_parse_update

BOT_ID = 123456
# Bot API fields python-telegram-bot does not know yet (aiogram does, and checks them).
NEWER_FIELDS = {"can_send_welcome_messages"}


def parse_update(data, aiogram_bot, ptb_bot):
    """As validation.parse_update, but a bot administrator's rights may hold NEWER_FIELDS."""
    if "my_chat_member" not in data:
        return strict_parse_update(data, aiogram_bot, ptb_bot)
    update = Update.model_validate(data, context={"bot": aiogram_bot})
    assert_no_extra(update, "update")
    ptb = telegram.Update.de_json(data, ptb_bot)
    change = ptb.my_chat_member
    assert not change.api_kwargs and not change.chat.api_kwargs and not change.from_user.api_kwargs
    for member in (change.old_chat_member, change.new_chat_member):
        assert set(member.api_kwargs) <= NEWER_FIELDS, member.api_kwargs
    return update, ptb


async def drain(api) -> list[dict]:
    """Every queued update, confirmed."""
    updates = await fetch(api, timeout=0)
    if updates:
        await fetch(api, offset=updates[-1]["update_id"] + 1, timeout=0)
    return updates


async def bot_member(api, aiogram_bot, chat_id: int):
    _, body = await api("getChatMember", chat_id=chat_id, user_id=BOT_ID)
    return aiogram_result(m.GetChatMember, body, aiogram_bot)


async def test_adding_the_bot_sends_my_chat_member_and_the_service_message(server, api, aiogram_bot, ptb_bot) -> None:
    owner = server.create_user(first_name="Owner", language_code="zh-hk")
    group = server.create_group(title="Desk", forum=True, members={owner: "creator"}, bot_status="left")
    change = server.add_bot_to_group(group, by=owner)
    joined, service = await drain(api)
    assert joined == change
    update, ptb = parse_update(joined, aiogram_bot, ptb_bot)
    member = update.my_chat_member
    assert isinstance(member.old_chat_member, ChatMemberLeft) and isinstance(member.new_chat_member, ChatMemberMember)
    assert member.from_user.id == owner.id and member.from_user.language_code == "zh-hk"
    assert member.chat.id == group.id and member.chat.is_forum is True
    assert ptb.my_chat_member.new_chat_member.user.id == BOT_ID
    message, _ = parse_update(service, aiogram_bot, ptb_bot)
    assert [u.id for u in message.message.new_chat_members] == [BOT_ID]
    assert isinstance(await bot_member(api, aiogram_bot, group.id), ChatMemberMember)


async def test_promotion_carries_the_rights_and_each_right_is_enforced(server, api, aiogram_bot, ptb_bot) -> None:
    owner, member = server.create_user(first_name="Owner"), server.create_user(first_name="Ann")
    group = server.create_group(title="Desk", forum=True, members={owner: "creator", member: "member"}, bot_status="member")
    wire = await over_the_wire(api, server.promote_bot(group, by=owner, can_manage_topics=False, can_pin_messages=False))
    update, ptb = parse_update(wire, aiogram_bot, ptb_bot)
    new = update.my_chat_member.new_chat_member
    assert isinstance(new, ChatMemberAdministrator)
    assert (new.can_manage_topics, new.can_pin_messages, new.can_delete_messages) == (False, False, True)
    assert ptb.my_chat_member.new_chat_member.can_manage_topics is False
    admin = await bot_member(api, aiogram_bot, group.id)
    assert isinstance(admin, ChatMemberAdministrator) and admin.can_manage_topics is False
    _, body = await api("getChatAdministrators", chat_id=group.id)
    [listed] = [a for a in aiogram_result(m.GetChatAdministrators, body, aiogram_bot) if a.user.id == BOT_ID]
    assert listed.can_manage_topics is False and listed.can_delete_messages is True

    status, body = await api("createForumTopic", chat_id=group.id, name="#1")
    assert (status, body["description"]) == (400, "Bad Request: not enough rights to manage topics in the chat")
    _, sent = await api("sendMessage", chat_id=group.id, text="card")
    status, body = await api("pinChatMessage", chat_id=group.id, message_id=sent["result"]["message_id"])
    assert (status, body["description"]) == (400, "Bad Request: not enough rights to manage pinned messages in the chat")
    written = member.send_text_in(group, "hello")["message"]["message_id"]
    assert (await api("deleteMessage", chat_id=group.id, message_id=written))[0] == 200

    await over_the_wire(api, server.promote_bot(group, by=owner))  # every right
    assert (await api("createForumTopic", chat_id=group.id, name="#1"))[0] == 200
    assert (await api("pinChatMessage", chat_id=group.id, message_id=sent["result"]["message_id"]))[0] == 200


async def test_demotion_and_removal(server, api, aiogram_bot, ptb_bot) -> None:
    owner, member = server.create_user(first_name="Owner"), server.create_user(first_name="Ann")
    group = server.create_group(title="Desk", forum=True, members={owner: "creator", member: "member"})
    await drain(api)
    wire = await over_the_wire(api, server.demote_bot(group, by=owner))
    update, _ = parse_update(wire, aiogram_bot, ptb_bot)
    assert isinstance(update.my_chat_member.old_chat_member, ChatMemberAdministrator)
    assert isinstance(update.my_chat_member.new_chat_member, ChatMemberMember)
    written = member.send_text_in(group, "/queue")["message"]["message_id"]
    await drain(api)
    status, body = await api("deleteMessage", chat_id=group.id, message_id=written)
    assert (status, body["description"]) == (400, "Bad Request: message can't be deleted")
    status, body = await api("createForumTopic", chat_id=group.id, name="#2")
    assert status == 400 and "not enough rights" in body["description"]
    assert (await api("sendMessage", chat_id=group.id, text="still here"))[0] == 200

    wire = await over_the_wire(api, server.remove_bot(group, by=owner))
    update, ptb = parse_update(wire, aiogram_bot, ptb_bot)
    assert ptb.my_chat_member.new_chat_member.status == "left"
    status, body = await api("sendMessage", chat_id=group.id, text="x")
    assert (status, body["description"]) == (403, "Forbidden: bot is not a member of the supergroup chat")
    status, body = await api("getChat", chat_id=group.id)
    assert (status, body["description"]) == (400, "Bad Request: chat not found")
    assert any(r.get("left_chat_member", {}).get("id") == BOT_ID for r in server.transcript(group.id))
    unseen = member.send_text_in(group, "anyone there?")
    assert "update_id" not in unseen and unseen["message"]["text"] == "anyone there?"
    assert await fetch(api, timeout=0) == []  # nothing from a group the bot is not in

    server.add_bot_to_group(group, by=owner)
    await drain(api)
    server.remove_bot(group, by=owner, kicked=True)
    await drain(api)
    status, body = await api("getChatMember", chat_id=group.id, user_id=BOT_ID)
    assert (status, body["description"]) == (403, "Forbidden: bot was kicked from the supergroup chat")
    with pytest.raises(ValueError):
        server.remove_bot(group, by=owner, kicked=True)  # no change: Telegram sends nothing either


async def test_privacy_mode_hides_group_messages_from_a_bot_that_is_not_an_administrator(server, api) -> None:
    owner, staff = server.create_user(first_name="Owner"), server.create_user(first_name="Ann")
    group = server.create_group(title="Plain", supergroup=False, members={owner: "creator", staff: "member"},
                                bot_status="member")
    _, me = await api("getMe")
    assert me["result"]["can_read_all_group_messages"] is False
    _, card = await api("sendMessage", chat_id=group.id, text="card")
    seen = [
        staff.send_command("/setup", chat=group),
        staff.send_command("/setup@kesu_test_bot", chat=group),
        staff.send_text_in(group, "a reply to the bot", reply_to_message_id=card["result"]["message_id"]),
    ]
    hidden = [
        staff.send_text_in(group, "plain words"),
        staff.send_command("/setup@other_bot", chat=group),
    ]
    assert all("update_id" not in update for update in hidden)
    assert [u["message"]["text"] for u in await drain(api)] == [u["message"]["text"] for u in seen]

    server.set_privacy_mode(False)  # BotFather -> /setprivacy -> Disable
    _, me = await api("getMe")
    assert me["result"]["can_read_all_group_messages"] is True
    staff.send_text_in(group, "now seen")
    assert [u["message"]["text"] for u in await drain(api)] == ["now seen"]

    server.set_privacy_mode(True)
    server.promote_bot(group, by=owner)  # administrators see everything
    staff.send_text_in(group, "seen by an administrator")
    assert [u.get("message", {}).get("text") for u in await drain(api)] == [None, "seen by an administrator"]


async def test_turning_topics_off(server, api, aiogram_bot) -> None:
    group = server.create_group(title="Desk", forum=True)
    server.set_forum(group, False)
    _, body = await api("getChat", chat_id=group.id)
    assert aiogram_result(m.GetChat, body, aiogram_bot).is_forum is None
    status, body = await api("createForumTopic", chat_id=group.id, name="#1")
    assert (status, body["description"]) == (400, "Bad Request: the chat is not a forum")
    with pytest.raises(ValueError):
        server.set_forum(server.create_group(supergroup=False), True)


async def test_bot_membership_over_http(server, http, api) -> None:
    _, owner = await control(http, server, "create_user", {"first_name": "Owner"})
    owner_id = owner["result"]["id"]
    _, group = await control(http, server, "create_group",
                             {"title": "Desk", "forum": True, "members": {str(owner_id): "creator"}, "bot_status": "left"})
    chat_id = group["result"]["chat_id"]
    _, added = await control(http, server, "set_bot_status",
                             {"chat_id": chat_id, "status": "administrator", "by": owner_id, "rights": {"can_manage_topics": False}})
    assert added["result"]["my_chat_member"]["new_chat_member"]["can_manage_topics"] is False
    await control(http, server, "set_privacy_mode", {"enabled": False})
    _, me = await api("getMe")
    assert me["result"]["can_read_all_group_messages"] is True
    await control(http, server, "set_forum", {"chat_id": chat_id, "forum": False})
    _, body = await api("getChat", chat_id=chat_id)
    assert "is_forum" not in body["result"]
    status, body = await control(http, server, "set_bot_status", {"chat_id": chat_id, "status": "creator", "by": owner_id})
    assert status == 400 and "creator" in body["error"]


async def test_upgrading_a_basic_group_gives_it_a_new_id(server, api, aiogram_bot, ptb_bot) -> None:
    owner = server.create_user(first_name="Owner")
    basic = server.create_group(title="Desk", supergroup=False, members={owner: "creator"}, bot_status="member")
    upgraded = server.upgrade_to_supergroup(basic, by=owner, forum=True)
    assert upgraded.type == "supergroup" and upgraded.forum and upgraded.id != basic.id
    assert upgraded.status_of(owner.id) == "creator" and upgraded.bot_status == "member"
    old, new = await drain(api)
    assert parse_update(old, aiogram_bot, ptb_bot)[0].message.migrate_to_chat_id == upgraded.id
    update, _ = parse_update(new, aiogram_bot, ptb_bot)
    assert update.message.migrate_from_chat_id == basic.id and update.message.chat.id == upgraded.id
    status, body = await api("getChat", chat_id=basic.id)
    assert (status, body["parameters"]) == (400, {"migrate_to_chat_id": upgraded.id})
    assert body["description"] == "Bad Request: group chat was upgraded to a supergroup chat"
    with pytest.raises(PermissionError):
        owner.send_text_in(basic, "hello?")
    with pytest.raises(ValueError):
        server.upgrade_to_supergroup(basic, by=owner)
