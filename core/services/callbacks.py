"""Callback data of inline buttons: "<prefix>:<number>:<action>[:<arg>]" (at most 64 bytes)."""
from __future__ import annotations


def encode(prefix: str, number: int, action: str, arg: str = "") -> str:
    return f"{prefix}:{number}:{action}" + (f":{arg}" if arg else "")


def decode(prefix: str, data: str) -> tuple[int, str, str] | None:
    """(number, action, arg), or None for data of another kind."""
    parts = data.split(":", 3)
    if len(parts) < 3 or parts[0] != prefix or not parts[1].isdigit():
        return None
    return int(parts[1]), parts[2], parts[3] if len(parts) > 3 else ""
