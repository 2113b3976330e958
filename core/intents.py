"""Outgoing effects as data.

core never talks to Telegram: a use-case records intents (send this phrase to that chat
with these buttons), the unit of work stores them as outbox rows in the same transaction
as the state change, and bot/ renders and sends them afterwards.

A Phrase is a catalog message id plus parameters; only bot/ turns it into text, in the
reader's locale. Parameters that are plain strings are the user's own words and are
escaped when rendered; nested Phrases are rendered and inserted as they are.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum
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


class Purpose(StrEnum):
    """Why a message in the handler group is linked to a case (stored in case_links: never
    rename). A staff member's reply to it is read in that light."""

    CARD = "card"
    RELAY = "relay"  # the customer's words
    EVIDENCE = "evidence"  # the customer's photos, documents...
    NOTICE = "notice"  # the bot telling the thread what happened
    PICKER = "picker"  # buttons to choose a category
    APPROVAL = "approval"  # a major case's proposal awaiting a supervisor
    RECORD = "record"  # a resolution-record question with buttons
    FAILURE = "failure"  # a message could not be delivered; its own failure is not reported
    THREAD = "thread"  # not a link: the message was in the case's topic


PROMPT = "prompt:"  # + the action or record question the reply answers (force_reply)


def prompt_purpose(question: str) -> str:
    return PROMPT + question


def prompted(purpose: str) -> str | None:
    """The action or question a reply answers, if the message replied to was a prompt."""
    return purpose.removeprefix(PROMPT) if purpose.startswith(PROMPT) else None


@dataclass(frozen=True)
class CaseRoute:
    """Places a message in a case's thread of the handler group and links it to the case.

    The thread (forum topic, or the card to reply to in a plain group) is looked up when
    the message is sent, so it may be created by an earlier row of the same transaction.
    """

    case_id: int
    purpose: str = Purpose.RELAY  # a Purpose, or prompt_purpose(question)
    in_thread: bool = True


@dataclass(frozen=True)
class Receipt:
    """What to do once a relayed staff message reached (or failed to reach) the customer."""

    case_id: int
    chat_id: int
    message_id: int
    locale: str  # of the group, for a failure notice there


@dataclass(frozen=True)
class Ack:
    """What to tell the person whose words a message carries: `delivered` once it was sent,
    `failed` if it never can be. Nobody is told their words arrived before they did."""

    chat_id: int
    locale: str
    delivered: Phrase
    failed: Phrase


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
    route: CaseRoute | None = None
    # Asks the reader to answer by replying to this message (staff prompts).
    force_reply: bool = False
    receipt: Receipt | None = None
    # A forum topic to post in when the message is not about one case (staff commands).
    thread_id: int | None = None
    ack: Ack | None = None


@dataclass(frozen=True)
class SendDocument:
    """A file made by the bot (e.g. a customer's data export), with a caption."""

    chat_id: int
    locale: str
    file_name: str
    content: str  # UTF-8 text
    caption: Phrase


@dataclass(frozen=True)
class ChartSeries:
    """One set of bars or one line of a chart (this period, the previous one...)."""

    label: Phrase
    values: tuple[float | None, ...]  # one per category; None: nothing to show


@dataclass(frozen=True)
class Chart:
    """One panel of a picture: a value per category and series, with its words as Phrases,
    drawn by bot/ in the reader's locale when it is sent."""

    title: Phrase
    categories: tuple[ParamValue, ...]
    series: tuple[ChartSeries, ...]
    axis: Phrase | None = None
    style: str = "bars"  # bars (upright), hbars (lying: long category names), lines
    percent: bool = False  # values are shares 0-100
    max_value: float | None = None  # the value axis's end (5 for a score), else from the data
    empty: Phrase | None = None  # shown instead when no value is there


@dataclass(frozen=True)
class SendCharts:
    """Pictures of charts, drawn when sent (the row holds their figures, not the images):
    one picture per page of panels, several pages as one album. The caption goes with the
    first picture."""

    chat_id: int
    locale: str
    pages: tuple[tuple[Chart, ...], ...]
    caption: Phrase
    thread_id: int | None = None


@dataclass(frozen=True)
class SendReportFile:
    """A report file (a spreadsheet, a CSV) made when it is sent, from the figures of the
    period it names: the row stays small and a restart makes the same file again."""

    chat_id: int
    locale: str
    file_format: str  # xlsx | csv
    file_name: str
    start: datetime
    end: datetime
    period_kind: str  # how the previous period is found (core.services.report_periods)
    owner_id: int | None  # only this staff member's cases
    reveal_contacts: bool  # phone numbers in full (the reader may reveal them)
    caption: Phrase
    thread_id: int | None = None


@dataclass(frozen=True)
class CopyMessage:
    """Copies a message (media and all) into another chat, optionally with a new caption."""

    chat_id: int
    locale: str
    from_chat_id: int
    message_id: int
    route: CaseRoute | None = None
    caption: Phrase | None = None
    receipt: Receipt | None = None
    ack: Ack | None = None


