"""Bare aiogram 3 echo bot: the baseline the throughput benchmark compares Kesu with.

Reads BOT_TOKEN, TELEGRAM_API_BASE, POLLING_TIMEOUT_SECONDS and LOG_LEVEL from the environment.
Run as a script (``python bench/echo_bot.py``); it needs nothing from this repository.
"""
from __future__ import annotations

import asyncio
import logging
import os
import sys

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message


async def main() -> None:
    # aiogram's own INFO line per update, so both bots write one log line per update.
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"), stream=sys.stderr,
                        format="%(levelname)s %(name)s %(message)s")
    session = AiohttpSession(api=TelegramAPIServer.from_base(os.environ["TELEGRAM_API_BASE"]))
    bot = Bot(os.environ["BOT_TOKEN"], session=session)
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "?")

    await dispatcher.start_polling(bot, polling_timeout=int(os.environ.get("POLLING_TIMEOUT_SECONDS", "10")))


if __name__ == "__main__":
    asyncio.run(main())
