"""What the customer and the case's thread hear after a step of its lifecycle: one
handler per step, run by core/services/case_events.py in the step's transaction. A new
rule about who is told what is one more handler here.

Answers to the person who acted (a refusal, a prompt, a form's summary) stay with the
step's service; this module holds what follows from the step itself.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from core.domain.lifecycle import FINAL_STAGES, Stage
from core.domain.sla import DeadlineKind
from core.domain.events import Claimed, Escalated, RelatedCasesFound, StaffWroteToCustomer, StageChanged
from core.domain.scripts import for_reader
from core.intents import Button, Lines, Phrase, SendMessage
from core.services.case_card import stage_name
from core.services.customer_buttons import appeal_buttons, proposal_buttons
from core.services.repeats import reference_label, why
from core.services.resolution_record import ask_next as ask_for_resolution_record
from core.services.routing import notice_in_thread
from core.services.satisfaction import star_buttons
from core.services.staff_desk import StaffDesk
from core.storage.models import Case
from core.storage.uow import UnitOfWork

StageHandler = Callable[[UnitOfWork, StaffDesk, StageChanged], Awaitable[None]]
_AFTER_STEP: dict[str, StageHandler] = {}


def after(*triggers: str) -> Callable[[StageHandler], StageHandler]:
    def register(handler: StageHandler) -> StageHandler:
        for trigger in triggers:
            assert trigger not in _AFTER_STEP, f"two handlers for {trigger}"
            _AFTER_STEP[trigger] = handler
        return handler

    return register


async def stage_changed(uow: UnitOfWork, desk: StaffDesk, event: StageChanged) -> None:
    handler = _AFTER_STEP.get(event.trigger)
    if handler is not None:
        await handler(uow, desk, event)


async def _tell_customer(uow: UnitOfWork, case: Case, text: Phrase, buttons: tuple[tuple[Button, ...], ...] = ()) -> None:
    customer = await uow.users.get(case.customer_id)
    if customer is not None:
        uow.emit(SendMessage(customer.id, customer.locale, text, buttons))


# --- the customer's steps ------------------------------------------------------------------

@after("claim")
async def _claimed(uow: UnitOfWork, desk: StaffDesk, event: StageChanged) -> None:
    # The customer hears of every stage change, whether staff claimed or assigned it.
    await _tell_customer(uow, event.case, Phrase("customer.accepted", number=event.case.number))


@after("accept_solution")
async def _solution_accepted(uow: UnitOfWork, desk: StaffDesk, event: StageChanged) -> None:
    case = event.case
    await _tell_customer(uow, case, Phrase("customer.solution_accepted", number=case.number), star_buttons(case))
    notice_in_thread(uow, desk, case, Phrase("staff.notice.solution_accepted"))
    await ask_for_resolution_record(uow, desk, case)


@after("reject_solution")
async def _solution_rejected(uow: UnitOfWork, desk: StaffDesk, event: StageChanged) -> None:
    case = event.case
    await _tell_customer(uow, case, Phrase("customer.reopened", number=case.number))
    notice_in_thread(uow, desk, case, Phrase("staff.notice.solution_rejected", reason=event.said, tier=case.tier))


@after("reopen_unsatisfied")
async def _reopened_unsatisfied(uow: UnitOfWork, desk: StaffDesk, event: StageChanged) -> None:
    case = event.case
    await _tell_customer(uow, case, Phrase("customer.reopened", number=case.number))
    notice_in_thread(uow, desk, case, Phrase("staff.notice.reopened_unsatisfied", tier=case.tier))


@after("follow_up_ok")
async def _solved_at_follow_up(uow: UnitOfWork, desk: StaffDesk, event: StageChanged) -> None:
    case = event.case
    await _tell_customer(uow, case, Phrase("customer.closed_after_follow_up", number=case.number))
    notice_in_thread(uow, desk, case, Phrase("staff.notice.follow_up_ok"))


@after("follow_up_not_solved")
async def _not_solved_at_follow_up(uow: UnitOfWork, desk: StaffDesk, event: StageChanged) -> None:
    case = event.case
    await _tell_customer(uow, case, Phrase("customer.reopened", number=case.number))
    notice_in_thread(uow, desk, case, Phrase("staff.notice.follow_up_not_solved", tier=case.tier))


@after("appeal")
async def _appealed(uow: UnitOfWork, desk: StaffDesk, event: StageChanged) -> None:
    case = event.case
    await _tell_customer(uow, case, Phrase("customer.appealed", number=case.number))
    notice_in_thread(uow, desk, case, Phrase("staff.notice.appealed", tier=case.tier))


@after("withdraw")
async def _withdrawn(uow: UnitOfWork, desk: StaffDesk, event: StageChanged) -> None:
    case = event.case
    await _tell_customer(uow, case, Phrase("customer.withdrawn", number=case.number))
    notice_in_thread(uow, desk, case, Phrase("staff.notice.withdrawn"))


# --- the clock's steps -----------------------------------------------------------------------

@after("close_unanswered")
async def _closed_unanswered(uow: UnitOfWork, desk: StaffDesk, event: StageChanged) -> None:
    case = event.case
    if event.before == Stage.FOLLOW_UP:
        await _tell_customer(uow, case, Phrase("customer.follow_up_closed", number=case.number))
        notice_in_thread(uow, desk, case, Phrase("deadline.follow_up_closed", number=case.number))
    else:
        await _tell_customer(uow, case, Phrase("customer.closed_unanswered", number=case.number))
        notice_in_thread(uow, desk, case, Phrase("deadline.closed_unanswered", number=case.number))


@after("finish")
async def _follow_up_planned(uow: UnitOfWork, desk: StaffDesk, event: StageChanged) -> None:
    # The stage's deadlines were planned before this handler ran (case_events).
    follow_up_at = await uow.deadlines.next_of_kind(event.case.id, DeadlineKind.FOLLOW_UP) or uow.clock.now()
    await _tell_customer(uow, event.case, Phrase("customer.follow_up_planned", number=event.case.number, at=follow_up_at))


# --- staff's steps ---------------------------------------------------------------------------

async def claimed(uow: UnitOfWork, desk: StaffDesk, event: Claimed) -> None:
    notice_in_thread(uow, desk, event.case, Phrase("staff.notice.claimed", name=event.by))


async def escalated(uow: UnitOfWork, desk: StaffDesk, event: Escalated) -> None:
    notice_in_thread(uow, desk, event.case, Phrase("staff.notice.escalated", name=event.by, tier=event.case.tier))


_TO_CUSTOMER: dict[str, Callable[[Case, str], tuple[Phrase, tuple[tuple[Button, ...], ...]]]] = {
    # action: the customer's message and its buttons, from the case and staff's words
    "ask": lambda case, words: (Phrase("customer.question", number=case.number, text=words), ()),
    "propose": lambda case, words: (Phrase("customer.proposal", number=case.number, text=words), proposal_buttons(case)),
    "reject": lambda case, words: (Phrase("customer.rejected", number=case.number, reason=words), appeal_buttons(case)),
    "terminate": lambda case, words: (Phrase("customer.terminated", number=case.number, reason=words), ()),
}


async def staff_wrote_to_customer(uow: UnitOfWork, desk: StaffDesk, event: StaffWroteToCustomer) -> None:
    """The customer reads staff's words in their own script (OpenCC)."""
    case = event.case
    customer = await uow.users.get(case.customer_id)
    locale = customer.locale if customer else case.locale
    text, buttons = _TO_CUSTOMER[event.action](case, for_reader(event.text, locale, desk.staff.traditional_standard))
    uow.emit(SendMessage(case.customer_id, locale, text, buttons))
    notice_in_thread(uow, desk, case, Phrase("staff.notice.sent_to_customer", name=event.by))


