"""Checks and bookkeeping shared by every method that sends or edits a bot message."""
from __future__ import annotations

from typing import Any

from .errors import BLOCKED, BUTTON_DATA_INVALID, CHAT_NOT_FOUND, ApiError, bad_request, forbidden
from .groups import FakeGroup
from .models import ChatState, PrivateChat
from .params import normalize
from .registry import Ctx

_BUTTON_ACTIONS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query", "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat", "copy_text", "callback_game", "pay",
)


def find_chat(ctx: Ctx, name: str = "chat_id") -> ChatState:
    chat = ctx.server.find_chat(ctx.p.chat_id(name))
    if chat is None:
        raise bad_request(CHAT_NOT_FOUND)
    if isinstance(chat, FakeGroup) and chat.migrated_to is not None:
        raise ApiError(400, "Bad Request: group chat was upgraded to a supergroup chat", {"migrate_to_chat_id": chat.migrated_to})
    return chat


def readable_chat(ctx: Ctx, name: str = "chat_id") -> ChatState:
    """A chat the bot may read (getChat, getChatMember...): Telegram does not show a bot a
    private group it is not in, and answers a bot removed from one with 403."""
    chat = find_chat(ctx, name)
    if isinstance(chat, FakeGroup) and not chat.bot_in_chat and not chat.username:
        if chat.bot_status == "kicked":
            raise forbidden(f"bot was kicked from the {chat.type} chat")
        raise bad_request(CHAT_NOT_FOUND)
    return chat


def check_can_write(chat: ChatState) -> None:
    if isinstance(chat, PrivateChat):
        if chat.user.blocked:
            raise forbidden(BLOCKED)
        if not chat.user.started_bot:
            raise forbidden("bot can't initiate conversation with a user")
    elif isinstance(chat, FakeGroup):
        if chat.bot_status == "kicked":
            raise forbidden(f"bot was kicked from the {chat.type} chat")
        if chat.bot_status == "left":
            raise forbidden(f"bot is not a member of the {chat.type} chat")
        if chat.bot_status == "restricted":
            raise bad_request("not enough rights to send text messages to the chat")


def writable_chat(ctx: Ctx, name: str = "chat_id") -> ChatState:
    chat = find_chat(ctx, name)
    check_can_write(chat)
    return chat


def _check_inline_keyboard(markup: dict[str, Any]) -> dict[str, Any]:
    rows = markup.get("inline_keyboard")
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise bad_request('can\'t parse inline keyboard button: Field "text" must be of type String')
            actions = [key for key in _BUTTON_ACTIONS if key in button]
            if not actions:
                raise bad_request("text buttons are unallowed in the inline keyboard")
            if "callback_data" in button:
                data = button["callback_data"]
                if not isinstance(data, str) or not 1 <= len(data.encode()) <= 64:
                    raise bad_request(BUTTON_DATA_INVALID)
            if "url" in button:
                url = button["url"]
                if not isinstance(url, str) or not url or any(ch.isspace() for ch in url):
                    raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")
    return {"inline_keyboard": rows}


def reply_markup(ctx: Ctx) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(markup shown in the Message — inline keyboards only, raw markup as sent)."""
    raw = ctx.p.json("reply_markup", error="can't parse reply keyboard markup JSON object")
    if raw is None:
        return None, None
    if not isinstance(raw, dict):
        raise bad_request("object expected as reply markup")
    if "inline_keyboard" in raw:
        return _check_inline_keyboard(raw), raw
    if "keyboard" in raw:
        rows = raw["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request('field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays')
        return None, raw
    if raw.get("remove_keyboard") or raw.get("force_reply"):
        return None, raw
    raise bad_request("can't parse reply keyboard markup JSON object")


def thread_and_reply(ctx: Ctx, chat: ChatState) -> tuple[int | None, dict[str, Any] | None]:
    p = ctx.p
    params = p.json("reply_parameters")
    if params is None and p.has("reply_to_message_id"):
        params = {"message_id": p.int("reply_to_message_id"),
                  "allow_sending_without_reply": p.bool("allow_sending_without_reply")}
    reply_to = None
    if params:
        source = chat
        if params.get("chat_id") not in (None, chat.id):
            source = ctx.server.find_chat(params["chat_id"]) or chat
        reply_to = source.live(params.get("message_id"))
        if reply_to is None and not params.get("allow_sending_without_reply"):
            raise bad_request("message to be replied not found")
        if source is not chat:
            reply_to = None  # cross-chat replies become external replies; not modelled
    thread_id = p.int("message_thread_id")
    if not isinstance(chat, FakeGroup) or not chat.forum:
        return None, reply_to
    if thread_id is None and reply_to is not None and reply_to.get("is_topic_message"):
        thread_id = reply_to["message_thread_id"]
    if thread_id is not None:
        topic = chat.topic_map.get(thread_id)
        if topic is None:
            raise bad_request("message thread not found")
        if topic.closed and not chat.bot_can("can_manage_topics"):
            raise bad_request("TOPIC_CLOSED")
    return thread_id, reply_to


def send_bot_message(ctx: Ctx, chat: ChatState, fields: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """Record a new message from the bot, applying reply, thread, markup and content options."""
    inline, raw = reply_markup(ctx)
    thread_id, reply_to = thread_and_reply(ctx, chat)
    if inline is not None:
        fields["reply_markup"] = inline
    if ctx.p.bool("protect_content"):
        fields["has_protected_content"] = True
    private = {"_params": normalize(ctx.p.raw), **{f"_{k}": v for k, v in extra.items()}}
    if raw is not None:
        private["_reply_markup"] = raw
    return ctx.server.record(
        chat, ctx.bot.user_dict(), fields, from_bot=True, thread_id=thread_id, reply_to=reply_to, extra=private
    )


def own_message(ctx: Ctx, chat: ChatState, message_id: int | None, missing: str) -> dict[str, Any]:
    """A live message in the chat that this bot may edit."""
    message = chat.live(message_id)
    if message is None:
        raise bad_request(missing)
    if not message["_from_bot"] or message["from"]["id"] != ctx.bot.id or message.get("_service"):
        raise bad_request("message can't be edited")
    return message
