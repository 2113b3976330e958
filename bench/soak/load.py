"""The load: customer actions offered at a fixed rate, staff jobs on top, every bot message
routed to the ledger, and the drain at the end."""
from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections import Counter, deque
from typing import Any, Callable

from bench.launcher import MIB
from bench.soak.customers import CUSTOMER_MIN_GAP_SECONDS, Customer, SoakCase, Step
from bench.soak.ledger import Action, Key, Ledger
from bench.soak.messages import CANNOT_GO_ON, NUMBER, button_data, customer_kind, group_kind
from bench.soak.speech import SPEECHES
from bench.soak.staff import Desk
from bench.throughput import BenchServer, _fmt, _round, percentile
from fake_telegram import FakeGroup, FakeUser


class Soak:
    """Offers customer actions at a fixed rate (open loop), each from the customer who has been
    idle longest; a customer never has more than one unanswered action."""

    def __init__(self, server: BenchServer, group: FakeGroup, staff: list[FakeUser], args: argparse.Namespace,
                 rss_now: Callable[[], int]) -> None:
        self.server = server
        self.group = group
        self.args = args
        self.rss_now = rss_now
        self.ledger = Ledger(args.reply_timeout)
        self.cases: dict[str, SoakCase] = {}
        self.counts: Counter[str] = Counter()
        self.problems: Counter[str] = Counter()
        self.customers = {c.chat_id: c for c in map(self._create_customer, range(args.customers))}
        self.desk = Desk(self, group, staff, args.staff_think, random.Random(f"{args.seed}:staff"))
        self.idle: deque[Customer] = deque(self.customers.values())
        self.idle_changed = asyncio.Event()
        self.stopping = False
        self.send_lags: list[float] = []
        self.waited_for_customer = 0
        self.updates_sent: Counter[str] = Counter()
        self.started_at = 0.0
        self.sending_ended_at = 0.0
        self.drained_at = 0.0
        self.rss_half_time = 0

    def _create_customer(self, index: int) -> Customer:
        # English, Simplified and Traditional Chinese customers in turn.
        speech = SPEECHES[index % len(SPEECHES)]
        user = self.server.create_user(first_name=f"Customer {index}", language_code=speech.language_code)
        return Customer(self, user, speech, random.Random(f"{self.args.seed}:{index}"))

    # --- bookkeeping called by customers and staff ---------------------------------------------
    def act(self, actor: str, name: str, send: Callable[[], Any], needs: dict[Key, int]) -> Action:
        send()
        action = Action(actor, name, Counter(needs), time.monotonic())
        self.updates_sent[actor] += 1
        self.ledger.start(action)
        return action

    def case_filed(self, customer: Customer, number: str, repeat_of: str | None = None) -> None:
        case = self.cases.setdefault(number, SoakCase(number))
        case.customer = customer
        customer.cases.append(case)
        self.counts["filed"] += 1
        self.ledger.expect(("case", number, "📋"))
        if repeat_of is not None:
            # Both threads are told of a repeat complaint.
            self.counts["repeats"] += 1
            self.ledger.expect(("case", number, "🔁"))
            self.ledger.expect(("case", repeat_of, "🔁"))
        self.desk.card_or_filing_seen(case)

    def note_problem(self, text: str) -> None:
        self.problems[text] += 1

    def _give_up(self, customer: Customer, problem: str) -> None:
        self.note_problem(problem)
        customer.retired = True

    # --- messages from the bot --------------------------------------------------------------------
    def on_bot_message(self, chat_id: int, message: dict[str, Any]) -> None:
        if chat_id == self.group.id:
            self._group_message(message)
            return
        customer = self.customers.get(chat_id)
        if customer is None:
            self.ledger.arrived(("chat", chat_id, "stranger"), message)
            return
        kind = message["_kind"] = customer_kind(message, customer.speech)
        if kind == "proposal":
            customer.proposal_arrived(message)
        self.ledger.arrived(("chat", chat_id, kind), message)

    def _group_message(self, message: dict[str, Any]) -> None:
        kind = message["_kind"] = group_kind(message)
        number = self._number_of_thread(message.get("message_thread_id"))
        if kind == "📋" and number is not None:
            self._card_seen(number, message)
        self.ledger.arrived(("case", number, kind), message)

    def _number_of_thread(self, thread_id: int | None) -> str | None:
        topic = self.group.topic_map.get(thread_id) if thread_id is not None else None
        match = NUMBER.search(topic.name) if topic is not None else None
        return match.group(0) if match else None

    def _card_seen(self, number: str, message: dict[str, Any]) -> None:
        claim = button_data(message, ":claim")
        if not claim:
            return
        case = self.cases.setdefault(number, SoakCase(number))
        if case.card_id is not None:
            return  # a second card: counted as a duplicate by the ledger
        case.card_id, case.thread_id = message["message_id"], message.get("message_thread_id")
        case.case_id = int(claim[0].split(":")[1])
        self.desk.card_or_filing_seen(case)

    # --- customers --------------------------------------------------------------------------------
    def perform(self, customer: Customer) -> None:
        try:
            step = customer.take_step()
            action = self.act("customer", step.name, step.send, {("chat", customer.chat_id, "reply"): step.replies})
        except CANNOT_GO_ON as error:
            self._give_up(customer, f"could not act: {error!r}")
            return
        for number, kind in step.thread_effects:
            self.ledger.expect(("case", number, kind))
        action.done.add_done_callback(lambda _: self._answered(customer, step, action))

    def _answered(self, customer: Customer, step: Step, action: Action) -> None:
        replies = action.replies("reply")
        if action.timed_out:
            # A late reply must not be taken for the answer to this customer's next action.
            customer.retired = True
            return
        if not step.check(replies):
            self._give_up(customer, f"{step.name}: unexpected reply {(replies[-1].get('text') or '')[:100]!r}")
            return
        try:
            customer.replied(replies)
        except CANNOT_GO_ON as error:
            self._give_up(customer, f"after {step.name}: {error!r}")
            return
        customer.idle_since = time.monotonic()
        self.idle.append(customer)
        self.idle_changed.set()

    async def next_customer(self, end: float) -> Customer | None:
        """The customer idle longest, once their pause since the last reply is over."""
        waited = False
        while time.monotonic() < end:
            if self.idle:
                ready_at = self.idle[0].idle_since + CUSTOMER_MIN_GAP_SECONDS
                if ready_at <= time.monotonic():
                    self.waited_for_customer += waited
                    return self.idle.popleft()
                timeout = ready_at - time.monotonic()
            else:
                timeout = end - time.monotonic()
            waited = True
            self.idle_changed.clear()
            try:
                await asyncio.wait_for(self.idle_changed.wait(), max(0.0, min(timeout, end - time.monotonic())))
            except TimeoutError:
                pass
        return None

    # --- the run ---------------------------------------------------------------------------------
    async def run(self) -> None:
        background = [asyncio.create_task(self._expire()), asyncio.create_task(self._report_progress()),
                      *(asyncio.create_task(self.desk.work(member)) for member in self.desk.members)]
        try:
            await self._drive()
            self.stopping = True
            self.sending_ended_at = time.monotonic()
            await self._drain()
            self.drained_at = time.monotonic()
        finally:
            for task in background:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)

    async def _drive(self) -> None:
        self.started_at = time.monotonic()
        end = self.started_at + self.args.minutes * 60
        half_time = self.started_at + self.args.minutes * 30
        for i in range(round(self.args.rate * self.args.minutes * 60)):
            planned = self.started_at + i / self.args.rate
            delay = planned - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            if not self.rss_half_time and time.monotonic() >= half_time:
                # Past the one-off growth of the first minutes, so that half time to end shows a leak.
                self.rss_half_time = self.rss_now()
            customer = await self.next_customer(end)
            if customer is None:
                return
            self.send_lags.append(time.monotonic() - planned)
            self.perform(customer)

    async def _drain(self) -> None:
        """Waits for every awaited reply (or its timeout), then for thread notices, then for
        duplicates to show up."""
        while self.ledger.open:
            await asyncio.sleep(0.05)
        deadline = time.monotonic() + self.args.reply_timeout
        while (self.ledger.missing("chat") or self.ledger.missing("case")) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        await asyncio.sleep(self.args.grace)

    async def _expire(self) -> None:
        while True:
            await asyncio.sleep(0.2)
            self.ledger.expire(time.monotonic())

    async def _report_progress(self) -> None:
        interval = 30 if self.args.minutes <= 2 else 60
        reported = 0
        while True:
            await asyncio.sleep(interval)
            done = self.ledger.finished[reported:]
            reported = len(self.ledger.finished)
            latencies = sorted((a.first_at - a.sent_at) * 1000 for a in done if a.first_at is not None)
            print(f"  {time.monotonic() - self.started_at:6.0f} s: {sum(self.updates_sent.values()):>7,} updates sent, "
                  f"{len(done) / interval:5.1f} actions done/s, p99 {_fmt(_round(percentile(latencies, 99), 0))} ms, "
                  f"{len(self.ledger.open)} waiting, {self.counts['filed']:,} cases filed, "
                  f"bot RSS {self.rss_now() / MIB:.1f} MiB", flush=True)
