"""The session's cached response models parse what aiogram's own check parses, and errors
still come out as aiogram's exceptions."""
from __future__ import annotations

import json

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
from aiogram.methods import GetUpdates, SendMessage
from aiogram.types import Message

from bot.telegram_session import BotSession

MESSAGE = {"message_id": 5, "date": 1700000000, "chat": {"id": 7, "type": "private"}, "text": "hi"}


@pytest.fixture
async def session():
    session = BotSession()
    yield session
    await session.close()


async def test_a_success_is_parsed_with_one_model_per_method(session: BotSession) -> None:
    bot = Bot("1:TOKEN", session=session)
    method = SendMessage(chat_id=7, text="hi")
    first = session.check_response(bot, method, 200, json.dumps({"ok": True, "result": MESSAGE}))
    second = session.check_response(bot, method, 200, json.dumps({"ok": True, "result": {**MESSAGE, "message_id": 6}}))
    assert isinstance(first.result, Message) and first.result.message_id == 5
    assert second.result.message_id == 6
    assert type(first) is type(second)
    updates = session.check_response(bot, GetUpdates(), 200, json.dumps({"ok": True, "result": []}))
    assert updates.result == []


async def test_errors_are_aiograms_own(session: BotSession) -> None:
    bot = Bot("1:TOKEN", session=session)
    method = SendMessage(chat_id=7, text="hi")
    flood = {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 3", "parameters": {"retry_after": 3}}
    with pytest.raises(TelegramRetryAfter) as raised:
        session.check_response(bot, method, 429, json.dumps(flood))
    assert raised.value.retry_after == 3
    with pytest.raises(TelegramBadRequest):
        session.check_response(bot, method, 400, json.dumps({"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}))