@dataclass(frozen=True)
class EditCard:
    """Rewrites a case's card in the handler group in place."""

    chat_id: int
    locale: str
    case_id: int
    text: Phrase
    buttons: tuple[tuple[Button, ...], ...] = ()


@dataclass(frozen=True)
class CreateTopic:
    """Creates the case's forum topic; later rows of the chat post into it."""

    chat_id: int
    locale: str
    case_id: int
    name: Phrase


@dataclass(frozen=True)
class EditTopic:
    chat_id: int
    locale: str
    case_id: int
    name: Phrase


@dataclass(frozen=True)
class SetTopicClosed:
    """Closes the case's forum topic at a final stage, or reopens it (an appeal)."""

    chat_id: int
    locale: str
    case_id: int
    closed: bool = True


@dataclass(frozen=True)
class SetReaction:
    chat_id: int
    locale: str
    message_id: int
    emoji: str


@dataclass(frozen=True)
class AnswerCallback:
    """Stops the spinner on a pressed button; optional short notice."""

    chat_id: int
    locale: str
    callback_query_id: str
    text: Phrase | None = None
    # Shown as a dialog only to the presser (used for private details such as a phone).
    show_alert: bool = False


@dataclass(frozen=True)
class SetChatCommands:
    """Register the command menu of one private chat in the reader's locale."""

    chat_id: int
    locale: str


Intent = Union[
    SendMessage, SendDocument, AnswerCallback, SetChatCommands, CopyMessage, EditCard, CreateTopic, EditTopic, SetTopicClosed, SetReaction,
    SendCharts, SendReportFile,
]


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


def _buttons(rows: tuple[tuple[Button, ...], ...]) -> list[list[dict[str, Any]]]:
    return [[{"label": _encode_value(b.label), "data": b.data} for b in row] for row in rows]


def _decode_buttons(rows: list[list[dict[str, Any]]]) -> tuple[tuple[Button, ...], ...]:
    return tuple(tuple(Button(_decode_value(b["label"]), b["data"]) for b in row) for row in rows)  # type: ignore[arg-type]


def _optional(cls: Any, data: dict[str, Any] | None) -> Any:
    return cls(**data) if data else None


def _encode_ack(ack: Ack | None) -> dict[str, Any] | None:
    if ack is None:
        return None
    return {"chat_id": ack.chat_id, "locale": ack.locale, "delivered": encode_phrase(ack.delivered), "failed": encode_phrase(ack.failed)}


def _decode_ack(data: dict[str, Any] | None) -> Ack | None:
    if not data:
        return None
    return Ack(data["chat_id"], data["locale"], decode_phrase(data["delivered"]), decode_phrase(data["failed"]))


def _encode_chart(chart: Chart) -> dict[str, Any]:
    return {
        "title": encode_phrase(chart.title),
        "categories": [_encode_value(c) for c in chart.categories],
        "series": [{"label": encode_phrase(s.label), "values": list(s.values)} for s in chart.series],
        "axis": encode_phrase(chart.axis) if chart.axis else None,
        "style": chart.style,
        "percent": chart.percent,
        "max_value": chart.max_value,
        "empty": encode_phrase(chart.empty) if chart.empty else None,
    }


def _decode_chart(data: dict[str, Any]) -> Chart:
    return Chart(
        decode_phrase(data["title"]),
        tuple(_decode_value(c) for c in data["categories"]),
        tuple(ChartSeries(decode_phrase(s["label"]), tuple(s["values"])) for s in data["series"]),
        axis=decode_phrase(data["axis"]) if data.get("axis") else None,
        style=data.get("style", "bars"),
        percent=data.get("percent", False),
        max_value=data.get("max_value"),
        empty=decode_phrase(data["empty"]) if data.get("empty") else None,
    )


