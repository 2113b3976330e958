"""Bot API methods that send, edit, copy, forward and delete messages, and answer callback queries."""
from __future__ import annotations

import time
from typing import Any

from .errors import NOT_MODIFIED, QUERY_INVALID, REACTION_INVALID, bad_request
from .formatting import caption_fields, message_text
from .groups import FakeGroup
from .models import ChatState, public
from .params import normalize
from .registry import Ctx, method
from .sending import find_chat, own_message, reply_markup, send_bot_message, writable_chat

# Message fields that make up its content (what copyMessage / forwardMessage carry over).
CONTENT_KEYS = ("text", "entities", "photo", "document", "voice", "video", "sticker", "contact", "location",
                "caption", "caption_entities", "has_media_spoiler", "link_preview_options")


def _text(ctx: Ctx, name: str = "text") -> tuple[str, list[dict[str, Any]]]:
    p = ctx.p
    return message_text(p.str(name), p.str("parse_mode"), p.json("entities"), ctx.server.strict_html_ampersand)


def _caption(ctx: Ctx) -> dict[str, Any]:
    p = ctx.p
    return caption_fields(p.str("caption"), p.str("parse_mode"), p.json("caption_entities"),
                          ctx.server.strict_html_ampersand)


def _link_preview(ctx: Ctx) -> dict[str, Any] | None:
    options = ctx.p.json("link_preview_options")
    if options is None and ctx.p.bool("disable_web_page_preview"):
        options = {"is_disabled": True}
    return options or None


@method("sendMessage")
async def send_message(ctx: Ctx) -> dict[str, Any]:
    chat = writable_chat(ctx)
    text, entities = _text(ctx)
    fields: dict[str, Any] = {"text": text}
    if entities:
        fields["entities"] = entities
    if options := _link_preview(ctx):
        fields["link_preview_options"] = options
    return public(send_bot_message(ctx, chat, fields))


def _edit_target(ctx: Ctx) -> dict[str, Any]:
    if ctx.p.has("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")
    chat = writable_chat(ctx)
    return own_message(ctx, chat, ctx.p.int("message_id", required=True), "message to edit not found")


def _apply_edit(ctx: Ctx, message: dict[str, Any], changes: dict[str, Any], replaced: tuple[str, ...]) -> None:
    for key in replaced:
        message.pop(key, None)
    message.update(changes)
    message["edit_date"] = int(time.time())
    message["_edits"].append({**changes, "_at": time.monotonic(), "_params": normalize(ctx.p.raw)})
    ctx.server.touch(find_chat(ctx), message)


def _inline_markup(ctx: Ctx) -> dict[str, Any] | None:
    inline, raw = reply_markup(ctx)
    if raw is not None and inline is None:
        raise bad_request("inline keyboard expected")
    return inline


@method("editMessageText")
async def edit_message_text(ctx: Ctx) -> dict[str, Any]:
    message = _edit_target(ctx)
    if "text" not in message:
        raise bad_request("there is no text in the message to edit")
    text, entities = _text(ctx)
    markup = _inline_markup(ctx)
    if (text, entities, markup) == (message["text"], message.get("entities", []), message.get("reply_markup")):
        raise bad_request(NOT_MODIFIED)
    changes: dict[str, Any] = {"text": text}
    if entities:
        changes["entities"] = entities
    if markup:  # omitting reply_markup removes the keyboard, as on Telegram
        changes["reply_markup"] = markup
    if options := _link_preview(ctx):
        changes["link_preview_options"] = options
    _apply_edit(ctx, message, changes, ("text", "entities", "reply_markup", "link_preview_options"))
    return public(message)


@method("editMessageCaption")
async def edit_message_caption(ctx: Ctx) -> dict[str, Any]:
    message = _edit_target(ctx)
    if "text" in message:
        raise bad_request("there is no caption in the message to edit")
    changes = _caption(ctx)
    markup = _inline_markup(ctx)
    old = {k: message[k] for k in ("caption", "caption_entities") if k in message}
    if (changes, markup) == (old, message.get("reply_markup")):
        raise bad_request(NOT_MODIFIED)
    if markup:
        changes["reply_markup"] = markup
    _apply_edit(ctx, message, changes, ("caption", "caption_entities", "reply_markup"))
    return public(message)


@method("editMessageReplyMarkup")
async def edit_message_reply_markup(ctx: Ctx) -> dict[str, Any]:
    message = _edit_target(ctx)
    markup = _inline_markup(ctx)
    if markup == message.get("reply_markup"):
        raise bad_request(NOT_MODIFIED)
    _apply_edit(ctx, message, {"reply_markup": markup} if markup else {}, ("reply_markup",))
    return public(message)


def _delete(ctx: Ctx, chat: ChatState, message_id: int | None) -> bool:
    message = chat.live(message_id)
    if message is None:
        return False
    if isinstance(chat, FakeGroup) and not message["_from_bot"] and not chat.bot_can("can_delete_messages"):
        raise bad_request("message can't be deleted")
    message["_deleted"] = True
    message["_deleted_at"] = time.monotonic()
    ctx.server.touch(chat, message)
    return True


