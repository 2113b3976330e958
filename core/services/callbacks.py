"""Callback data of inline buttons: every family of buttons, each under its own prefix.

A family is a frozen dataclass that declares its prefix once, as a class keyword.
encode() writes the data; decode() reads it back, or gives None for another family's
data or a shape we never wrote. The strings are those of the buttons already in users'
chats ("s:12:claim", "lang:en"...), byte for byte, so a button keeps working across an
upgrade. Telegram takes at most 64 bytes: encode() refuses more, rather than have the
whole message refused when it is sent.
"""
from __future__ import annotations

from dataclasses import astuple, dataclass
from typing import ClassVar, Self

MAX_BYTES = 64
SEPARATOR = ":"
FAMILIES: dict[str, type[CallbackData]] = {}


class CallbackData:
    """The base of every family; a subclass names its prefix: `class X(CallbackData, prefix="x")`.
    A base shared by families (NumberedData) names none."""

    prefix: ClassVar[str]

    def __init_subclass__(cls, *, prefix: str | None = None, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if prefix is None:
            return
        if not prefix or SEPARATOR in prefix:
            raise ValueError(f"{cls.__name__}: a callback prefix is a non-empty word without {SEPARATOR!r}")
        if prefix in FAMILIES:
            raise ValueError(f"callback prefix {prefix!r} of {cls.__name__} is already {FAMILIES[prefix].__name__}'s")
        cls.prefix = prefix
        FAMILIES[prefix] = cls

    @classmethod
    def matches(cls, data: str | None) -> bool:
        """The data is this family's, well formed or not: its own handler answers a
        malformed one as a stale button."""
        return data is not None and data.startswith(cls.prefix + SEPARATOR)

    @classmethod
    def decode(cls, data: str | None) -> Self | None:
        if data is None or not cls.matches(data):
            return None
        return cls._read(data[len(cls.prefix) + len(SEPARATOR) :])

    def encode(self) -> str:
        data = self.prefix + SEPARATOR + self._body()
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data over Telegram's {MAX_BYTES} bytes: {data!r}")
        return data

    def _body(self) -> str:
        raise NotImplementedError

    @classmethod
    def _read(cls, body: str) -> Self | None:
        raise NotImplementedError


def _is_number(text: str) -> bool:
    # ASCII only: str.isdigit() also accepts "²", which int() refuses.
    return text.isascii() and text.isdigit()


def _numbered(number: int, action: str, arg: str) -> str:
    """The body "<number>:<action>[:<arg>]" of most families."""
    return f"{number}{SEPARATOR}{action}" + (f"{SEPARATOR}{arg}" if arg else "")


def _read_numbered(body: str) -> tuple[int, str, str] | None:
    parts = body.split(SEPARATOR, 2)  # the arg may hold the separator itself
    if len(parts) < 2 or not _is_number(parts[0]):
        return None
    return int(parts[0]), parts[1], parts[2] if len(parts) > 2 else ""


class NumberedData(CallbackData):
    """A family whose body is "<number>:<action>[:<arg>]" and whose three fields are
    those, in that order."""

    def _body(self) -> str:
        number, action, arg = astuple(self)  # type: ignore[call-overload]
        return _numbered(number, action, arg)

    @classmethod
    def _read(cls, body: str) -> Self | None:
        parsed = _read_numbered(body)
        return cls(*parsed) if parsed else None


@dataclass(frozen=True)
class StaffButton(NumberedData, prefix="s"):
    """A staff action on a case: the card's buttons, the category picker, the resolution
    record's choices, a held proposal's approval (core.services.staff_actions)."""

    case_id: int
    action: str
    arg: str = ""


@dataclass(frozen=True)
class CustomerButton(NumberedData, prefix="c"):
    """A customer's decision on their case (core.services.case_lifecycle), ratings
    included (core.services.satisfaction)."""

    case_id: int
    action: str
    arg: str = ""


@dataclass(frozen=True)
class IntakeButton(NumberedData, prefix="i"):
    """A button of the intake dialog; `seq` is the draft's step number when it was
    shown, so a press on an older prompt is recognised as stale (0: any time)."""

    seq: int
    action: str
    arg: str = ""


@dataclass(frozen=True)
class PrivacyButton(CallbackData, prefix="p"):
    """The confirmation of /forget. Its number is always 0, in the shape of the others."""

    action: str

    def _body(self) -> str:
        return _numbered(0, self.action, "")

    @classmethod
    def _read(cls, body: str) -> PrivacyButton | None:
        parsed = _read_numbered(body)
        return cls(parsed[1]) if parsed else None


@dataclass(frozen=True)
class RelayChoice(CallbackData, prefix="r"):
    """Which open case a held customer message is about: "<held>:<case>[:m]". The held
    row keeps only the text, so whether the message was media travels here."""

    held_id: int
    case_id: int
    media: bool = False

    def _body(self) -> str:
        return f"{self.held_id}{SEPARATOR}{self.case_id}" + (f"{SEPARATOR}m" if self.media else "")

    @classmethod
    def _read(cls, body: str) -> RelayChoice | None:
        parts = body.split(SEPARATOR)
        if len(parts) not in (2, 3) or not _is_number(parts[0]) or not _is_number(parts[1]):
            return None
        return cls(int(parts[0]), int(parts[1]), parts[2:] == ["m"])


@dataclass(frozen=True)
class LanguageButton(CallbackData, prefix="lang"):
    """The greeting's language button ("menu") or one of the menu's locales; an unknown
    choice is the handler's to answer."""

    choice: str

    def _body(self) -> str:
        return self.choice

    @classmethod
    def _read(cls, body: str) -> LanguageButton | None:
        return cls(body)
