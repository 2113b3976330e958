"""Bot API method registry shared by the methods_* modules."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import BotAccount
    from .params import Params
    from .server import FakeTelegramServer


@dataclass
class Ctx:
    server: FakeTelegramServer
    bot: BotAccount
    p: Params


Handler = Callable[[Ctx], Awaitable[Any]]
METHODS: dict[str, Handler] = {}


def method(*names: str) -> Callable[[Handler], Handler]:
    """Register a handler; Telegram treats method names case-insensitively."""

    def register(handler: Handler) -> Handler:
        for name in names:
            METHODS[name.lower()] = handler
        return handler

    return register
