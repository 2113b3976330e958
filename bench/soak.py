"""Soak test: simulated customers and staff work whole cases through Kesu for minutes on end.

    .venv/bin/python -m bench.soak [--customers 200] [--staff 5] [--minutes 10] [--rate R]

The unchanged run_bot.py runs as a child process against an in-process fake Bot API server,
with a forum handler group of staff. Customers file complaints through the whole intake
dialog, ask for /status, write about their open cases, accept or reject proposals and rate
the outcome; staff claim new cases and propose solutions from the cards. Every message the
bot must send is counted, so that lost and duplicated messages show up exactly.
See bench/README.md for the workload and what each figure means.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Generator

import psutil

from bench.launcher import ChildProcess, ResourceSampler
from bench.throughput import (
    BOT_USERNAME,
    GLOBAL_LIMIT,
    MIB,
    TOKEN,
    BenchError,
    BenchServer,
    _fmt,
    _round,
    bot_command,
    git_commit,
    percentile,
    print_logs,
    summarize_log,
    wait_until_polling,
)
from fake_telegram import FakeGroup, FakeUser

# Telegram's per-chat and per-group limits would dominate a desk of hundreds of cases in one
# group; raised like the end-to-end tests do, so that the bot's own work is measured.
SEND_LIMITS = {
    **GLOBAL_LIMIT,
    "SEND_PER_CHAT_PER_SECOND": "50",
    "SEND_PER_CHAT_BURST": "20",
    "SEND_PER_GROUP_PER_MINUTE": "60000",
    "SEND_PER_GROUP_BURST": "100",
}
# The deployment's default cap on one customer's open complaints.
MAX_OPEN_CASES = 3
# A customer paced like a person: well under the default flood limit (60 updates a minute).
CUSTOMER_MIN_GAP_SECONDS = 3.5
ACCEPT_SHARE = 0.7
CASE_COUNTS = ("filed", "claimed", "proposed", "accepted", "rejected", "rated", "withdrawn")
NUMBER = re.compile(r"KS-\d{8}-\d{4,}")
FORCE_REPLY = {"force_reply": True}
# What a customer's next step raises when the bot's last reply lacks what it needs (a button...).
CANNOT_GO_ON = (LookupError, RuntimeError, PermissionError, AssertionError, StopIteration)


# -- what customers say ------------------------------------------------------------------------

@dataclass(frozen=True)
class Speech:
    """One locale's typed answers and texts, and how its "case accepted" message reads."""

    language_code: str
    skip: str
    confirm: str
    submit: str
    accepted_marker: str
    statements: tuple[str, ...]
    questions: tuple[str, ...]
    comments: tuple[str, ...]
    reasons: tuple[str, ...]


SPEECHES = (
    Speech(
        "en", "skip", "confirm", "submit", "has been accepted and a member of our team",
        statements=("The kettle I ordered arrived broken and the lid is cracked.",
                    "The courier left my parcel in the rain and everything inside is wet.",
                    "I was charged twice for the same order last week."),
        questions=("Is there any news about my complaint?", "I can send more photos if that helps."),
        comments=("Quick and polite, thank you.", "Fine, but it took a while."),
        reasons=("I would rather have a replacement than a voucher.", "The amount does not cover what I paid."),
    ),
    Speech(
        "zh-cn", "跳过", "确认", "提交", "已受理，我们的同事正在处理",
        statements=("收到的水壶是坏的，盖子有裂缝。", "快递员把包裹放在雨里，里面的东西全湿了。", "上周同一笔订单被扣了两次款。"),
        questions=("我的投诉有进展吗？", "如果需要，我可以再发几张照片。"),
        comments=("处理很快，态度很好，谢谢。", "还可以，就是等得有点久。"),
        reasons=("我想要换新的，不要代金券。", "这个金额不够赔偿我的损失。"),
    ),
    Speech(
        "zh-hk", "跳過", "確認", "送出", "已受理，我們的同仁正在處理",
        statements=("收到的水壺是壞的，蓋子有裂縫。", "快遞員把包裹放在雨裡，裡面的東西全濕了。", "上週同一筆訂單被扣了兩次款。"),
        questions=("我的客訴有進度嗎？", "如果需要，我可以再傳幾張照片。"),
        comments=("處理很快，態度很好，謝謝。", "還可以，就是等得有點久。"),
        reasons=("我想要換新的，不要禮券。", "這個金額不夠賠償我的損失。"),
    ),
)
PROPOSALS = ("我们将全额退款 199 元。", "我们明天寄出新的商品，并上门取回坏的那件。", "我们提供 50 元代金券作为补偿。")


