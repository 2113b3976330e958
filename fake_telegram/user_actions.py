"""Builds the messages and updates produced by fake users' actions."""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from .groups import FakeGroup
from .models import ChatState, public
from .text import detect_entities, utf16_len

if TYPE_CHECKING:
    from .users import FakeUser


def text_fields(text: str, entities: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    if not text:
        raise ValueError("Telegram clients can't send an empty message")
    found = detect_entities(text) if entities is None else entities
    return {"text": text, "entities": found} if found else {"text": text}


def command_fields(command: str) -> dict[str, Any]:
    fields = text_fields(command)
    head = command.split(maxsplit=1)[0]
    # The command entity always sits at offset 0, even if auto-detection missed it (e.g. uppercase).
    others = [e for e in fields.get("entities", []) if e["offset"] != 0]
    fields["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(head)}, *others]
    return fields


def _check_can_post(user: FakeUser, chat: ChatState, thread_id: int | None) -> None:
    if isinstance(chat, FakeGroup):
        if chat.migrated_to is not None:
            raise PermissionError(f"{chat!r} was upgraded to the supergroup {chat.migrated_to}; post there")
        status = chat.status_of(user.id)
        if status in ("left", "kicked", "restricted"):
            raise PermissionError(f"{user!r} can't post in {chat!r} (status {status!r}); use group.add_member()")
        if thread_id is not None and (not chat.forum or thread_id not in chat.topic_map):
            raise LookupError(f"no topic {thread_id} in {chat!r}; topics: {[t.name for t in chat.topics]}")
    elif chat is not user.chat:
        raise PermissionError(f"{user!r} can't post in another user's private chat")


def send(user: FakeUser, fields: dict[str, Any], chat: ChatState | None, thread_id: int | None,
         reply_to_message_id: int | None, bot: str | None) -> dict[str, Any]:
    server = user.server
    chat = chat or user.chat
    _check_can_post(user, chat, thread_id)
    reply_to = None
    if reply_to_message_id is not None:
        reply_to = chat.live(reply_to_message_id)
        if reply_to is None:
            raise LookupError(f"no message {reply_to_message_id} in chat {chat.id} to reply to")
        if thread_id is None and reply_to.get("is_topic_message"):
            thread_id = reply_to["message_thread_id"]
    if not isinstance(chat, FakeGroup) or not chat.forum:
        thread_id = None
    if chat is user.chat:
        user.started_bot = True
    explicit = {"_explicit_reply": True} if reply_to is not None else None
    message = server.record(chat, user.as_dict(), fields, from_bot=False, thread_id=thread_id, reply_to=reply_to,
                            extra=explicit)
    return _deliver(server, chat, "message", message, bot)


def _deliver(server: Any, chat: ChatState, kind: str, message: dict[str, Any], bot: str | None) -> dict[str, Any]:
    """Enqueue the update, unless Telegram would not give this bot the group message (it is
    not in the group, or privacy mode hides it): then the update is returned without an
    update_id and the message stays only in the transcript."""
    account = server.get_bot(bot)
    if isinstance(chat, FakeGroup) and not chat.bot_sees(account, message, bool(message.get("_explicit_reply"))):
        return {kind: public(message)}
    return server.enqueue(kind, public(message), account)


def edit(user: FakeUser, chat: ChatState, message_id: int, text: str, bot: str | None) -> dict[str, Any]:
    message = chat.live(message_id)
    if message is None or message["_from_bot"] or message["from"]["id"] != user.id:
        raise LookupError(f"{user!r} has no message {message_id} in chat {chat.id} to edit")
    if "text" not in message:
        raise ValueError("only text messages can be edited with edit_message()")
    for key in ("text", "entities"):
        message.pop(key, None)
    message.update(text_fields(text))
    message["edit_date"] = int(time.time())
    message["_edits"].append({"text": text, "_at": time.monotonic()})
    user.server.touch(chat, message)
    return _deliver(user.server, chat, "edited_message", message, bot)


def _buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    markup = message.get("reply_markup") or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


def press(user: FakeUser, chat: ChatState, message_id: int, bot: str | None, *,
          data: str | None = None, text: str | None = None) -> dict[str, Any]:
    server = user.server
    message = chat.live(message_id)
    if message is None:
        raise LookupError(f"no message {message_id} in chat {chat.id}")
    buttons = [b for b in _buttons(message) if "callback_data" in b]
    match = next((b for b in buttons if (b["callback_data"] == data if text is None else b["text"] == text)), None)
    if match is None:
        wanted = f"callback_data={data!r}" if text is None else f"text={text!r}"
        available = [(b["text"], b["callback_data"]) for b in buttons]
        raise LookupError(f"message {message_id} has no button with {wanted}; buttons: {available}")
    query_id = server.new_callback_id()
    account = server.get_bot(bot)
    server.pending_callbacks[query_id] = {"bot": account.token, "user_id": user.id, "data": match["callback_data"]}
    query = {
        "id": query_id,
        "from": user.as_dict(),
        "message": public(message),
        "chat_instance": str(abs(hash((account.id, chat.id))) % 10**18),
        "data": match["callback_data"],
    }
    return server.enqueue("callback_query", query, account)


def member_change(user: FakeUser, old: str, new: str, bot: str | None) -> dict[str, Any]:
    """The my_chat_member update Telegram sends when a user blocks or unblocks the bot."""
    account = user.server.get_bot(bot)
    member = {"user": account.user_dict()}
    update = {
        "chat": user.chat.chat_dict(),
        "from": user.as_dict(),
        "date": int(time.time()),
        "old_chat_member": {**member, "status": old, **({"until_date": 0} if old == "kicked" else {})},
        "new_chat_member": {**member, "status": new, **({"until_date": 0} if new == "kicked" else {})},
    }
    user.server.notify()
    return user.server.enqueue("my_chat_member", update, account)
