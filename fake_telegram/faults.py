"""Fault injection: make calls fail the way Telegram or the network sometimes does."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import SERVER_ERRORS

FAULT_KINDS = ("400", "403", "404", "429", "500", "502", "503", "504", "drop", "timeout")
# What the real Bot API says when a fault of that code carries no description of its own.
DEFAULT_DESCRIPTIONS = {"403": "bot was blocked by the user", "404": "Not Found"}


@dataclass
class Fault:
    kind: str
    remaining: int | None  # None: until cleared
    method: str | None  # lower-cased; None matches every method except getUpdates
    retry_after: int
    hold: float
    chat_id: int | None = None
    message_thread_id: int | None = None
    description: str | None = None

    def matches(self, method: str, params: dict[str, Any]) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.method is None and method == "getupdates":
            return False
        if self.method is not None and method != self.method:
            return False
        if self.chat_id is not None and params.get("chat_id") != self.chat_id:
            return False
        return self.message_thread_id is None or params.get("message_thread_id") == self.message_thread_id

    def body(self) -> tuple[int, str]:
        """(error_code, description) of a fault that answers with an API error."""
        code = int(self.kind)
        if code in SERVER_ERRORS:
            return code, SERVER_ERRORS[code]
        if code == 400:
            return code, f"Bad Request: {self.description}"
        if code == 403:
            return code, f"Forbidden: {self.description or DEFAULT_DESCRIPTIONS['403']}"
        return code, self.description or DEFAULT_DESCRIPTIONS["404"]


class FaultsMixin:
    def _init_faults(self) -> None:
        self.faults: list[Fault] = []
        self.unauthorized = False

    def inject_fault(self, kind: str | int, count: int | None = 1, method: str | None = None, retry_after: int = 1,
                     hold: float = 300.0, chat_id: int | None = None, message_thread_id: int | None = None,
                     description: str | None = None) -> Fault:
        """Fail the next ``count`` matching calls (``count=None``: every one until cleared).

        A call matches when it is of ``method`` (default: any method except getUpdates) and, when
        given, names ``chat_id`` and ``message_thread_id``.
        kind: "400" (``description`` required: the text after "Bad Request: ", e.g. REACTION_INVALID),
        "403", "404" (a method the server does not have answers "Not Found"), "429" (with retry_after),
        "500"/"502"/"503"/"504", "drop" (close the connection without a response) or "timeout" (never
        answer; the request is held until the client gives up, ``hold`` seconds pass or the server stops).
        """
        kind = str(kind)
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {FAULT_KINDS}")
        if kind == "400" and not description:
            raise ValueError("a 400 fault needs a description, e.g. REACTION_INVALID")
        if count is not None and count < 1:
            raise ValueError("count must be at least 1, or None for a fault that lasts until cleared")
        fault = Fault(kind, count, method.lower() if method else None, retry_after, hold,
                      int(chat_id) if chat_id is not None else None,
                      int(message_thread_id) if message_thread_id is not None else None, description)
        self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        self.faults.clear()

    def set_unauthorized(self, value: bool = True) -> None:
        """While set, every method answers 401 Unauthorized (as for a revoked token)."""
        self.unauthorized = value

    def take_fault(self, method: str, params: dict[str, Any] | None = None) -> Fault | None:
        name = method.lower()
        for fault in self.faults:
            if fault.matches(name, params or {}):
                if fault.remaining is not None:
                    fault.remaining -= 1
                return fault
        return None