# -- reading bot messages ----------------------------------------------------------------------

def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]


def button_data(message: dict[str, Any], suffix: str) -> list[str]:
    return [b["callback_data"] for b in buttons(message) if b.get("callback_data", "").endswith(suffix)]


def has_button(part: str) -> Callable[[list[dict[str, Any]]], bool]:
    return lambda replies: any(part in b.get("callback_data", "") for b in buttons(replies[-1]))


def mentions(number: str) -> Callable[[list[dict[str, Any]]], bool]:
    return lambda replies: number in (replies[-1].get("text") or "")


def names_a_case(replies: list[dict[str, Any]]) -> bool:
    return NUMBER.search(replies[-1].get("text") or "") is not None


def asks_for_contact(replies: list[dict[str, Any]]) -> bool:
    keyboard = (replies[-1].get("_reply_markup") or {}).get("keyboard") or []
    return any(b.get("request_contact") for row in keyboard for b in row)


def anything(replies: list[dict[str, Any]]) -> bool:
    return True


def customer_kind(message: dict[str, Any], speech: Speech) -> str:
    """What a message in a customer's chat answers: their own last action, or staff work."""
    if button_data(message, ":accept"):
        return "proposal"
    if speech.accepted_marker in (message.get("text") or ""):
        return "accepted"
    return "reply"


def group_kind(message: dict[str, Any]) -> str:
    """A thread message's kind: a prompt for staff, or the emoji its text starts with."""
    if message.get("_reply_markup") == FORCE_REPLY:
        return "prompt"
    text = message.get("text") or message.get("caption") or ""
    return text[:1] or "?"


# -- expected messages ---------------------------------------------------------------------------

Key = tuple[str, Any, str]  # ("chat", chat_id, kind) or ("case", number, kind)


@dataclass(eq=False)
class Action:
    """One update sent on someone's behalf, and the bot messages it must cause."""

    actor: str  # "customer" or "staff"
    name: str
    needs: Counter[Key]
    sent_at: float
    messages: list[dict[str, Any]] = field(default_factory=list)
    first_at: float | None = None
    last_at: float | None = None
    timed_out: bool = False
    done: asyncio.Future[None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())

    def replies(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["_kind"] == kind]


class Ledger:
    """Counts the messages expected and received per key, and hands each arriving message
    to the oldest action still waiting for one of its key."""

    def __init__(self, reply_timeout: float) -> None:
        self.reply_timeout = reply_timeout
        self.expected: Counter[Key] = Counter()
        self.received: Counter[Key] = Counter()
        self.overdue: Counter[Key] = Counter()
        self.late: Counter[Key] = Counter()
        self.waiting: dict[Key, deque[Action]] = defaultdict(deque)
        self.open: set[Action] = set()
        self.finished: list[Action] = []

    def start(self, action: Action) -> None:
        for key, count in action.needs.items():
            self.expected[key] += count
            self.waiting[key].append(action)
        self.open.add(action)

    def expect(self, key: Key, count: int = 1) -> None:
        """A message nobody waits for (a thread notice), checked only by counting."""
        self.expected[key] += count

    def arrived(self, key: Key, message: dict[str, Any]) -> None:
        self.received[key] += 1
        queue = self.waiting.get(key)
        if not queue:
            if self.overdue[key]:
                self.overdue[key] -= 1
                self.late[key] += 1
            return
        action = queue[0]
        action.needs[key] -= 1
        if not action.needs[key]:
            queue.popleft()
        action.messages.append(message)
        action.first_at = action.first_at or message["_sent_at"]
        action.last_at = message["_sent_at"]
        if not +action.needs:
            self._finish(action)

    def expire(self, now: float) -> None:
        for action in [a for a in self.open if now - a.sent_at > self.reply_timeout]:
            action.timed_out = True
            for key, count in (+action.needs).items():
                self.waiting[key].remove(action)
                self.overdue[key] += count
            self._finish(action)

    def _finish(self, action: Action) -> None:
        self.open.discard(action)
        self.finished.append(action)
        action.done.set_result(None)

    def missing(self, scope: str) -> int:
        return sum(max(0, n - self.received[k]) for k, n in self.expected.items() if k[0] == scope)

    def duplicated(self, scope: str) -> int:
        return sum(max(0, n - self.expected[k]) for k, n in self.received.items() if k[0] == scope)

    def late_count(self, scope: str) -> int:
        return sum(n for k, n in self.late.items() if k[0] == scope)

    def unexpected_keys(self) -> list[str]:
        extra = {k: n - self.expected[k] for k, n in self.received.items() if n > self.expected[k]}
        return [f"{k} x{n}" for k, n in sorted(extra.items(), key=lambda item: -item[1])[:10]]

    def missing_keys(self) -> list[str]:
        short = {k: n - self.received[k] for k, n in self.expected.items() if n > self.received[k]}
        return [f"{k} x{n}" for k, n in sorted(short.items(), key=lambda item: -item[1])[:10]]


