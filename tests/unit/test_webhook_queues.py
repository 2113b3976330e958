"""The webhook's per-chat queues: one chat's updates one at a time in arrival order, other
chats meanwhile, and the secret compared whole."""
from __future__ import annotations

import asyncio

from bot.webhook import ChatQueues, secret_matches


async def test_a_chats_updates_wait_for_each_other_but_not_for_other_chats() -> None:
    queues, order = ChatQueues(), []
    first_may_finish = asyncio.Event()

    async def slow() -> None:
        order.append("a1 start")
        await first_may_finish.wait()
        order.append("a1 end")

    async def quick(name: str) -> None:
        order.append(name)

    a1 = asyncio.create_task(queues.run(1, slow))
    await asyncio.sleep(0)
    a2 = asyncio.create_task(queues.run(1, lambda: quick("a2")))
    b1 = asyncio.create_task(queues.run(2, lambda: quick("b1")))
    await b1
    assert order == ["a1 start", "b1"]  # the other chat did not wait
    first_may_finish.set()
    await asyncio.gather(a1, a2)
    assert order == ["a1 start", "b1", "a1 end", "a2"]
    assert queues._locks == {}  # idle chats are forgotten


def test_the_secret_must_match_exactly() -> None:
    assert secret_matches("abc-1", "abc-1")
    assert not secret_matches("abc-", "abc-1") and not secret_matches("abc-12", "abc-1") and not secret_matches(None, "abc-1")
