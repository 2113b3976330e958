"""Outgoing effects as data.

core never talks to Telegram: a use-case records intents (send this phrase to that chat
with these buttons), the unit of work stores them as outbox rows in the same transaction
as the state change, and bot/ renders and sends them afterwards.

A Phrase is a catalog message id plus parameters; only bot/ turns it into text, in the
reader's locale. Parameters that are plain strings are the user's own words and are
escaped when rendered; nested Phrases are rendered and inserted as they are.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Union

ParamValue = Union[str, int, float, "Phrase", "Localized", "Lines", datetime, None]


class Phrase:
    """A message id from the catalogs with its named parameters."""

    __slots__ = ("code", "params")

    def __init__(self, code: str, /, **params: ParamValue) -> None:
        self.code = code
        self.params: dict[str, ParamValue] = params

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Phrase) and (self.code, self.params) == (other.code, other.params)

    def __repr__(self) -> str:
        return f"Phrase({self.code!r}, **{self.params!r})"


class Localized:
    """A text the deployment gave in every locale (a category label, a field prompt)."""

    __slots__ = ("texts",)

    def __init__(self, texts: dict[str, str]) -> None:
        self.texts = dict(texts)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Localized) and self.texts == other.texts

    def __repr__(self) -> str:
        return f"Localized({self.texts!r})"


class Lines:
    """Several parameters shown one per line (an empty tuple renders as nothing)."""

    __slots__ = ("items",)

    def __init__(self, items: "list[ParamValue] | tuple[ParamValue, ...]") -> None:
        self.items = tuple(items)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Lines) and self.items == other.items

    def __repr__(self) -> str:
        return f"Lines({self.items!r})"


@dataclass(frozen=True)
class Button:
    """An inline button: a label and the callback data it sends back (<= 64 bytes)."""

    label: "Phrase | Localized"
    data: str

    def __post_init__(self) -> None:
        if len(self.data.encode()) > 64:
            raise ValueError(f"callback data over 64 bytes: {self.data!r}")


@dataclass(frozen=True)
class SendMessage:
    chat_id: int
    locale: str
    text: Phrase
    buttons: tuple[tuple[Button, ...], ...] = ()
    # A reply-keyboard button that shares the user's phone number (instead of buttons).
    contact_button: Phrase | None = None
    # Removes a reply keyboard shown earlier.
    remove_keyboard: bool = False


@dataclass(frozen=True)
class AnswerCallback:
    """Stops the spinner on a pressed button; optional short notice."""

    chat_id: int
    locale: str
    callback_query_id: str
    text: Phrase | None = None


@dataclass(frozen=True)
class SetChatCommands:
    """Register the command menu of one private chat in the reader's locale."""

    chat_id: int
    locale: str


Intent = Union[SendMessage, AnswerCallback, SetChatCommands]


# --- JSON codec for outbox rows -------------------------------------------------------

def _encode_value(value: ParamValue) -> Any:
    if isinstance(value, Phrase):
        return {"$phrase": encode_phrase(value)}
    if isinstance(value, Localized):
        return {"$localized": value.texts}
    if isinstance(value, Lines):
        return {"$lines": [_encode_value(item) for item in value.items]}
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    return value


def _decode_value(value: Any) -> ParamValue:
    if isinstance(value, dict):
        if "$phrase" in value:
            return decode_phrase(value["$phrase"])
        if "$datetime" in value:
            return datetime.fromisoformat(value["$datetime"])
        if "$localized" in value:
            return Localized(value["$localized"])
        if "$lines" in value:
            return Lines([_decode_value(item) for item in value["$lines"]])
        raise ValueError(f"unknown parameter encoding {value!r}")
    return value


def encode_phrase(phrase: Phrase) -> dict[str, Any]:
    return {"code": phrase.code, "params": {k: _encode_value(v) for k, v in phrase.params.items()}}


def decode_phrase(data: dict[str, Any]) -> Phrase:
    code, params = data["code"], data["params"]
    return Phrase(code, **{k: _decode_value(v) for k, v in params.items()})


def encode_intent(intent: Intent) -> tuple[str, dict[str, Any]]:
    """(method, payload) as stored in an outbox row."""
    if isinstance(intent, SendMessage):
        return "send_message", {
            "text": encode_phrase(intent.text),
            "buttons": [[{"label": _encode_value(b.label), "data": b.data} for b in row] for row in intent.buttons],
            "contact_button": encode_phrase(intent.contact_button) if intent.contact_button else None,
            "remove_keyboard": intent.remove_keyboard,
        }
    if isinstance(intent, AnswerCallback):
        return "answer_callback", {
            "callback_query_id": intent.callback_query_id,
            "text": encode_phrase(intent.text) if intent.text else None,
        }
    if isinstance(intent, SetChatCommands):
        return "set_chat_commands", {}
    raise TypeError(f"not an intent: {intent!r}")


def decode_intent(method: str, chat_id: int, locale: str, payload: dict[str, Any]) -> Intent:
    if method == "send_message":
        buttons = tuple(
            tuple(Button(_decode_value(b["label"]), b["data"]) for b in row) for row in payload["buttons"]  # type: ignore[arg-type]
        )
        contact = payload.get("contact_button")
        return SendMessage(
            chat_id,
            locale,
            decode_phrase(payload["text"]),
            buttons,
            contact_button=decode_phrase(contact) if contact else None,
            remove_keyboard=payload.get("remove_keyboard", False),
        )
    if method == "answer_callback":
        text = payload["text"]
        return AnswerCallback(chat_id, locale, payload["callback_query_id"], decode_phrase(text) if text else None)
    if method == "set_chat_commands":
        return SetChatCommands(chat_id, locale)
    raise ValueError(f"unknown outbox method {method!r}")