# -- cases and customers ----------------------------------------------------------------------------

@dataclass(eq=False)
class SoakCase:
    number: str
    customer: Customer | None = None
    case_id: int | None = None
    card_id: int | None = None
    thread_id: int | None = None
    resolved: bool = False
    withdrawn: bool = False


@dataclass
class Step:
    """One customer action: what to send, how many replies it gets, what the last must show."""

    name: str
    send: Callable[[], Any]
    replies: int = 1
    check: Callable[[list[dict[str, Any]]], bool] = anything
    thread_effects: tuple[tuple[str, str], ...] = ()  # (case number, kind) posted in the group


Episode = Generator[Step, list[dict[str, Any]], None]


class Customer:
    """A customer who does one thing at a time: each episode (filing a complaint, answering a
    proposal...) is a series of steps, each waiting for the bot's replies."""

    def __init__(self, soak: Soak, user: FakeUser, speech: Speech, rng: random.Random) -> None:
        self.soak = soak
        self.user = user
        self.speech = speech
        self.rng = rng
        self.cases: list[SoakCase] = []  # open cases, oldest first
        self.proposals: deque[dict[str, Any]] = deque()
        self.episode: Episode | None = None
        self.next_step: Step | None = None
        self.idle_since = 0.0
        self.retired = False

    @property
    def chat_id(self) -> int:
        return self.user.chat_id

    # --- driving ------------------------------------------------------------------------------
    def take_step(self) -> Step:
        while self.next_step is None:
            self.episode = self.choose_episode()
            self.next_step = next(self.episode, None)
        step, self.next_step = self.next_step, None
        return step

    def replied(self, replies: list[dict[str, Any]]) -> None:
        """Feeds the replies to the episode, which prepares its next step or ends."""
        assert self.episode is not None
        try:
            self.next_step = self.episode.send(replies)
        except StopIteration:
            self.episode, self.next_step = None, None

    def choose_episode(self) -> Episode:
        if self.proposals:
            return self.answer_proposal(self.proposals.popleft())
        resolved = [c for c in self.cases if c.resolved]
        options: list[tuple[Callable[[], Episode], int]] = [(self.ask_status, 1)]
        if len(self.cases) < MAX_OPEN_CASES:
            options.append((self.file_complaint, 5))
        elif resolved:
            # At the cap, a customer gives up an old settled case so that they can file again.
            options.append((lambda: self.withdraw(resolved[0]), 5))
        if self.cases:
            options.append((self.write_about_case, 2))
        episodes, weights = zip(*options)
        return self.rng.choices(episodes, weights)[0]()

    def proposal_arrived(self, message: dict[str, Any]) -> None:
        # A copy of a proposal still waiting replaces it: the ledger counts the duplicate, and
        # answering both would only add a second failure.
        accept = button_data(message, ":accept")
        for waiting in [p for p in self.proposals if button_data(p, ":accept") == accept]:
            self.proposals.remove(waiting)
        self.proposals.append(message)

    # --- helpers ------------------------------------------------------------------------------
    def press(self, message: dict[str, Any], data: str) -> Callable[[], Any]:
        return lambda: self.user.press_button(message["message_id"], data)

    def say(self, text: str) -> Callable[[], Any]:
        return lambda: self.user.send_text(text)

    def command(self, text: str) -> Callable[[], Any]:
        return lambda: self.user.send_command(text)

    def case_button(self, message: dict[str, Any], number: str) -> str:
        return next(b["callback_data"] for b in buttons(message) if b["text"] == number)

    # --- episodes -----------------------------------------------------------------------------
    def file_complaint(self) -> Episode:
        speech, rng = self.speech, self.rng
        replies = yield Step("intake: /new", self.command("/new"), 2, has_button(":cat:"))
        category = rng.choice([d for d in button_data(replies[-1], "") if ":cat:" in d and not d.endswith(":unsure")])
        replies = yield Step("intake: category", self.press(replies[-1], category), 1, has_button(":done"))
        replies = yield Step("intake: statement", self.say(rng.choice(speech.statements)), 1, has_button(":done"))
        replies = yield Step("intake: done", self.press(replies[-1], button_data(replies[-1], ":done")[0]), 1,
                             has_button(":skip"))
        yield Step("intake: skip reference", self.say(speech.skip), 1, asks_for_contact)
        yield Step("intake: skip contact", self.say(speech.skip), 2, has_button(":ok"))
        replies = yield Step("intake: confirm", self.say(speech.confirm), 1, has_button(":res:"))
        remedy = rng.choice([d for d in button_data(replies[-1], "") if ":res:" in d and not d.endswith(":other")])
        yield Step("intake: resolution", self.press(replies[-1], remedy), 1, has_button(":submit"))
        replies = yield Step("intake: submit", self.say(speech.submit), 1, names_a_case)
        match = NUMBER.search(replies[-1].get("text") or "")
        assert match is not None
        self.soak.case_filed(self, match.group(0))

    def ask_status(self) -> Episode:
        if self.cases and self.rng.random() < 0.5:
            number = self.rng.choice(self.cases).number
            yield Step("/status number", self.command(f"/status {number}"), 1, mentions(number))
        else:
            yield Step("/status", self.command("/status"), 1, anything)

    def write_about_case(self) -> Episode:
        case = self.rng.choice(self.cases)
        text = self.rng.choice(self.speech.questions)
        if len(self.cases) == 1:
            yield Step("message about a case", self.say(text), 1, mentions(case.number), ((case.number, "👤"),))
            return
        replies = yield Step("message about a case", self.say(text), 1, has_button("r:"))
        yield Step("message: which case", self.press(replies[-1], self.case_button(replies[-1], case.number)), 1,
                   mentions(case.number), ((case.number, "👤"),))

    def answer_proposal(self, proposal: dict[str, Any]) -> Episode:
        number = NUMBER.search(proposal.get("text") or "")
        case = self.soak.cases.get(number.group(0)) if number else None
        if case is None or case not in self.cases:
            text = (proposal.get("text") or "")[:80]
            self.soak.note_problem(f"proposal for a case the customer does not have: {text!r}")
            return
        if self.rng.random() < ACCEPT_SHARE:
            yield from self.accept(proposal, case)
        else:
            yield from self.reject(proposal, case)

    def accept(self, proposal: dict[str, Any], case: SoakCase) -> Episode:
        replies = yield Step("proposal: accept", self.press(proposal, button_data(proposal, ":accept")[0]), 1,
                             has_button(":rate:"), ((case.number, "✅"), (case.number, "📝")))
        case.resolved = True
        self.soak.counts["accepted"] += 1
        stars = self.rng.choice((3, 4, 5))
        rate = next(d for d in button_data(replies[-1], f".{stars}") if ":rate:" in d)
        yield Step("rating: stars", self.press(replies[-1], rate), 1, has_button(":asp:"), ((case.number, "⭐"),))
        self.soak.counts["rated"] += 1
        yield Step("rating: comment", self.say(self.rng.choice(self.speech.comments)), 1, mentions(case.number),
                   ((case.number, "💬"),))

    def reject(self, proposal: dict[str, Any], case: SoakCase) -> Episode:
        yield Step("proposal: reject", self.press(proposal, button_data(proposal, ":reject")[0]), 1,
                   mentions(case.number))
        yield Step("proposal: reason", self.say(self.rng.choice(self.speech.reasons)), 1, mentions(case.number),
                   ((case.number, "✖"),))
        self.soak.counts["rejected"] += 1
        self.soak.desk.reopened(case)

    def withdraw(self, case: SoakCase) -> Episode:
        replies = yield Step("withdraw: /withdraw", self.command("/withdraw"), 1, has_button(":withdraw"))
        replies = yield Step("withdraw: which", self.press(replies[-1], self.case_button(replies[-1], case.number)), 1,
                             has_button(":withdraw_yes"))
        yield Step("withdraw: yes", self.press(replies[-1], button_data(replies[-1], ":withdraw_yes")[0]), 1,
                   mentions(case.number), ((case.number, "↩"),))
        case.withdrawn = True
        self.cases.remove(case)
        self.soak.counts["withdrawn"] += 1