@method("deleteMessage")
async def delete_message(ctx: Ctx) -> bool:
    if not _delete(ctx, find_chat(ctx), ctx.p.int("message_id", required=True)):
        raise bad_request("message to delete not found")
    return True


@method("deleteMessages")
async def delete_messages(ctx: Ctx) -> bool:
    chat = find_chat(ctx)
    ids = ctx.p.json("message_ids") or []
    if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
        raise bad_request("message_ids is empty")
    deleted = [_delete(ctx, chat, int(i)) for i in ids]
    if not any(deleted):
        raise bad_request("message to delete not found")
    return True


def _source(ctx: Ctx, missing: str) -> dict[str, Any]:
    chat = find_chat(ctx, "from_chat_id")
    message = chat.live(ctx.p.int("message_id", required=True))
    if message is None or message.get("_service"):
        raise bad_request(missing)
    return message


@method("copyMessage")
async def copy_message(ctx: Ctx) -> dict[str, int]:
    source = _source(ctx, "message to copy not found")
    chat = writable_chat(ctx)
    fields = {k: source[k] for k in CONTENT_KEYS if k in source}
    if "text" not in fields and ctx.p.raw.get("caption") is not None:
        fields.pop("caption", None)
        fields.pop("caption_entities", None)
        fields.update(_caption(ctx))
    message = send_bot_message(ctx, chat, fields, copied_from=(source["chat"]["id"], source["message_id"]))
    return {"message_id": message["message_id"]}


@method("forwardMessage")
async def forward_message(ctx: Ctx) -> dict[str, Any]:
    source = _source(ctx, "message to forward not found")
    if source.get("has_protected_content"):
        raise bad_request("message can't be forwarded")
    chat = writable_chat(ctx)
    fields = {k: source[k] for k in CONTENT_KEYS if k in source}
    fields["forward_origin"] = source.get("forward_origin") or {
        "type": "user", "sender_user": source["from"], "date": source["date"],
    }
    return public(send_bot_message(ctx, chat, fields))


@method("answerCallbackQuery")
async def answer_callback_query(ctx: Ctx) -> bool:
    p = ctx.p
    query_id = p.str("callback_query_id")
    pending = ctx.server.pending_callbacks.get(query_id or "")
    if pending is None or pending["bot"] != ctx.bot.token:
        raise bad_request(QUERY_INVALID)
    text = p.str("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    del ctx.server.pending_callbacks[query_id]
    answer: dict[str, Any] = {"callback_query_id": query_id}
    if text is not None:
        answer["text"] = text
    if "show_alert" in p.raw:
        answer["show_alert"] = p.bool("show_alert")
    if p.has("url"):
        answer["url"] = p.str("url")
    if p.has("cache_time"):
        answer["cache_time"] = p.int("cache_time")
    ctx.server.callback_answers.append(answer)
    ctx.server.callback_answer_users.append(pending["user_id"])
    ctx.server.notify()
    return True


@method("sendChatAction")
async def send_chat_action(ctx: Ctx) -> bool:
    writable_chat(ctx)
    if not ctx.p.has("action"):
        raise bad_request("action is empty")
    return True


@method("sendLocation")
async def send_location(ctx: Ctx) -> dict[str, Any]:
    chat = writable_chat(ctx)
    location = {"latitude": ctx.p.float("latitude"), "longitude": ctx.p.float("longitude")}
    return public(send_bot_message(ctx, chat, {"location": location}))


@method("sendContact")
async def send_contact(ctx: Ctx) -> dict[str, Any]:
    chat = writable_chat(ctx)
    contact = {"phone_number": ctx.p.str("phone_number"), "first_name": ctx.p.str("first_name")}
    if not contact["phone_number"] or not contact["first_name"]:
        raise bad_request("phone_number and first_name must be non-empty")
    if ctx.p.has("last_name"):
        contact["last_name"] = ctx.p.str("last_name")
    return public(send_bot_message(ctx, chat, {"contact": contact}))


@method("pinChatMessage", "unpinChatMessage", "unpinAllChatMessages")
async def accept_chat_operation(ctx: Ctx) -> bool:
    chat = writable_chat(ctx)
    if isinstance(chat, FakeGroup) and chat.type == "supergroup" and not chat.bot_can("can_pin_messages"):
        raise bad_request("not enough rights to manage pinned messages in the chat")
    return True


@method("setMessageReaction")
async def set_message_reaction(ctx: Ctx) -> bool:
    chat = find_chat(ctx)
    reactions = ctx.p.json("reaction", [])
    if not isinstance(reactions, list):
        raise bad_request("can't parse reaction JSON object")
    allowed = chat.available_reactions if isinstance(chat, FakeGroup) else None
    # A group that turned reactions off (or allows only some) refuses the others.
    if allowed is not None and any(r.get("type") != "emoji" or r.get("emoji") not in allowed for r in reactions):
        raise bad_request(REACTION_INVALID)
    message = chat.live(ctx.p.int("message_id"))
    if message is not None:
        message["_reactions"] = reactions
        ctx.server.touch(chat, message)
    ctx.server.notify()
    return True
