"""Checks that fake server output parses with aiogram and python-telegram-bot without leftovers."""
from __future__ import annotations

from typing import Any

import telegram
from aiogram import Bot
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response
from aiogram.types import TelegramObject, Update


def assert_no_extra(obj: Any, path: str = "result") -> None:
    """aiogram models accept unknown keys; a misspelt field would slip through without this."""
    if isinstance(obj, TelegramObject):
        assert not obj.model_extra, f"unknown fields at {path}: {obj.model_extra}"
        for name in type(obj).model_fields:
            assert_no_extra(getattr(obj, name), f"{path}.{name}")
    elif isinstance(obj, (list, tuple)):
        for index, item in enumerate(obj):
            assert_no_extra(item, f"{path}[{index}]")


def aiogram_result(method: type[TelegramMethod], body: dict[str, Any], bot: Bot) -> Any:
    """Parse a response body exactly the way aiogram's session does for this method."""
    assert body["ok"] is True, body
    response = Response[method.__returning__].model_validate(body, context={"bot": bot})  # type: ignore[name-defined]
    assert_no_extra(response.result)
    return response.result


def assert_no_api_kwargs(obj: Any, path: str = "update") -> None:
    """python-telegram-bot keeps unknown fields in api_kwargs; there should be none."""
    if isinstance(obj, telegram.TelegramObject):
        assert not obj.api_kwargs, f"unknown fields at {path}: {dict(obj.api_kwargs)}"
        names = {n for cls in type(obj).__mro__ for n in getattr(cls, "__slots__", ()) if not n.startswith("_")}
        for name in sorted(names - {"api_kwargs"}):
            assert_no_api_kwargs(getattr(obj, name, None), f"{path}.{name}")
    elif isinstance(obj, (list, tuple)):
        for index, item in enumerate(obj):
            assert_no_api_kwargs(item, f"{path}[{index}]")


def parse_update(data: dict[str, Any], aiogram_bot: Bot, ptb_bot: telegram.Bot) -> tuple[Update, telegram.Update]:
    update = Update.model_validate(data, context={"bot": aiogram_bot})
    assert_no_extra(update, "update")
    ptb_update = telegram.Update.de_json(data, ptb_bot)
    assert ptb_update is not None and ptb_update.update_id == data["update_id"]
    assert_no_api_kwargs(ptb_update)
    return update, ptb_update
