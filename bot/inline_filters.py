"""Synchronous filters run on the event loop, not in a worker thread.

aiogram calls any callable that is not a coroutine function through `asyncio.to_thread`,
and every magic filter (`F.chat.type == "private"`, `F.data.func(...)`) is one: each update
would hop to a thread and back once per filter checked on its way to a handler. Ours only
read the update's fields, which takes microseconds, so they run inline.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.handler import CallableObject


def _callables(router: Router) -> Iterator[CallableObject]:
    for observer in router.observers.values():
        yield from observer._handler.filters or ()  # the router's own filters
        for handler in observer.handlers:
            yield handler
            yield from handler.filters or ()
    for child in router.sub_routers:
        yield from _callables(child)


def _on_the_loop(target: CallableObject) -> None:
    call = target.callback

    async def inline(*args: Any, **kwargs: Any) -> Any:
        return call(*args, **kwargs)

    target.callback = inline
    target.awaitable = True


def run_filters_inline(router: Router) -> int:
    """Makes every synchronous filter (and handler) under `router` run inline; how many."""
    changed = 0
    for target in _callables(router):
        if not target.awaitable:
            _on_the_loop(target)
            changed += 1
    return changed
