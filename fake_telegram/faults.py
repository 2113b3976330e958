"""Fault injection: make the next calls fail the way Telegram or the network sometimes does."""
from __future__ import annotations

from dataclasses import dataclass

FAULT_KINDS = ("429", "500", "502", "503", "504", "drop", "timeout")


@dataclass
class Fault:
    kind: str
    remaining: int
    method: str | None  # lower-cased; None matches every method except getUpdates
    retry_after: int
    hold: float

    def matches(self, method: str) -> bool:
        if self.remaining <= 0:
            return False
        if self.method is None:
            return method != "getupdates"
        return method == self.method


class FaultsMixin:
    def _init_faults(self) -> None:
        self.faults: list[Fault] = []
        self.unauthorized = False

    def inject_fault(self, kind: str | int, count: int = 1, method: str | None = None, retry_after: int = 1,
                     hold: float = 300.0) -> Fault:
        """Fail the next ``count`` calls of ``method`` (default: any method except getUpdates).

        kind: "429" (with retry_after), "500"/"502"/"503"/"504", "drop" (close the connection without a
        response) or "timeout" (never answer; the request is held until the client gives up, ``hold``
        seconds pass or the server stops).
        """
        kind = str(kind)
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {FAULT_KINDS}")
        fault = Fault(kind, count, method.lower() if method else None, retry_after, hold)
        self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        self.faults.clear()

    def set_unauthorized(self, value: bool = True) -> None:
        """While set, every method answers 401 Unauthorized (as for a revoked token)."""
        self.unauthorized = value

    def take_fault(self, method: str) -> Fault | None:
        name = method.lower()
        for fault in self.faults:
            if fault.matches(name):
                fault.remaining -= 1
                return fault
        return None