def encode_intent(intent: Intent) -> tuple[str, dict[str, Any]]:
    """(method, payload) as stored in an outbox row."""
    if isinstance(intent, SendMessage):
        return "send_message", {
            "text": encode_phrase(intent.text),
            "buttons": _buttons(intent.buttons),
            "contact_button": encode_phrase(intent.contact_button) if intent.contact_button else None,
            "remove_keyboard": intent.remove_keyboard,
            "route": asdict(intent.route) if intent.route else None,
            "force_reply": intent.force_reply,
            "receipt": asdict(intent.receipt) if intent.receipt else None,
            "thread_id": intent.thread_id,
            "ack": _encode_ack(intent.ack),
        }
    if isinstance(intent, AnswerCallback):
        return "answer_callback", {
            "callback_query_id": intent.callback_query_id,
            "text": encode_phrase(intent.text) if intent.text else None,
            "show_alert": intent.show_alert,
        }
    if isinstance(intent, SetChatCommands):
        return "set_chat_commands", {}
    if isinstance(intent, CopyMessage):
        return "copy_message", {
            "from_chat_id": intent.from_chat_id,
            "message_id": intent.message_id,
            "route": asdict(intent.route) if intent.route else None,
            "caption": encode_phrase(intent.caption) if intent.caption else None,
            "receipt": asdict(intent.receipt) if intent.receipt else None,
            "ack": _encode_ack(intent.ack),
        }
    if isinstance(intent, EditCard):
        return "edit_card", {"case_id": intent.case_id, "text": encode_phrase(intent.text), "buttons": _buttons(intent.buttons)}
    if isinstance(intent, CreateTopic):
        return "create_topic", {"case_id": intent.case_id, "name": encode_phrase(intent.name)}
    if isinstance(intent, EditTopic):
        return "edit_topic", {"case_id": intent.case_id, "name": encode_phrase(intent.name)}
    if isinstance(intent, SetTopicClosed):
        return "set_topic_closed", {"case_id": intent.case_id, "closed": intent.closed}
    if isinstance(intent, SetReaction):
        return "set_reaction", {"message_id": intent.message_id, "emoji": intent.emoji}
    if isinstance(intent, SendDocument):
        return "send_document", {"file_name": intent.file_name, "content": intent.content, "caption": encode_phrase(intent.caption)}
    if isinstance(intent, SendCharts):
        return "send_charts", {
            "pages": [[_encode_chart(chart) for chart in page] for page in intent.pages],
            "caption": encode_phrase(intent.caption),
            "thread_id": intent.thread_id,
        }
    if isinstance(intent, SendReportFile):
        return "send_report_file", {
            "file_format": intent.file_format,
            "file_name": intent.file_name,
            "start": intent.start.isoformat(),
            "end": intent.end.isoformat(),
            "period_kind": intent.period_kind,
            "owner_id": intent.owner_id,
            "reveal_contacts": intent.reveal_contacts,
            "caption": encode_phrase(intent.caption),
            "thread_id": intent.thread_id,
        }
    raise TypeError(f"not an intent: {intent!r}")


def decode_intent(method: str, chat_id: int, locale: str, payload: dict[str, Any]) -> Intent:
    if method == "send_message":
        contact = payload.get("contact_button")
        return SendMessage(
            chat_id,
            locale,
            decode_phrase(payload["text"]),
            _decode_buttons(payload["buttons"]),
            contact_button=decode_phrase(contact) if contact else None,
            remove_keyboard=payload.get("remove_keyboard", False),
            route=_optional(CaseRoute, payload.get("route")),
            force_reply=payload.get("force_reply", False),
            receipt=_optional(Receipt, payload.get("receipt")),
            thread_id=payload.get("thread_id"),
            ack=_decode_ack(payload.get("ack")),
        )
    if method == "answer_callback":
        text = payload["text"]
        return AnswerCallback(
            chat_id, locale, payload["callback_query_id"], decode_phrase(text) if text else None, payload.get("show_alert", False)
        )
    if method == "set_chat_commands":
        return SetChatCommands(chat_id, locale)
    if method == "copy_message":
        caption = payload.get("caption")
        return CopyMessage(
            chat_id,
            locale,
            payload["from_chat_id"],
            payload["message_id"],
            route=_optional(CaseRoute, payload.get("route")),
            caption=decode_phrase(caption) if caption else None,
            receipt=_optional(Receipt, payload.get("receipt")),
            ack=_decode_ack(payload.get("ack")),
        )
    if method == "edit_card":
        return EditCard(chat_id, locale, payload["case_id"], decode_phrase(payload["text"]), _decode_buttons(payload["buttons"]))
    if method == "create_topic":
        return CreateTopic(chat_id, locale, payload["case_id"], decode_phrase(payload["name"]))
    if method == "edit_topic":
        return EditTopic(chat_id, locale, payload["case_id"], decode_phrase(payload["name"]))
    if method == "set_topic_closed":
        return SetTopicClosed(chat_id, locale, payload["case_id"], payload["closed"])
    if method == "set_reaction":
        return SetReaction(chat_id, locale, payload["message_id"], payload["emoji"])
    if method == "send_document":
        return SendDocument(chat_id, locale, payload["file_name"], payload["content"], decode_phrase(payload["caption"]))
    if method == "send_charts":
        pages = tuple(tuple(_decode_chart(chart) for chart in page) for page in payload["pages"])
        return SendCharts(chat_id, locale, pages, decode_phrase(payload["caption"]), payload.get("thread_id"))
    if method == "send_report_file":
        return SendReportFile(
            chat_id,
            locale,
            payload["file_format"],
            payload["file_name"],
            datetime.fromisoformat(payload["start"]),
            datetime.fromisoformat(payload["end"]),
            payload["period_kind"],
            payload.get("owner_id"),
            payload.get("reveal_contacts", False),
            decode_phrase(payload["caption"]),
            payload.get("thread_id"),
        )
    raise ValueError(f"unknown outbox method {method!r}")
