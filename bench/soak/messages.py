"""Reading the bot's messages: their buttons, what they answer, whether they show what a next step needs."""
from __future__ import annotations

import re
from typing import Any, Callable

from bench.soak.speech import Speech

NUMBER = re.compile(r"KS-\d{8}-\d{4,}")
FORCE_REPLY = {"force_reply": True}
# What a customer's next step raises when the bot's last reply lacks what it needs (a button...).
CANNOT_GO_ON = (LookupError, RuntimeError, PermissionError, AssertionError, StopIteration)


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]


def button_data(message: dict[str, Any], suffix: str) -> list[str]:
    return [b["callback_data"] for b in buttons(message) if b.get("callback_data", "").endswith(suffix)]


def has_button(part: str) -> Callable[[list[dict[str, Any]]], bool]:
    return lambda replies: any(part in b.get("callback_data", "") for b in buttons(replies[-1]))


def mentions(number: str) -> Callable[[list[dict[str, Any]]], bool]:
    return lambda replies: number in (replies[-1].get("text") or "")


def names_a_case(replies: list[dict[str, Any]]) -> bool:
    return NUMBER.search(replies[-1].get("text") or "") is not None


def asks_for_contact(replies: list[dict[str, Any]]) -> bool:
    keyboard = (replies[-1].get("_reply_markup") or {}).get("keyboard") or []
    return any(b.get("request_contact") for row in keyboard for b in row)


def anything(replies: list[dict[str, Any]]) -> bool:
    return True


def customer_kind(message: dict[str, Any], speech: Speech) -> str:
    """What a message in a customer's chat answers: their own last action, or staff work."""
    if button_data(message, ":accept"):
        return "proposal"
    if speech.accepted_marker in (message.get("text") or ""):
        return "accepted"
    return "reply"


def group_kind(message: dict[str, Any]) -> str:
    """A thread message's kind: a prompt for staff, or the emoji its text starts with."""
    if message.get("_reply_markup") == FORCE_REPLY:
        return "prompt"
    text = message.get("text") or message.get("caption") or ""
    return text[:1] or "?"
