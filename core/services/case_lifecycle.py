"""The customer's side of a case's lifecycle: accepting or rejecting a proposed solution
(a rejection reopens the case one tier up), appealing a rejection, answering the
follow-up, reopening after a low rating, and withdrawing a case. What the customer and
the thread hear after each step is in core/services/case_messages.py.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Awaitable, Callable, Iterable

from core.intents import AnswerCallback, Button, Phrase, SendMessage
from core.services.callbacks import CustomerButton
from core.services.case_stage import advance, may
from core.services.satisfaction import AWAITING_RATING_COMMENT, Satisfaction
from core.services.staff_desk import StaffDesk
from core.storage.models import Case, User
from core.storage.uow import UnitOfWork

AWAITING_REJECTION_REASON = "rejection_reason"

DecisionHandler = Callable[["CustomerDecisions", Case], Awaitable[None]]


@dataclass(frozen=True)
class Decision:
    trigger: str  # the lifecycle trigger the button stands for: stale unless it may fire now
    handler: DecisionHandler
    stale_while_awaiting: bool = False  # stale while the case waits for the customer's words


# Every decision button, each declared with @_decision beside its handler. The rating
# buttons ("rate", "asp") are core.services.satisfaction's.
DECISIONS: dict[str, Decision] = {}


def _decision(action: str, *, trigger: str, stale_while_awaiting: bool = False) -> Callable[[DecisionHandler], DecisionHandler]:
    """Declares the handler of the customer's button `action` and the trigger that guards it."""

    def register(handler: DecisionHandler) -> DecisionHandler:
        if action in DECISIONS:
            raise ValueError(f"customer button {action!r} declared twice")
        DECISIONS[action] = Decision(trigger, handler, stale_while_awaiting)
        return handler

    return register


def waiting_for_words(cases: Iterable[Case]) -> Case | None:
    """The case whose question the customer's next words answer: why a proposal was
    rejected, or a comment on a rating (which may come after the case closed)."""
    return next((c for c in cases if c.awaiting in (AWAITING_REJECTION_REASON, AWAITING_RATING_COMMENT)), None)


class CustomerDecisions:
    def __init__(self, uow: UnitOfWork, desk: StaffDesk, customer: User) -> None:
        self.uow = uow
        self.desk = desk
        self.customer = customer

    def _say(self, text: Phrase, buttons: tuple[tuple[Button, ...], ...] = ()) -> None:
        self.uow.emit(SendMessage(self.customer.id, self.customer.locale, text, buttons))

    def _record(self, case: Case, action: str, **detail: object) -> None:
        now = self.uow.clock.now()
        case.updated_at = now
        self.uow.cases.record_event(case.id, now, f"customer:{self.customer.id}", action, **detail)

    async def press(self, callback_id: str, data: str) -> None:
        button = CustomerButton.decode(data)
        case = await self.uow.cases.get(button.case_id) if button else None
        # A customer can only ever act on their own case.
        if button is None or case is None or case.customer_id != self.customer.id:
            self.uow.emit(AnswerCallback(self.customer.id, self.customer.locale, callback_id, Phrase("button.expired")))
            return
        action = button.action
        if action in ("rate", "asp"):
            await Satisfaction(self.uow, self.desk, self.customer).press(callback_id, case, action, button.arg)
            return
        decision = DECISIONS.get(action)
        if decision is None or not may(case, decision.trigger) or (decision.stale_while_awaiting and case.awaiting):
            self.uow.emit(AnswerCallback(self.customer.id, self.customer.locale, callback_id, Phrase("button.expired")))
            return
        self.uow.emit(AnswerCallback(self.customer.id, self.customer.locale, callback_id))
        await decision.handler(self, case)

    @_decision("accept", trigger="accept_solution")
    async def _accept(self, case: Case) -> None:
        await advance(self.uow, case, "accept_solution")
        self._record(case, "solution_accepted")

    @_decision("reopen", trigger="reopen_unsatisfied")
    async def _reopen(self, case: Case) -> None:
        """docs/process.md §3: a dissatisfied customer reopens the case one tier up."""
        case.awaiting = None
        await advance(self.uow, case, "reopen_unsatisfied")
        self._record(case, "reopened_unsatisfied", tier=case.tier)

    @_decision("fu_yes", trigger="follow_up_ok")
    async def _fu_yes(self, case: Case) -> None:
        await advance(self.uow, case, "follow_up_ok")
        case.awaiting = None
        self._record(case, "follow_up_ok")

    @_decision("fu_no", trigger="follow_up_not_solved")
    async def _fu_no(self, case: Case) -> None:
        await advance(self.uow, case, "follow_up_not_solved")
        case.awaiting = None
        self._record(case, "follow_up_not_solved", tier=case.tier)

    @_decision("reject", trigger="reject_solution", stale_while_awaiting=True)
    async def _reject(self, case: Case) -> None:
        case.awaiting = AWAITING_REJECTION_REASON
        self._say(Phrase("customer.why_rejected", number=case.number))

    async def rejection_reason(self, case: Case, text: str) -> None:
        """The customer's words after rejecting a proposal: the case reopens one tier up."""
        case.awaiting = None
        if not await advance(self.uow, case, "reject_solution", said=text):
            return
        self._record(case, "solution_rejected", reason=text)

    @_decision("appeal", trigger="appeal")
    async def _appeal(self, case: Case) -> None:
        """docs/process.md §3: a rejected case may be appealed once; it reopens one tier up."""
        if not await advance(self.uow, case, "appeal"):
            self._say(Phrase("customer.appeal_used", number=case.number))
            return
        self._record(case, "appealed", tier=case.tier)

    @_decision("withdraw", trigger="withdraw")
    async def _withdraw(self, case: Case) -> None:
        self._say(
            Phrase("customer.withdraw_question", number=case.number),
            ((Button(Phrase("customer.button.withdraw_yes"), CustomerButton(case.id, "withdraw_yes").encode()),),),
        )

    @_decision("withdraw_yes", trigger="withdraw")
    async def _withdraw_yes(self, case: Case) -> None:
        await advance(self.uow, case, "withdraw")
        case.awaiting = None
        self._record(case, "withdrawn")

    async def answer_awaited(self, text: str) -> bool:
        """True when the text answers a question we asked (see waiting_for_words)."""
        case = waiting_for_words(await self.uow.cases.for_customer(self.customer.id))
        if case is None:
            return False
        if case.awaiting == AWAITING_REJECTION_REASON:
            await self.rejection_reason(case, text)
        else:
            await Satisfaction(self.uow, self.desk, self.customer).comment(case, text)
        return True

    async def withdraw_command(self) -> None:
        cases = await self.uow.cases.open_for_customer(self.customer.id)
        if not cases:
            self._say(Phrase("customer.nothing_to_withdraw"))
            return
        buttons = tuple(
            (Button(Phrase("relay.case_button", number=c.number), CustomerButton(c.id, "withdraw").encode()),) for c in cases
        )
        self._say(Phrase("customer.which_to_withdraw"), buttons)
