"""Forum topic methods; topics are identified by the id of their forum_topic_created service message."""
from __future__ import annotations

from typing import Any

from .errors import NOT_A_FORUM, bad_request
from .groups import FakeGroup
from .models import FakeTopic
from .registry import Ctx, method
from .sending import writable_chat

ICON_COLORS = (0x6FB9F0, 0xFFD67E, 0xCB86DB, 0x8EEE98, 0xFF93B2, 0xFB6F5F)


def _forum(ctx: Ctx) -> FakeGroup:
    chat = writable_chat(ctx)
    if not isinstance(chat, FakeGroup) or not chat.forum:
        raise bad_request(NOT_A_FORUM)
    if not chat.bot_can("can_manage_topics"):
        raise bad_request("not enough rights to manage topics in the chat")
    return chat


def _topic(ctx: Ctx, chat: FakeGroup) -> FakeTopic:
    topic = chat.topic_map.get(ctx.p.int("message_thread_id", required=True))
    if topic is None:
        raise bad_request("message thread not found")
    return topic


def _service(ctx: Ctx, chat: FakeGroup, fields: dict[str, Any], thread_id: int | None) -> dict[str, Any]:
    return ctx.server.record(chat, ctx.bot.user_dict(), fields, from_bot=True, thread_id=thread_id, service=True)


def _name(ctx: Ctx, required: bool) -> str | None:
    name = ctx.p.str("name")
    if name is None and not required:
        return None
    if not name:
        raise bad_request("TOPIC_NAME_EMPTY" if required else "TOPIC_NAME_INVALID")
    if len(name) > 128:
        raise bad_request("TOPIC_NAME_INVALID")
    return name


@method("createForumTopic")
async def create_forum_topic(ctx: Ctx) -> dict[str, Any]:
    chat = _forum(ctx)
    name = _name(ctx, required=True)
    color = ctx.p.int("icon_color", ICON_COLORS[0])
    if color not in ICON_COLORS:
        raise bad_request("TOPIC_ICON_COLOR_INVALID")  # Telegram only allows six colours
    emoji = ctx.p.str("icon_custom_emoji_id") or None
    created: dict[str, Any] = {"name": name, "icon_color": color}
    if emoji:
        created["icon_custom_emoji_id"] = emoji
    message = _service(ctx, chat, {"forum_topic_created": created}, None)
    thread_id = message["message_id"]
    message["message_thread_id"] = thread_id
    message["is_topic_message"] = True
    topic = FakeTopic(thread_id, name, color, emoji)
    chat.topic_map[thread_id] = topic
    ctx.server.touch(chat, message)
    return topic.as_dict()


@method("editForumTopic")
async def edit_forum_topic(ctx: Ctx) -> bool:
    chat = _forum(ctx)
    topic = _topic(ctx, chat)
    name = _name(ctx, required=False)
    emoji = ctx.p.str("icon_custom_emoji_id")
    changes: dict[str, Any] = {}
    if name is not None and name != topic.name:
        changes["name"] = topic.name = name
    if emoji is not None and (emoji or None) != topic.icon_custom_emoji_id:
        topic.icon_custom_emoji_id = emoji or None
        changes["icon_custom_emoji_id"] = emoji
    if not changes:
        raise bad_request("TOPIC_NOT_MODIFIED")
    topic.history.append("edited")
    _service(ctx, chat, {"forum_topic_edited": changes}, topic.message_thread_id)
    return True


def _set_closed(closed: bool):
    async def handler(ctx: Ctx) -> bool:
        chat = _forum(ctx)
        topic = _topic(ctx, chat)
        if topic.closed == closed:
            raise bad_request("TOPIC_NOT_MODIFIED")
        topic.closed = closed
        topic.history.append("closed" if closed else "reopened")
        key = "forum_topic_closed" if closed else "forum_topic_reopened"
        _service(ctx, chat, {key: {}}, topic.message_thread_id)
        return True

    return handler


method("closeForumTopic")(_set_closed(True))
method("reopenForumTopic")(_set_closed(False))


@method("deleteForumTopic")
async def delete_forum_topic(ctx: Ctx) -> bool:
    chat = _forum(ctx)
    topic = _topic(ctx, chat)
    del chat.topic_map[topic.message_thread_id]
    for message in chat.messages:
        if message.get("message_thread_id") == topic.message_thread_id:
            message["_deleted"] = True
            ctx.server.touch(chat, message)
    ctx.server.touch(chat)
    return True


@method("unpinAllForumTopicMessages")
async def unpin_all_forum_topic_messages(ctx: Ctx) -> bool:
    _topic(ctx, _forum(ctx))
    return True