# --- filing ----------------------------------------------------------------------------------

async def related_found(uow: UnitOfWork, desk: StaffDesk, event: RelatedCasesFound) -> None:
    """Both threads hear of a repeat, with why it was judged one, and the new case's tier's
    staff are called; the customer hears what became of their complaint. A reference other
    customers gave too is flagged in the new thread, by case number only."""
    case, earlier = event.case, event.repeat_of
    if earlier is not None:
        reason = why(desk, event.reason, event.likeness, event.reference, case.category)
        tier_staff = {2: desk.staff.supervisors, 3: desk.staff.directors}.get(case.tier, desk.staff.agents)
        staff = Lines([Phrase("deadline.mention", user_id=user_id) for user_id in sorted(tier_staff)])
        notice_in_thread(
            uow, desk, case,
            Phrase("staff.notice.repeat_of", number=earlier.number, stage=stage_name(earlier.stage), why=reason, tier=case.tier, staff=staff),
        )
        raised = Phrase("staff.notice.repeat_raised", tier=earlier.tier) if event.raised else ""
        notice_in_thread(uow, desk, earlier, Phrase("staff.notice.repeated_by", number=case.number, why=reason, raised=raised))
        still_open = earlier.stage not in FINAL_STAGES
        code = Phrase("customer.repeat_of_open", number=case.number, earlier=earlier.number) if still_open else Phrase(
            "customer.repeat_of_closed", number=case.number, earlier=earlier.number
        )
        await _tell_customer(uow, case, code)
    for key, numbers in event.shared:
        notice_in_thread(
            uow, desk, case,
            Phrase("staff.notice.shared_reference", label=reference_label(desk, key), count=len(numbers), cases=", ".join(numbers)),
        )
