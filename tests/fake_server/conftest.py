"""Fixtures for testing the fake Bot API server itself."""
from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
import telegram
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from fake_telegram import FakeTelegramServer

TOKEN = "123456:TEST-TOKEN"

ApiCall = Callable[..., Awaitable[tuple[int, dict[str, Any]]]]


@pytest.fixture
async def server() -> AsyncIterator[FakeTelegramServer]:
    server = FakeTelegramServer(token=TOKEN, bot_username="kesu_test_bot")
    await server.start(port=0)
    yield server
    await server.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def api(server: FakeTelegramServer, http: aiohttp.ClientSession) -> ApiCall:
    """Raw Bot API call with a JSON body; returns (HTTP status, parsed body)."""

    async def call(method: str, _token: str = TOKEN, **params: Any) -> tuple[int, dict[str, Any]]:
        async with http.post(f"{server.base_url}/bot{_token}/{method}", json=params) as response:
            return response.status, json.loads(await response.text())

    return call


@pytest.fixture
async def aiogram_bot(server: FakeTelegramServer) -> AsyncIterator[Bot]:
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(server.base_url)))
    yield bot
    await bot.session.close()


@pytest.fixture
def ptb_bot() -> telegram.Bot:
    # Only used to give de_json a bot; it never touches the network.
    return telegram.Bot(TOKEN)