# -- staff ------------------------------------------------------------------------------------------

class Desk:
    """Staff in the forum handler group: one takes each new case, claims it and proposes a
    solution; a reopened case gets a new proposal from whoever is free."""

    def __init__(self, soak: Soak, group: FakeGroup, members: list[FakeUser], think: float, rng: random.Random) -> None:
        self.soak = soak
        self.group = group
        self.members = members
        self.think = think
        self.rng = rng
        self.jobs: asyncio.Queue[tuple[str, SoakCase]] = asyncio.Queue()

    def card_or_filing_seen(self, case: SoakCase) -> None:
        # A case is claimable once both its card and its customer are known, in either order.
        if case.card_id is not None and case.customer is not None:
            self.jobs.put_nowait(("claim", case))

    def reopened(self, case: SoakCase) -> None:
        self.jobs.put_nowait(("propose", case))

    async def work(self, member: FakeUser) -> None:
        while True:
            job, case = await self.jobs.get()
            if self.soak.stopping:
                continue
            try:
                if job == "propose" or await self.claim(member, case):
                    await self.propose(member, case)
            except CANNOT_GO_ON as error:
                self.soak.note_problem(f"staff: {job} {case.number}: could not act: {error!r}")

    async def claim(self, member: FakeUser, case: SoakCase) -> bool:
        await asyncio.sleep(self.think)
        if self.soak.stopping:
            return False
        assert case.customer is not None and case.card_id is not None
        action = self.soak.act(
            "staff", "staff: claim",
            lambda: member.press_button(case.card_id, f"s:{case.case_id}:claim", chat=self.group),
            {("case", case.number, "🙋"): 1, ("chat", case.customer.chat_id, "accepted"): 1},
        )
        await action.done
        if not action.timed_out:
            self.soak.counts["claimed"] += 1
        return not action.timed_out and not self.soak.stopping

    async def propose(self, member: FakeUser, case: SoakCase) -> None:
        await asyncio.sleep(self.think)
        if self.soak.stopping:
            return
        assert case.customer is not None and case.card_id is not None
        asked = self.soak.act(
            "staff", "staff: propose button",
            lambda: member.press_button(case.card_id, f"s:{case.case_id}:propose", chat=self.group),
            {("case", case.number, "prompt"): 1},
        )
        await asked.done
        if asked.timed_out or self.soak.stopping:
            return
        prompt = asked.messages[0]
        await asyncio.sleep(self.think)
        text = self.rng.choice(PROPOSALS)
        sent = self.soak.act(
            "staff", "staff: proposal text",
            lambda: member.send_text_in(self.group, text, reply_to_message_id=prompt["message_id"],
                                        message_thread_id=case.thread_id),
            {("case", case.number, "✓"): 1, ("chat", case.customer.chat_id, "proposal"): 1},
        )
        await sent.done
        if not sent.timed_out:
            self.soak.counts["proposed"] += 1


