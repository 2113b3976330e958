"""What several instances share on PostgreSQL: outbox lanes claimed with a lease, and
Telegram's send budgets in the database."""
from __future__ import annotations

import asyncio
import random

import pytest
from sqlalchemy import text

from bot.delivery.lane_claims import SharedLanes
from bot.delivery.limits import RateLimits
from bot.delivery.shared_limits import SharedRateLimiter
from core.storage.db import session_factory
from core.storage.lane_leases import claim_lane, claim_lanes, release_lane, renew_lanes


@pytest.fixture
def pg_engine(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("several instances share PostgreSQL only")
    return engine


async def test_a_lane_has_one_owner_until_its_lease_runs_out(pg_engine) -> None:
    sessions = session_factory(pg_engine)

    async def claim(owner: str, lease: float) -> bool:
        async with sessions() as session:
            won = await claim_lane(session, 7, "chat", owner, lease)
            await session.commit()
            return won

    results = await asyncio.gather(*(claim(f"i{n}", 30) for n in range(5)))
    assert sorted(results) == [False] * 4 + [True]
    owner = f"i{results.index(True)}"
    assert await claim(owner, 30)  # its own lease is renewed, not refused
    assert not await claim("late", 30)
    async with sessions() as session:
        assert await renew_lanes(session, [(7, "chat"), (8, "chat")], owner, 0.05) == {(7, "chat")}
        await session.commit()
    await asyncio.sleep(0.1)  # the lease (50 ms, database time) runs out, as a killed instance's does
    assert await claim("late", 30)
    async with sessions() as session:
        assert await renew_lanes(session, [(7, "chat")], owner, 30) == set()
        await release_lane(session, 7, "chat", owner)  # not its lane any more: nothing happens
        await session.commit()
    assert not await claim(owner, 30)
    async with sessions() as session:
        await release_lane(session, 7, "chat", "late")
        await session.commit()
    assert await claim(owner, 30)


async def test_instances_claiming_many_lanes_at_once_split_them(pg_engine) -> None:
    sessions = session_factory(pg_engine)
    lanes = [(chat, conversation) for chat in (-100, 1, 2, 3) for conversation in ("chat", "case:1", "case:2")]

    async def claim(owner: str, wanted: list) -> set:
        async with sessions() as session:
            won = await claim_lanes(session, wanted, owner, 30)
            await session.commit()
            return won

    rng = random.Random(7)
    results = await asyncio.gather(*(claim(f"i{n}", rng.sample(lanes, 8)) for n in range(6)))
    owned = [lane for won in results for lane in won]
    assert len(owned) == len(set(owned))  # no lane has two owners
    async with pg_engine.connect() as connection:
        rows = (await connection.execute(text("SELECT chat_id, conversation, claimed_by FROM outbox_lanes"))).all()
    assert {(chat, conversation): owner for chat, conversation, owner in rows} == {
        lane: f"i{n}" for n, won in enumerate(results) for lane in won
    }


async def test_a_lane_lost_to_another_instance_is_no_longer_held(pg_engine) -> None:
    first, second = SharedLanes(session_factory(pg_engine), lease_seconds=0.2), SharedLanes(session_factory(pg_engine))
    assert await first.claim([(5, "chat")]) == {(5, "chat")} and first.holds((5, "chat"))
    assert await second.claim([(5, "chat"), (6, "chat")]) == {(6, "chat")}
    await asyncio.sleep(0.3)
    assert not first.holds((5, "chat"))  # too long since its last renewal: it stops before the next row
    assert await second.claim([(5, "chat")]) == {(5, "chat")}
    await first.renew()
    assert not first.holds((5, "chat"))
    await second.release((5, "chat"))
    assert await first.claim([(5, "chat")]) == {(5, "chat")}


async def slot(limiter: SharedRateLimiter, chat_id: int, spare: bool = False) -> float | None:
    """The chat's reserved slot in the database's time; None when a card refresh reserved nothing."""
    at, _now, reserved = await limiter._reserve_chat(chat_id, spare)
    return at if reserved else None


async def test_two_instances_draw_on_one_chat_budget(pg_engine) -> None:
    limits = RateLimits(per_chat_per_second=1.0, per_chat_burst=1)
    one, two = SharedRateLimiter(pg_engine, limits), SharedRateLimiter(pg_engine, limits)
    first = await slot(one, 42)
    # The other instance's next message to the chat goes a second later, not at once.
    assert await slot(two, 42) == pytest.approx(first + 1.0)
    assert await slot(one, 42) == pytest.approx(first + 2.0)
    # A card refresh reserves nothing while the chat's budget is spoken for.
    assert await slot(two, 42, spare=True) is None
    assert await slot(two, 42) == pytest.approx(first + 3.0)
    # Another chat's budget is its own, and reservations ahead do not touch the global one.
    at, now = await two._reserve_global(43)
    assert at == now and now - first < 1.0


async def test_global_budget_holds_across_instances(pg_engine) -> None:
    limits = RateLimits(global_per_second=20.0, global_burst=2)
    limiters = [SharedRateLimiter(pg_engine, limits) for _ in range(3)]
    await asyncio.gather(*(limiter._ensure_rows("global") for limiter in limiters))
    reserved = await asyncio.gather(*(limiters[n % 3]._reserve_global(1000 + n) for n in range(30)))
    slots = sorted(at for at, _now in reserved)
    # Whichever instance reserved them: never more than 2 at once and 20 a second after (to
    # a millisecond: the slot is read a moment after the bucket was moved).
    assert all(later - earlier >= 1.0 - 1e-3 for earlier, later in zip(slots, slots[22:]))
    assert all(later - earlier >= 0.05 - 1e-3 for earlier, later in zip(slots, slots[2:]))
    assert slots[-1] - slots[0] < 1.45  # and no slot left unused in a backlog


async def test_a_wait_for_the_global_budget_moves_the_chats_later_slots(pg_engine) -> None:
    limits = RateLimits(per_chat_per_second=1.0, per_chat_burst=1, global_per_second=1.0, global_burst=1)
    limiter = SharedRateLimiter(pg_engine, limits)
    await slot(limiter, 7)
    first, now = await limiter._reserve_global(7)
    assert first == now
    other = await slot(limiter, 8)
    assert other - first < 0.5  # another chat: free at once
    at, now = await limiter._reserve_global(8)
    assert at == pytest.approx(first + 1.0)  # but the bot's budget is spent for a second
    # Chat 8's next slot: a second for its own budget, plus the time it waited for the bot's.
    assert await slot(limiter, 8) == pytest.approx(other + 1.0 + (at - now))


async def test_a_flood_wait_holds_every_instance_back(pg_engine) -> None:
    limits = RateLimits(per_chat_per_second=10.0, per_chat_burst=1)
    one, two = SharedRateLimiter(pg_engine, limits), SharedRateLimiter(pg_engine, limits)
    await one._ensure_rows("chat:9", "global")
    one.delay_chat(9, 3)
    await asyncio.gather(*one._blocks)
    at, now, _reserved = await two._reserve_chat(9, spare=False)
    assert at - now == pytest.approx(3.0, abs=0.1)
    async with pg_engine.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM send_budgets"))).scalar_one() == 2


def private_update(update_id: int, chat_id: int, text: str = "hello"):
    from datetime import datetime, timezone

    from aiogram.types import Chat, Message, Update
    from aiogram.types import User as TelegramUser

    sender = TelegramUser(id=chat_id, is_bot=False, first_name="Li", language_code="en")
    message = Message(message_id=update_id, date=datetime(2026, 11, 25, tzinfo=timezone.utc),
                      chat=Chat(id=chat_id, type="private"), from_user=sender, text=text)
    return Update(update_id=update_id, message=message)


async def wait_for_lock_waiter(engine) -> None:
    """Until a transaction waits at an advisory lock (another instance, at the chat's lock)."""
    query = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
    async with engine.connect() as connection:
        async with asyncio.timeout(10):
            while not (await connection.execute(query)).scalar_one():
                await asyncio.sleep(0.01)


def instance(engine, clock):
    """One instance's unit of work on the shared database: its own engine, as another process has."""
    from core.storage.db import create_engine
    from core.storage.uow import UnitOfWork

    own = create_engine(engine.url.render_as_string(hide_password=False))
    sessions = session_factory(own)
    return own, (lambda: UnitOfWork(sessions, clock))


async def test_one_update_at_two_instances_at_once_takes_effect_once(pg_engine, clock) -> None:
    from bot.middlewares.transaction import UpdateTransaction
    from core.intents import Phrase, SendMessage

    engines, calls = [], []
    try:
        middlewares = []
        for _ in range(2):
            own, factory = instance(pg_engine, clock)
            engines.append(own)
            middlewares.append(UpdateTransaction(factory, "en", clock))

        async def handler(event, data):
            calls.append(event.update_id)
            data["uow"].emit(SendMessage(chat_id=77, locale="en", text=Phrase("help.text")))
            await wait_for_lock_waiter(pg_engine)  # the other instance has the same update in hand meanwhile
            return None

        await asyncio.gather(*(m(handler, private_update(5, 77), {}) for m in middlewares))
        assert calls == [5]  # the second waited for the chat, then found the update done
        async with pg_engine.connect() as connection:
            assert (await connection.execute(text("SELECT count(*) FROM outbox"))).scalar_one() == 1
            assert (await connection.execute(text("SELECT outcome FROM processed_updates"))).scalars().all() == ["handled"]
    finally:
        for own in engines:
            await own.dispose()


async def test_a_chats_next_update_at_another_instance_waits_for_the_first(pg_engine, clock) -> None:
    from bot.middlewares.transaction import UpdateTransaction

    engines, order = [], []
    first_inside, release_first = asyncio.Event(), asyncio.Event()
    try:
        middlewares = []
        for _ in range(3):
            own, factory = instance(pg_engine, clock)
            engines.append(own)
            middlewares.append(UpdateTransaction(factory, "en", clock))

        async def handler(event, data):
            order.append(("start", event.update_id))
            if event.update_id == 1:
                first_inside.set()
                await release_first.wait()
            order.append(("end", event.update_id))
            return None

        first = asyncio.create_task(middlewares[0](handler, private_update(1, 88), {}))
        await first_inside.wait()
        second = asyncio.create_task(middlewares[1](handler, private_update(2, 88), {}))
        other_chat = asyncio.create_task(middlewares[2](handler, private_update(3, 99), {}))
        await other_chat  # another chat is not held up
        await wait_for_lock_waiter(pg_engine)
        assert ("start", 2) not in order  # the same chat's next update waits at the lock
        release_first.set()
        await asyncio.gather(first, second)
        assert [step for step in order if step[1] != 3] == [("start", 1), ("end", 1), ("start", 2), ("end", 2)]
    finally:
        for own in engines:
            await own.dispose()


async def test_a_message_whose_lease_was_lost_while_it_waited_is_not_sent(pg_engine) -> None:
    from bot.delivery.lane_claims import LaneLost

    now = [0.0]
    lanes = SharedLanes(session_factory(pg_engine), lease_seconds=20, monotonic=lambda: now[0])
    limiter = SharedRateLimiter(pg_engine, RateLimits(per_chat_per_second=100.0, per_chat_burst=10), lanes=lanes)
    assert await lanes.claim([(11, "chat")]) == {(11, "chat")}
    await limiter.acquire(11)  # held: the message goes
    now[0] = 11.0  # no renewal confirmed for more than half the lease (the database out of reach)
    with pytest.raises(LaneLost):
        await limiter.acquire(11)
    await limiter.acquire(12)  # another chat's messages are not this lane's
    await lanes.release((11, "chat"))
    await limiter.acquire(11)
