"""Simulated customers: episodes of steps (file a complaint, ask for status, answer a proposal...)."""
from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Generator

from bench.soak.messages import (
    NUMBER,
    anything,
    asks_for_contact,
    button_data,
    buttons,
    has_button,
    mentions,
    names_a_case,
)
from bench.soak.speech import Speech
from fake_telegram import FakeUser

if TYPE_CHECKING:
    from bench.soak.load import Soak

# The deployment's default cap on one customer's open complaints.
MAX_OPEN_CASES = 3
# A customer paced like a person: well under the default flood limit (60 updates a minute).
CUSTOMER_MIN_GAP_SECONDS = 3.5
ACCEPT_SHARE = 0.7


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
        # The newest case filed with each statement: the same words again are a repeat
        # complaint (docs/process.md §4), answered with one more message and two notices.
        self.filed_with: dict[str, str] = {}
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
        statement = rng.choice(speech.statements)
        replies = yield Step("intake: statement", self.say(statement), 1, has_button(":done"))
        replies = yield Step("intake: done", self.press(replies[-1], button_data(replies[-1], ":done")[0]), 1,
                             has_button(":skip"))
        yield Step("intake: skip reference", self.say(speech.skip), 1, asks_for_contact)
        yield Step("intake: skip contact", self.say(speech.skip), 2, has_button(":ok"))
        replies = yield Step("intake: confirm", self.say(speech.confirm), 1, has_button(":res:"))
        remedy = rng.choice([d for d in button_data(replies[-1], "") if ":res:" in d and not d.endswith(":other")])
        yield Step("intake: resolution", self.press(replies[-1], remedy), 1, has_button(":submit"))
        repeat_of = self.filed_with.get(statement)
        replies = yield Step("intake: submit", self.say(speech.submit), 2 if repeat_of else 1, names_a_case)
        match = NUMBER.search(replies[0].get("text") or "")
        assert match is not None
        self.filed_with[statement] = match.group(0)
        self.soak.case_filed(self, match.group(0), repeat_of)

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