# -- the load ---------------------------------------------------------------------------------------

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

    def case_filed(self, customer: Customer, number: str) -> None:
        case = self.cases.setdefault(number, SoakCase(number))
        case.customer = customer
        customer.cases.append(case)
        self.counts["filed"] += 1
        self.ledger.expect(("case", number, "📋"))
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

    # --- figures ---------------------------------------------------------------------------------
    def figures(self) -> dict[str, Any]:
        finished = self.ledger.finished
        answered = [a for a in finished if a.first_at is not None and not a.timed_out]
        by_actor = {actor: sorted((a.first_at - a.sent_at) * 1000 for a in answered if a.actor == actor)
                    for actor in ("customer", "staff")}
        window = None
        if answered:
            window = max(a.last_at for a in answered) - self.started_at
        lags = sorted(lag * 1000 for lag in self.send_lags)
        return {
            "load_s": _round(self.sending_ended_at - self.started_at, 1),
            "drain_s": _round(self.drained_at - self.sending_ended_at, 1),
            "rss_half_time_mib": round(self.rss_half_time / MIB, 1),
            "customer_actions": self.updates_sent["customer"],
            "staff_actions": self.updates_sent["staff"],
            "updates_sent": sum(self.updates_sent.values()),
            "updates_answered": len(answered),
            "achieved_updates_per_s": _round(len(answered) / window if window else None, 1),
            "latency_ms": {actor: latency_summary(values) for actor, values in by_actor.items()},
            "steps": step_table(answered),
            "timed_out_actions": sum(a.timed_out for a in finished),
            "send_lag_ms": {"p99": _round(percentile(lags, 99), 1), "max": _round(lags[-1] if lags else None, 1)},
            "waited_for_customer": self.waited_for_customer,
            "customers_retired": sum(c.retired for c in self.customers.values()),
            "cases": {k: self.counts[k] for k in CASE_COUNTS},
            "customer_chats": self._scope_figures("chat"),
            "group_threads": self._scope_figures("case"),
            "harness_problems": dict(self.problems.most_common(10)),
            "harness_problem_count": sum(self.problems.values()),
            "ledger_notes": {"missing": self.ledger.missing_keys(), "unexpected": self.ledger.unexpected_keys()},
        }

    def _scope_figures(self, scope: str) -> dict[str, int]:
        return {
            "expected": sum(n for k, n in self.ledger.expected.items() if k[0] == scope),
            "received": sum(n for k, n in self.ledger.received.items() if k[0] == scope),
            "lost": self.ledger.missing(scope),
            "late": self.ledger.late_count(scope),
            "duplicated": self.ledger.duplicated(scope),
        }


