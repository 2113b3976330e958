import asyncio
import heapq
import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.delivery.limits import RateLimits, SendRateLimiter

TOL = 1e-6


class FakeClock:
    """Virtual time: sleepers park on futures and time jumps to the earliest wake-up
    once every task has run as far as it can."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self._timers: list[tuple[float, int, asyncio.Future]] = []
        self._seq = itertools.count()
        self._activity = 0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        fut = asyncio.get_running_loop().create_future()
        heapq.heappush(self._timers, (self.now + seconds, next(self._seq), fut))
        self._activity += 1
        await fut

    async def _settle(self, tasks) -> None:
        # Lock hand-offs take a few loop turns without sleeping, so wait until
        # nothing has changed for a while.
        calm, last = 0, None
        while calm < 20:
            await asyncio.sleep(0)
            mark = (self._activity, len(self._timers), sum(t.done() for t in tasks))
            calm = calm + 1 if mark == last else 0
            last = mark

    async def run(self, *coros):
        tasks = [asyncio.ensure_future(c) for c in coros]
        while True:
            await self._settle(tasks)
            if all(t.done() for t in tasks):
                return [t.result() for t in tasks]
            assert self._timers, "deadlock: tasks pending and nobody sleeping"
            self.now = max(self.now, self._timers[0][0])
            while self._timers and self._timers[0][0] <= self.now:
                fut = heapq.heappop(self._timers)[2]
                if not fut.done():
                    fut.set_result(None)

    async def advance(self, seconds: float) -> None:
        await self.run(self.sleep(seconds))


def make(limits: RateLimits | None = None, clock: FakeClock | None = None):
    clock = clock or FakeClock()
    limiter = SendRateLimiter(limits or RateLimits(), monotonic=clock.monotonic, sleep=clock.sleep)
    return clock, limiter


def assert_windows(times: list[float], burst: int, rate: float) -> None:
    """No window [t_i, t_j] holds more than burst + rate * (t_j - t_i) sends."""
    times = sorted(times)
    for i in range(len(times)):
        for j in range(i, len(times)):
            count = j - i + 1
            allowed = burst + rate * (times[j] - times[i]) + TOL
            assert count <= allowed, f"{count} sends in [{times[i]}, {times[j]}], allowed {allowed}"


class Recorder:
    def __init__(self, clock: FakeClock, limiter: SendRateLimiter) -> None:
        self.clock, self.limiter = clock, limiter
        self.sent: list[tuple[int, float]] = []

    async def send(self, chat_id: int, tag=None) -> None:
        await self.limiter.acquire(chat_id)
        self.sent.append((chat_id, self.clock.now) if tag is None else (chat_id, self.clock.now, tag))

    async def send_many(self, chat_id: int, count: int) -> None:
        for _ in range(count):
            await self.send(chat_id)

    def times(self, chat_id: int | None = None) -> list[float]:
        return [e[1] for e in self.sent if chat_id is None or e[0] == chat_id]


def rel(times, start=1000.0):
    return [round(t - start, 6) for t in times]


def test_defaults_stay_within_telegram_figures():
    lim = RateLimits()
    assert lim.per_group_burst + lim.per_group_per_minute <= 20
    assert lim.global_burst + lim.global_per_second <= 30
    assert lim.per_chat_per_second == 1.0


@pytest.mark.parametrize(
    "kwargs",
    [{"per_chat_per_second": 0}, {"global_burst": 0}, {"per_group_per_minute": -1}, {"prune_interval": 0}],
)
def test_invalid_limits_rejected(kwargs):
    with pytest.raises(ValueError):
        RateLimits(**kwargs)


async def test_private_chat_burst_then_one_per_second():
    clock, limiter = make(RateLimits(per_chat_per_second=1.0, per_chat_burst=3))
    rec = Recorder(clock, limiter)
    await clock.run(rec.send_many(42, 8))
    assert rel(rec.times()) == [0, 0, 0, 1, 2, 3, 4, 5]


async def test_bucket_refills_while_idle_but_not_beyond_burst():
    clock, limiter = make(RateLimits(per_chat_per_second=1.0, per_chat_burst=3))
    rec = Recorder(clock, limiter)
    await clock.run(rec.send_many(7, 3))
    await clock.advance(100)
    await clock.run(rec.send_many(7, 5))
    assert rel(rec.times()) == [0, 0, 0, 100, 100, 100, 101, 102]


async def test_group_rate_over_any_window():
    lim = RateLimits(per_group_per_minute=20, per_group_burst=5)
    clock, limiter = make(lim)
    rec = Recorder(clock, limiter)
    await clock.run(rec.send_many(-100123, 60))
    times = rec.times()
    assert rel(times[:6]) == [0, 0, 0, 0, 0, 3]
    assert_windows(times, 5, 20 / 60)
    # Concretely: never more than burst + 20 in any minute.
    for t in times:
        assert sum(t <= u <= t + 60 for u in times) <= 25


async def test_groups_and_private_chats_use_their_own_buckets():
    lim = RateLimits(per_chat_per_second=1, per_chat_burst=1, per_group_per_minute=6, per_group_burst=1)
    clock, limiter = make(lim)
    rec = Recorder(clock, limiter)
    await clock.run(rec.send_many(5, 3), rec.send_many(-5, 3))
    assert rel(rec.times(5)) == [0, 1, 2]
    assert rel(rec.times(-5)) == [0, 10, 20]


async def test_global_cap_across_many_chats():
    lim = RateLimits(global_per_second=30, global_burst=30, per_chat_burst=3)
    clock, limiter = make(lim)
    rec = Recorder(clock, limiter)
    await clock.run(*(rec.send_many(chat, 3) for chat in range(1, 101)))
    times = rec.times()
    assert len(times) == 300
    assert_windows(times, 30, 30)
    # The global bucket, not the chats, is the bottleneck: 30 at once, then 30/s.
    assert rel(times)[-1] == pytest.approx(270 / 30)
    for chat in range(1, 101):
        assert_windows(rec.times(chat), 3, 1)


async def test_global_waiters_served_in_arrival_order():
    clock, limiter = make(RateLimits(global_per_second=1, global_burst=1))
    rec = Recorder(clock, limiter)

    async def staggered(chat_id, after):
        await clock.sleep(after)
        await rec.send(chat_id, tag=after)

    # Arrival order differs from chat id order and from coroutine order.
    arrivals = {10: 0.3, 11: 0.1, 12: 0.5, 13: 0.2, 14: 0.4}
    await clock.run(rec.send(1), *(staggered(c, a) for c, a in arrivals.items()))
    served = [e[0] for e in rec.sent]
    assert served == [1, 11, 13, 10, 14, 12]
    assert rel(rec.times()) == [0, 1, 2, 3, 4, 5]


async def test_delay_chat_postpones_only_that_chat():
    clock, limiter = make()
    rec = Recorder(clock, limiter)
    limiter.delay_chat(1, 10)
    assert limiter.seconds_until_ready(1) == pytest.approx(10)
    assert limiter.seconds_until_ready(2) == 0
    await clock.run(rec.send(1), rec.send(2), rec.send(-3))
    assert rel(rec.times(1)) == [10]
    assert rel(rec.times(2)) == [0]
    assert rel(rec.times(-3)) == [0]


async def test_delay_chat_resumes_without_a_fresh_burst():
    clock, limiter = make(RateLimits(per_chat_per_second=1, per_chat_burst=3))
    rec = Recorder(clock, limiter)
    limiter.delay_chat(1, 30)
    await clock.run(rec.send_many(1, 3))
    assert rel(rec.times()) == [30, 31, 32]


async def test_delay_chat_while_acquire_is_waiting():
    clock, limiter = make(RateLimits(per_chat_per_second=1, per_chat_burst=1))
    rec = Recorder(clock, limiter)

    async def flood_wait_arrives():
        await clock.sleep(0.5)
        limiter.delay_chat(1, 5)

    await clock.run(rec.send_many(1, 2), flood_wait_arrives())
    assert rel(rec.times()) == [0, 5.5]


async def test_delay_never_shortens_an_existing_delay():
    clock, limiter = make()
    limiter.delay_chat(1, 10)
    limiter.delay_chat(1, 2)
    assert limiter.seconds_until_ready(1) == pytest.approx(10)


async def test_concurrent_acquires_on_one_chat_are_serialised():
    clock, limiter = make(RateLimits(per_chat_per_second=1, per_chat_burst=2))
    rec = Recorder(clock, limiter)
    await clock.run(*(rec.send(5, tag=i) for i in range(6)))
    assert rel(rec.times()) == [0, 0, 1, 2, 3, 4]
    assert [e[2] for e in rec.sent] == list(range(6))  # first come, first served


async def test_single_token_is_not_taken_twice():
    clock, limiter = make(RateLimits(per_chat_per_second=0.5, per_chat_burst=1))
    rec = Recorder(clock, limiter)
    await clock.run(rec.send(5))
    # One token will be back in 2 s; three tasks race for it.
    await clock.run(*(rec.send(5) for _ in range(3)))
    assert rel(rec.times()) == [0, 2, 4, 6]


async def test_seconds_until_ready():
    clock, limiter = make(RateLimits(per_chat_per_second=1, per_chat_burst=2, global_burst=100))
    rec = Recorder(clock, limiter)
    assert limiter.seconds_until_ready(1) == 0
    assert limiter.tracked_chats == 0  # asking does not allocate
    await clock.run(rec.send_many(1, 2))
    assert limiter.seconds_until_ready(1) == pytest.approx(1)
    assert limiter.seconds_until_ready(2) == 0
    await clock.advance(0.25)
    assert limiter.seconds_until_ready(1) == pytest.approx(0.75)


async def test_seconds_until_ready_counts_queued_senders():
    clock, limiter = make(RateLimits(per_chat_per_second=1, per_chat_burst=1))
    observed = []

    async def observe():
        await clock.sleep(0.5)
        observed.append(limiter.seconds_until_ready(1))

    rec = Recorder(clock, limiter)
    await clock.run(rec.send(1), rec.send(1), rec.send(1), observe())
    # At t=0.5 two senders are still queued for the token due at 1 and 2.
    assert observed == [pytest.approx(2.5)]


async def test_pruning_frees_idle_buckets():
    clock, limiter = make(RateLimits(prune_interval=60))
    rec = Recorder(clock, limiter)
    await clock.run(*(rec.send(c) for c in range(1, 501)))
    limiter.delay_chat(7, 1000)
    assert limiter.tracked_chats == 500
    await clock.advance(61)
    await clock.run(rec.send(10_000))
    # Everything idle and full is gone; the blocked chat and the new one remain.
    assert limiter.tracked_chats == 2
    assert limiter.seconds_until_ready(7) == pytest.approx(1000 - 61)


async def test_pruning_keeps_buckets_that_still_matter():
    lim = RateLimits(per_group_per_minute=1, per_group_burst=3, prune_interval=10)
    clock, limiter = make(lim)
    rec = Recorder(clock, limiter)
    await clock.run(rec.send_many(-1, 3))
    await clock.advance(11)
    await clock.run(rec.send(2))
    assert limiter.tracked_chats == 2  # the group is still refilling
    # Its state survived pruning: the next message waits for the token due at t=60.
    await clock.run(rec.send(-1))
    assert rel(rec.times(-1)) == [0, 0, 0, 60]


async def test_cancelled_acquire_releases_its_place():
    clock, limiter = make(RateLimits(per_chat_per_second=1, per_chat_burst=1))
    rec = Recorder(clock, limiter)
    await clock.run(rec.send(1))
    waiting = asyncio.ensure_future(limiter.acquire(1))
    await asyncio.sleep(0)
    waiting.cancel()
    await clock.run(rec.send(1))
    assert waiting.cancelled()
    assert rel(rec.times()) == [0, 1]


async def test_real_clock_smoke():
    limiter = SendRateLimiter(RateLimits(per_chat_per_second=1000, per_chat_burst=1, global_per_second=1000))
    for _ in range(3):
        await asyncio.wait_for(limiter.acquire(1), timeout=5)


@settings(max_examples=40, deadline=None)
@given(
    chat_rate=st.sampled_from([0.5, 1.0, 3.0]),
    chat_burst=st.integers(1, 4),
    group_per_minute=st.sampled_from([6.0, 20.0, 60.0]),
    group_burst=st.integers(1, 5),
    global_rate=st.sampled_from([2.0, 5.0, 30.0]),
    global_burst=st.integers(1, 10),
    seed=st.integers(0, 2**32 - 1),
)
def test_random_traffic_never_exceeds_any_window(
    chat_rate, chat_burst, group_per_minute, group_burst, global_rate, global_burst, seed
):
    lim = RateLimits(
        per_chat_per_second=chat_rate,
        per_chat_burst=chat_burst,
        per_group_per_minute=group_per_minute,
        per_group_burst=group_burst,
        global_per_second=global_rate,
        global_burst=global_burst,
        prune_interval=5,
    )
    rnd = random.Random(seed)
    chats = [1, 2, 3, -1, -2]
    # (number of sends so far, end of the block) per delay_chat call
    blocked: dict[int, list[tuple[int, float]]] = {c: [] for c in chats}

    async def scenario():
        clock, limiter = make(lim)
        rec = Recorder(clock, limiter)

        async def traffic():
            spawned = []
            for _ in range(120):
                await clock.sleep(rnd.choice([0, 0, 0.05, 0.3, 1.0, 4.0]))
                chat = rnd.choice(chats)
                if rnd.random() < 0.05:
                    seconds = rnd.uniform(0.5, 5)
                    limiter.delay_chat(chat, seconds)
                    blocked[chat].append((len(rec.sent), clock.now + seconds))
                spawned.append(asyncio.ensure_future(rec.send(chat)))
            await asyncio.gather(*spawned)

        await clock.run(traffic())
        return rec

    rec = asyncio.run(scenario())
    assert len(rec.sent) == 120
    assert_windows(rec.times(), global_burst, global_rate)
    for chat in chats:
        times = rec.times(chat)
        if chat < 0:
            assert_windows(times, group_burst, group_per_minute / 60)
        else:
            assert_windows(times, chat_burst, chat_rate)
    for index, (chat, t) in enumerate(rec.sent):
        assert not any(index >= since and t < end - TOL for since, end in blocked[chat])


class SpareRecorder(Recorder):
    async def send_spare(self, chat_id: int, tag="spare") -> None:
        await self.limiter.acquire(chat_id, spare=True)
        self.sent.append((chat_id, self.clock.now, tag))


async def test_a_spare_call_waits_for_everyone_a_person_waits_for():
    clock, limiter = make(RateLimits(per_group_per_minute=60, per_group_burst=3))
    rec = SpareRecorder(clock, limiter)
    await clock.run(rec.send_many(-1, 3))

    async def relays_after(seconds: float) -> None:
        await clock.sleep(seconds)
        await asyncio.gather(rec.send(-1, tag="a"), rec.send(-1, tag="b"))

    # The card refresh asked first, while the bucket was empty; the relays that came after still go first.
    await clock.run(rec.send_spare(-1), relays_after(0.5))
    assert [e[2] for e in rec.sent[3:]] == ["a", "b", "spare"]
    # Then it waits until two tokens are back, one of them left for whoever comes next.
    assert rel(rec.times()[3:]) == [1, 2, 4]


async def test_a_spare_call_leaves_a_token_for_whoever_comes_next():
    clock, limiter = make(RateLimits(per_group_per_minute=60, per_group_burst=3))
    rec = SpareRecorder(clock, limiter)
    await clock.run(rec.send_many(-1, 2))

    async def relay_after(seconds: float) -> None:
        await clock.sleep(seconds)
        await rec.send(-1, tag="relay")

    await clock.run(rec.send_spare(-1), relay_after(1.0))
    # One token was left: the spare call waited for a second, and the relay right after it did not wait.
    assert [(e[2] if len(e) > 2 else None, t) for e, t in zip(rec.sent, rel(rec.times()))] == [
        (None, 0), (None, 0), ("spare", 1), ("relay", 1)]


async def test_a_spare_call_goes_at_once_when_nobody_else_sends():
    clock, limiter = make(RateLimits(per_chat_per_second=1, per_chat_burst=1))
    rec = SpareRecorder(clock, limiter)
    await clock.run(rec.send_spare(5))
    await clock.run(rec.send_spare(5), rec.send(6))
    # A bucket of one keeps no reserve: the spare call only waits for the token itself.
    assert rel(rec.times(5)) == [0, 1] and rel(rec.times(6)) == [0]


async def test_a_spare_call_honours_a_flood_wait():
    clock, limiter = make(RateLimits(per_group_per_minute=17, per_group_burst=3))
    rec = SpareRecorder(clock, limiter)
    limiter.delay_chat(-1, 10)
    await clock.run(rec.send_spare(-1))
    # The bucket resumes with one token after a flood wait; the spare call leaves it for a person.
    assert rel(rec.times()) == [pytest.approx(10 + 60 / 17)]
