"""Magic filters run on the event loop, and still decide as before."""
from __future__ import annotations

import threading
from datetime import datetime, timezone

from aiogram import F, Router
from aiogram.types import Chat, Message

from bot.handlers import commands, fallback, intake, reports, setup, staff
from bot.inline_filters import _callables, run_filters_inline


def _message(chat_type: str, text: str) -> Message:
    return Message(message_id=1, date=datetime(2026, 12, 1, tzinfo=timezone.utc), chat=Chat(id=5, type=chat_type), text=text)


async def test_a_magic_filter_runs_on_the_calling_thread_and_keeps_its_answer() -> None:
    threads: list[int] = []
    router = Router()

    @router.message(F.func(lambda message: threads.append(threading.get_ident()) or True), F.chat.type == "private")
    async def handler(message: Message) -> None:
        return None

    assert run_filters_inline(router) == 2
    [registered] = router.message.handlers
    passed, _ = await registered.check(_message("private", "hi"))
    refused, _ = await registered.check(_message("group", "hi"))
    assert passed and not refused
    assert threads == [threading.get_ident(), threading.get_ident()]


def test_every_filter_and_handler_of_the_bot_is_awaited_inline() -> None:
    routers = [setup.router, commands.router, intake.router, reports.router, staff.router, fallback.router]
    for router in routers:
        run_filters_inline(router)
    callables = [target for router in routers for target in _callables(router)]
    assert len(callables) > 20
    assert all(target.awaitable for target in callables)