def latency_summary(ordered: list[float]) -> dict[str, float | None]:
    return {
        "count": len(ordered),
        "p50": _round(percentile(ordered, 50), 1),
        "p90": _round(percentile(ordered, 90), 1),
        "p99": _round(percentile(ordered, 99), 1),
        "max": _round(ordered[-1] if ordered else None, 1),
    }


def step_table(answered: list[Action]) -> dict[str, dict[str, float | None]]:
    by_step: dict[str, list[float]] = defaultdict(list)
    for action in answered:
        by_step[action.name].append((action.first_at - action.sent_at) * 1000)
    return {name: latency_summary(sorted(values)) for name, values in sorted(by_step.items())}


# -- the bot and the desk ---------------------------------------------------------------------------

def create_desk(server: BenchServer, size: int) -> tuple[FakeGroup, list[FakeUser]]:
    """The first staff member is a supervisor, the others agents; all in one forum group."""
    staff = [server.create_user(first_name=f"Staff {i}", language_code="zh-cn") for i in range(size)]
    members = {member: "administrator" if i == 0 else "member" for i, member in enumerate(staff)}
    return server.create_group(title="Complaints desk", forum=True, members=members), staff


def write_deployment(workdir: Path, staff: list[FakeUser]) -> Path:
    path = workdir / "kesu.toml"
    path.write_text(
        "[staff]\n"
        f"agents = [{', '.join(str(m.id) for m in staff[1:])}]\n"
        f"supervisors = [{staff[0].id}]\n"
        "directors = []\n",
        encoding="utf-8",
    )
    return path


def kesu_command(base_url: str, workdir: Path, group: FakeGroup,
                 staff: list[FakeUser]) -> tuple[list[str], dict[str, str]]:
    argv, env = bot_command("kesu", base_url, workdir)
    env.update(SEND_LIMITS, HANDLER_CHAT_ID=str(group.id), CONFIG_FILE=str(write_deployment(workdir, staff)))
    return argv, env


def failed_api_calls(server: BenchServer) -> Counter[str]:
    return Counter(f"{call.method} -> {call.outcome}" for call in server.calls if call.outcome not in ("ok", "pending"))


def refused_buttons(server: BenchServer) -> Counter[str]:
    """Button presses the bot answered with an alert: it refused what the harness thought allowed."""
    return Counter(a.get("text", "") for a in server.callback_answers if a.get("show_alert"))


