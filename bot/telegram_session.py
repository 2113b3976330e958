"""aiogram's HTTP session, with each Bot API method's response model built once.

aiogram asks pydantic for `Response[T]` on every call. pydantic keeps those classes only
weakly, so after each garbage collection they were built again: a few percent of the bot's
CPU, and garbage for the next collection. Errors still go through aiogram's own checks.
"""
from __future__ import annotations

from http import HTTPStatus
from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import Response, TelegramMethod


class BotSession(AiohttpSession):
    _response_models: dict[Any, Any] = {}

    def check_response(self, bot: Bot, method: TelegramMethod[Any], status_code: int, content: str) -> Response[Any]:
        if HTTPStatus.OK <= status_code <= HTTPStatus.IM_USED:
            returning = method.__returning__
            model = self._response_models.get(returning)
            if model is None:
                model = self._response_models.setdefault(returning, Response[returning])  # type: ignore[valid-type]
            try:
                response = model.model_validate(self.json_loads(content), context={"bot": bot})
            except Exception:
                response = None  # aiogram's check below raises its own decode error
            if response is not None and response.ok:
                return response
        return super().check_response(bot, method, status_code, content)
