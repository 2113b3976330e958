"""A transcript message as a chat client shows it: Telegram HTML from its entities, media, keyboards."""
from __future__ import annotations

import html
from typing import Any

from .groups import FakeGroup
from .models import ChatState
from .text import sort_entities

# Entity type -> (opening tag, closing tag); the others (links typed as text, mentions,
# commands, hashtags) stay plain text, as the client would only colour them.
_SIMPLE_TAGS = {
    "bold": "b", "italic": "i", "underline": "u", "strikethrough": "s", "spoiler": "tg-spoiler", "code": "code",
    "blockquote": "blockquote", "expandable_blockquote": "blockquote",
}
MEDIA_KINDS = ("photo", "document", "voice", "video", "sticker")
SERVICE_KINDS = ("forum_topic_created", "forum_topic_edited", "forum_topic_closed", "forum_topic_reopened")


def _tags(entity: dict[str, Any]) -> tuple[str, str] | None:
    kind = entity["type"]
    if kind in _SIMPLE_TAGS:
        tag = _SIMPLE_TAGS[kind]
        return f"<{tag}>", f"</{tag}>"
    if kind == "pre":
        language = entity.get("language")
        if language:
            return f'<pre><code class="language-{html.escape(language)}">', "</code></pre>"
        return "<pre>", "</pre>"
    if kind == "text_link":
        return f'<a href="{html.escape(entity["url"])}">', "</a>"
    if kind == "text_mention":
        return f'<a href="tg://user?id={int(entity["user"]["id"])}">', "</a>"
    return None


def entities_to_html(text: str, entities: list[dict[str, Any]] | None) -> str:
    """Telegram HTML for a stored text and its entities (offsets in UTF-16 units); the text is escaped."""
    units = text.encode("utf-16-le", "surrogatepass")
    total = len(units) // 2

    def piece(start: int, end: int) -> str:
        return html.escape(units[2 * start:2 * end].decode("utf-16-le", "surrogatepass"), quote=False)

    out: list[str] = []
    stack: list[tuple[int, str]] = []  # (end, closing tag) of the open entities, innermost last
    position = 0

    def close_until(limit: int) -> None:
        nonlocal position
        while stack and stack[-1][0] <= limit:
            end, closing = stack.pop()
            out.append(piece(position, end))
            position = end
            out.append(closing)

    for entity in sort_entities(list(entities or [])):
        tags = _tags(entity)
        if tags is None:
            continue
        start = entity["offset"]
        close_until(start)
        # An entity that overlaps its parent's end is clipped to stay well nested.
        end = min(start + entity["length"], stack[-1][0] if stack else total)
        if end <= start:
            continue
        out.append(piece(position, start))
        position = start
        out.append(tags[0])
        stack.append((end, tags[1]))
    close_until(total)
    out.append(piece(position, total))
    return "".join(out)


def _media(message: dict[str, Any]) -> dict[str, Any] | None:
    for kind in MEDIA_KINDS:
        if kind in message:
            item = message[kind][-1] if kind == "photo" else message[kind]
            media = {"kind": kind, "file_id": item["file_id"], "file_size": item.get("file_size")}
            for key in ("file_name", "mime_type", "duration", "emoji", "width", "height"):
                if key in item:
                    media[key] = item[key]
            return media
    return None


def _keyboard(message: dict[str, Any]) -> dict[str, Any] | None:
    """A reply keyboard, its removal or a force-reply request, as sent (clients keep the latest)."""
    raw = message.get("_reply_markup") or {}
    if "keyboard" in raw:
        rows = [[b if isinstance(b, dict) else {"text": str(b)} for b in row] for row in raw["keyboard"]]
        return {"keyboard": [[{"text": b.get("text", ""), "request_contact": bool(b.get("request_contact"))}
                              for b in row] for row in rows],
                "one_time": bool(raw.get("one_time_keyboard")),
                "placeholder": raw.get("input_field_placeholder")}
    if raw.get("remove_keyboard"):
        return {"remove": True}
    if raw.get("force_reply"):
        return {"force_reply": True, "placeholder": raw.get("input_field_placeholder")}
    return None


def _sender(message: dict[str, Any]) -> dict[str, Any]:
    sender = message.get("from") or {}
    name = " ".join(p for p in (sender.get("first_name"), sender.get("last_name")) if p)
    return {"id": sender.get("id"), "name": name, "is_bot": bool(sender.get("is_bot"))}


def message_view(chat: ChatState, message: dict[str, Any]) -> dict[str, Any]:
    view: dict[str, Any] = {
        "chat_id": chat.id,
        "message_id": message["message_id"],
        "thread_id": message.get("message_thread_id"),
        "from": _sender(message),
        "date": message.get("date"),
        "edited": bool(message.get("_edits")),
        "deleted": bool(message.get("_deleted")),
        "rev": message.get("_rev", 0),
    }
    if "text" in message:
        view["html"] = entities_to_html(message["text"], message.get("entities"))
    elif "caption" in message:
        view["html"] = entities_to_html(message["caption"], message.get("caption_entities"))
    if media := _media(message):
        view["media"] = media
    for key in ("contact", "location"):
        if key in message:
            view[key] = message[key]
    service = next((k for k in SERVICE_KINDS if k in message), None)
    if service:
        view["service"] = {"kind": service, **message[service]}
    buttons = (message.get("reply_markup") or {}).get("inline_keyboard")
    if buttons:
        view["buttons"] = [[{k: b[k] for k in ("text", "callback_data", "url") if k in b} for b in row]
                           for row in buttons]
    if keyboard := _keyboard(message):
        view["keyboard"] = keyboard
    reply = message.get("reply_to_message")
    # In a forum every topic message replies to the topic's first message; only real replies count.
    if reply and reply.get("message_id") != message.get("message_thread_id"):
        view["reply_to"] = {"message_id": reply["message_id"], "from": _sender(reply),
                            "text": (reply.get("text") or reply.get("caption") or "")[:120]}
    return view


def chat_view(chat: ChatState) -> dict[str, Any]:
    view: dict[str, Any] = {"chat_id": chat.id, "type": chat.type, "revision": chat.revision}
    if isinstance(chat, FakeGroup):
        view.update(title=chat.title, forum=chat.forum,
                    topics=[{"thread_id": t.message_thread_id, "name": t.name, "icon_color": t.icon_color,
                             "closed": t.closed} for t in chat.topics])
    return view