async def run_soak(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    server = BenchServer(token=TOKEN, bot_username=BOT_USERNAME)
    await server.start()
    group, staff = create_desk(server, args.staff)
    argv, env = kesu_command(server.base_url, workdir, group, staff)
    child = ChildProcess(argv, env, workdir, workdir / "kesu.log")
    sampler: ResourceSampler | None = None
    harness = psutil.Process()
    try:
        child.start()
        sampler = ResourceSampler(child.pid)
        sampler.start()
        await wait_until_polling(server, child, "kesu", timeout=60)
        rss_start = sampler.sample()
        soak = Soak(server, group, staff, args, sampler.sample)
        server.on_bot_message = soak.on_bot_message
        bot_cpu0, own_cpu0, wall0 = sampler.cpu_seconds(), sum(harness.cpu_times()[:2]), time.monotonic()
        await soak.run()
        wall = time.monotonic() - wall0
        bot_cpu, own_cpu = sampler.cpu_seconds() - bot_cpu0, sum(harness.cpu_times()[:2]) - own_cpu0
        if child.exited():
            raise BenchError(f"kesu exited with code {child.process.returncode} during the run; "
                             f"log tail:\n{child.log_text()[-3000:]}")
        figures = soak.figures()
        figures.update(
            rss_start_mib=round(rss_start / MIB, 1),
            rss_end_mib=round(sampler.sample() / MIB, 1),
            rss_peak_mib=round(sampler.peak / MIB, 1),
            bot_cpu_percent=round(100 * bot_cpu / wall, 1),
            harness_cpu_percent=round(100 * own_cpu / wall, 1),
            failed_api_calls=dict(failed_api_calls(server)),
            refused_buttons=dict(refused_buttons(server)),
            unanswered_buttons=len(server.pending_callbacks),
            unconfirmed_updates=len(server.bot.queue),
        )
    finally:
        if sampler is not None:
            sampler.stop()
        await child.stop()
        await server.stop()
    figures["exit_code"] = child.returncode
    figures["log"] = summarize_log("kesu", child.log_text())
    return figures


# -- output -----------------------------------------------------------------------------------------

def error_count(f: dict[str, Any]) -> int:
    log = f["log"]
    return (log["error_lines"] + log["update_outcomes"].get("error", 0) + sum(f["failed_api_calls"].values())
            + sum(f["refused_buttons"].values()) + f["unanswered_buttons"] + f["harness_problem_count"]
            + f["timed_out_actions"])


def lost_or_duplicated(f: dict[str, Any]) -> int:
    return sum(f[scope][k] for scope in ("customer_chats", "group_threads") for k in ("lost", "late", "duplicated"))


def print_figures(f: dict[str, Any]) -> None:
    cust, staff, log = f["latency_ms"]["customer"], f["latency_ms"]["staff"], f["log"]
    lag, cases = f["send_lag_ms"], f["cases"]
    rows = [
        ("load / drain duration s", f"{_fmt(f['load_s'])} / {_fmt(f['drain_s'])}"),
        ("customer actions sent", f["customer_actions"]),
        ("staff actions sent", f["staff_actions"]),
        ("updates sent", f["updates_sent"]),
        ("updates answered in time", f["updates_answered"]),
        ("achieved updates/s", f["achieved_updates_per_s"]),
        ("customer latency p50/p90/p99/max ms", "/".join(_fmt(cust[k]) for k in ("p50", "p90", "p99", "max"))),
        ("staff latency p50/p90/p99/max ms", "/".join(_fmt(staff[k]) for k in ("p50", "p90", "p99", "max"))),
        ("bot RSS start / half time MiB", f"{_fmt(f['rss_start_mib'])} / {_fmt(f['rss_half_time_mib'])}"),
        ("bot RSS peak / end MiB", f"{_fmt(f['rss_peak_mib'])} / {_fmt(f['rss_end_mib'])}"),
        ("bot CPU % (of one core)", f["bot_cpu_percent"]),
        ("harness CPU %", f["harness_cpu_percent"]),
        ("send lag p99 / max ms", f"{_fmt(lag['p99'])} / {_fmt(lag['max'])}"),
        ("sends that waited for a customer", f["waited_for_customer"]),
        ("cases filed/claimed/proposed", "/".join(str(cases[k]) for k in ("filed", "claimed", "proposed"))),
        ("proposals accepted/rejected, rated", f"{cases['accepted']}/{cases['rejected']}, {cases['rated']}"),
        ("cases withdrawn", cases["withdrawn"]),
        ("ERROR log lines", log["error_lines"]),
        ("updates failed (outcome error)", log["update_outcomes"].get("error", 0)),
        ("non-2xx API answers", sum(f["failed_api_calls"].values())),
        ("buttons refused / unanswered", f"{sum(f['refused_buttons'].values())} / {f['unanswered_buttons']}"),
        ("unexpected replies (harness)", f["harness_problem_count"]),
        ("actions timed out", f["timed_out_actions"]),
        ("customers retired", f["customers_retired"]),
        ("updates never confirmed", f["unconfirmed_updates"]),
    ]
    for scope, label in (("customer_chats", "customer chats"), ("group_threads", "group threads")):
        s = f[scope]
        rows.append((f"{label}: expected / received", f"{s['expected']:,} / {s['received']:,}"))
        rows.append((f"{label}: lost / late / duplicated", f"{s['lost']} / {s['late']} / {s['duplicated']}"))
    rows.append(("bot exit code", f["exit_code"]))
    for label, value in rows:
        print(f"{label:38}{_fmt(value):>24}")


def print_steps(f: dict[str, Any]) -> None:
    print(f"{'step':30}{'count':>8}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    for name, s in f["steps"].items():
        print(f"{name:30}{s['count']:>8,}{_fmt(s['p50']):>10}{_fmt(s['p99']):>10}{_fmt(s['max']):>10}")


def print_problems(f: dict[str, Any], ledger_notes: dict[str, list[str]]) -> None:
    for title, items in (("non-2xx API answers", f["failed_api_calls"]), ("buttons refused", f["refused_buttons"]),
                         ("unexpected replies", f["harness_problems"])):
        for text, count in items.items():
            print(f"{title}: {count:>5} x {text}")
    for title, keys in ledger_notes.items():
        if keys:
            print(f"{title}: {', '.join(keys)}")


def report(args: argparse.Namespace, f: dict[str, Any], ledger_notes: dict[str, list[str]]) -> bool:
    print()
    print_figures(f)
    print()
    print_steps(f)
    print()
    print_logs({"kesu": f})
    print_problems(f, ledger_notes)
    errors, broken = error_count(f), lost_or_duplicated(f)
    ok = errors == 0 and broken == 0
    summary = {
        "benchmark": "soak",
        "commit": git_commit(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "customers": args.customers,
        "staff": args.staff,
        "minutes": args.minutes,
        "rate": args.rate,
        "reply_timeout_s": args.reply_timeout,
        "seed": args.seed,
        "ok": ok,
        "errors": errors,
        "lost_late_or_duplicated": broken,
        **{k: v for k, v in f.items() if k not in ("log", "steps")},
        "update_outcomes": f["log"]["update_outcomes"],
        "update_ms": f["log"]["update_ms"],
    }
    print()
    if not ok:
        print(f"FAILED: {broken} messages lost, late or duplicated; {errors} errors (see above).")
    print(json.dumps(summary, ensure_ascii=False, separators=(",", ":")), flush=True)
    return ok


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=200, help="simulated customers (default 200)")
    parser.add_argument("--staff", type=int, default=5, help="staff in the handler group (default 5)")
    parser.add_argument("--minutes", type=float, default=10.0, help="minutes of load (default 10)")
    parser.add_argument("--rate", type=float, default=20.0,
                        help="offered customer actions per second, all customers together (default 20)")
    parser.add_argument("--staff-think", type=float, default=0.5,
                        help="seconds a staff member takes before each action (default 0.5)")
    parser.add_argument("--reply-timeout", type=float, default=30.0,
                        help="a message not there this many seconds after its action is lost (default 30)")
    parser.add_argument("--grace", type=float, default=2.0,
                        help="seconds to wait at the end for duplicates to show up (default 2)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the customers' and staff's choices (default 1)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir with the bot's log and database")
    args = parser.parse_args(argv)
    if min(args.customers, args.staff) < 1 or min(args.minutes, args.rate, args.reply_timeout) <= 0 \
            or min(args.staff_think, args.grace) < 0:
        parser.error("--customers, --staff, --minutes, --rate and --reply-timeout must be positive")
    return args


def print_plan(args: argparse.Namespace) -> None:
    gap = args.customers / args.rate
    print(f"Soak: {args.customers} customers and {args.staff} staff for {args.minutes:g} min; offered "
          f"{args.rate:g} customer actions/s (each customer about every {gap:.1f} s, at most one unanswered "
          f"action each); staff think {args.staff_think:g} s; reply timeout {args.reply_timeout:g} s.")
    print(f"Kesu sending limits raised: global {SEND_LIMITS['SEND_GLOBAL_PER_SECOND']}/s, per chat "
          f"{SEND_LIMITS['SEND_PER_CHAT_PER_SECOND']}/s, per group {SEND_LIMITS['SEND_PER_GROUP_PER_MINUTE']}/min. "
          f"SQLite database, LOG_LEVEL=INFO.")
    if gap < CUSTOMER_MIN_GAP_SECONDS:
        print(f"WARNING: customers/rate = {gap:.1f} s is below the {CUSTOMER_MIN_GAP_SECONDS} s pause each customer "
              f"keeps; the offered rate cannot be reached.")
    print(flush=True)


async def _main(args: argparse.Namespace, workdir: Path) -> bool:
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    print_plan(args)
    figures = await run_soak(args, workdir)
    notes = figures.pop("ledger_notes", {})
    return report(args, figures, notes)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="kesu-soak-"))
    keep = args.keep
    try:
        ok = asyncio.run(_main(args, workdir))
        keep = keep or not ok
        return 0 if ok else 1
    except BenchError as error:
        keep = True
        print(f"soak could not run: {error}", file=sys.stderr)
        return 2
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        if keep:
            print(f"log and database kept in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
