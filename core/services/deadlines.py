"""Stage deadlines: scheduled as rows when a case enters a stage, acted on when due.

Before a deadline (at the policy's reminder point) the thread is reminded. At a breach
the customer hears where the case stands and by when to expect news (never silence),
the case goes up one tier, that tier is called in the thread, and the next breach is
scheduled. Each row is handled in one transaction with the messages it causes, so a
restart can neither skip nor repeat it.
"""
from __future__ import annotations

from typing import Any

from core.domain.sla import STAFF_STAGES
from core.intents import Lines, Phrase, SendMessage
from core.services.case_card import stage_name
from core.services.case_stage import transition
from core.services.routing import notice_in_thread, refresh_card
from core.services.staff_desk import StaffDesk
from core.storage.models import Case
from core.storage.uow import UnitOfWork


async def advance(uow: UnitOfWork, desk: StaffDesk, case: Case, trigger: str, **inputs: Any) -> bool:
    """A lifecycle step that, when it changes the stage, replans the stage's deadlines."""
    before = case.stage
    if not transition(case, trigger, **inputs):
        return False
    if case.stage != before:
        await schedule_stage(uow, desk, case)
    return True


async def schedule_stage(uow: UnitOfWork, desk: StaffDesk, case: Case, entered: bool = True) -> None:
    """(Re)plans the deadlines of the case's current stage; `entered`: the stage is new
    (False when only the severity changed and the stage keeps its start)."""
    now = uow.clock.now()
    if entered or case.stage_entered_at is None:
        case.stage_entered_at = now
    await uow.deadlines.cancel_pending(case.id, now)
    if case.stage == "follow_up":
        # The customer is asked whether the problem stayed solved after a wait.
        ask = desk.sla.due(desk.calendar, case.severity, case.stage, case.stage_entered_at)
        if ask is not None:
            uow.deadlines.add(case.id, "follow_up", case.stage, ask)
        return
    if case.stage == "solution_proposed":
        # The customer's turn: a reminder, then the case closes as unanswered.
        remind = desk.sla.customer_reminder_time(desk.calendar, case.stage, case.stage_entered_at)
        close = desk.sla.due(desk.calendar, case.severity, case.stage, case.stage_entered_at)
        if remind is not None:
            uow.deadlines.add(case.id, "customer_remind", case.stage, remind)
        if close is not None:
            uow.deadlines.add(case.id, "close_unanswered", case.stage, close)
        return
    if case.stage not in STAFF_STAGES:
        return
    start = case.stage_entered_at
    remind = desk.sla.reminder_time(desk.calendar, case.severity, case.stage, start)
    due = desk.sla.due(desk.calendar, case.severity, case.stage, start)
    if remind is not None:
        uow.deadlines.add(case.id, "remind", case.stage, remind)
    if due is not None:
        uow.deadlines.add(case.id, "breach", case.stage, due, breach_no=1)


async def handle_due(uow: UnitOfWork, desk: StaffDesk, deadline_id: int, claim: str) -> str:
    """Acts on one claimed row; returns what happened (for the log)."""
    row = await uow.deadlines.get(deadline_id)
    if row is None or row.status != "pending" or row.claimed_by != claim:
        return "skipped"  # another worker finished it after our lease ran out
    now = uow.clock.now()
    row.done_at = now
    case = await uow.cases.get(row.case_id)
    if case is None or case.stage != row.stage:
        row.status = "cancelled"
        return "stale"
    row.status = "done"
    if row.kind == "remind":
        due = await uow.deadlines.next_pending(case.id)
        notice_in_thread(uow, desk, case, Phrase("deadline.reminder", number=case.number, stage=stage_name(case.stage), due=due.due_at if due else now))
        return "reminded"
    if row.kind == "customer_remind":
        await _remind_customer_of_proposal(uow, case)
        return "customer_reminded"
    if row.kind == "close_unanswered":
        await _close_unanswered(uow, desk, case)
        return "closed_unanswered"
    if row.kind == "follow_up":
        await _ask_follow_up(uow, desk, case)
        return "follow_up_asked"
    await _breach(uow, desk, case, row.due_at, row.breach_no)
    return "breached"


async def _remind_customer_of_proposal(uow: UnitOfWork, case: Case) -> None:
    from core.services.case_lifecycle import proposal_buttons

    customer = await uow.users.get(case.customer_id)
    if customer is not None:
        uow.emit(SendMessage(customer.id, customer.locale, Phrase("customer.proposal_reminder", number=case.number), proposal_buttons(case)))
    uow.cases.record_event(case.id, uow.clock.now(), "system", "proposal_reminder")


async def _ask_follow_up(uow: UnitOfWork, desk: StaffDesk, case: Case) -> None:
    """PROCESS.md §3 回访: did the problem stay solved? No answer closes the case later."""
    from core.services.case_lifecycle import follow_up_buttons

    now = uow.clock.now()
    case.awaiting = None  # a rating comment is no longer expected
    close_at = desk.calendar.add(now, desk.sla.follow_up_close_after)
    uow.deadlines.add(case.id, "close_unanswered", case.stage, close_at)
    uow.cases.record_event(case.id, now, "system", "follow_up_asked")
    customer = await uow.users.get(case.customer_id)
    if customer is not None:
        uow.emit(SendMessage(customer.id, customer.locale, Phrase("customer.follow_up_question", number=case.number), follow_up_buttons(case)))


async def _close_unanswered(uow: UnitOfWork, desk: StaffDesk, case: Case) -> None:
    after_follow_up = case.stage == "follow_up"
    if not await advance(uow, desk, case, "close_unanswered"):
        return
    case.awaiting = None
    uow.cases.record_event(case.id, uow.clock.now(), "system", "closed_unanswered")
    customer = await uow.users.get(case.customer_id)
    if customer is not None:
        text = Phrase("customer.follow_up_closed", number=case.number) if after_follow_up else Phrase("customer.closed_unanswered", number=case.number)
        uow.emit(SendMessage(customer.id, customer.locale, text))
    staff_text = Phrase("deadline.follow_up_closed", number=case.number) if after_follow_up else Phrase("deadline.closed_unanswered", number=case.number)
    notice_in_thread(uow, desk, case, staff_text)
    await refresh_card(uow, desk, case, stage_changed=True)


async def _breach(uow: UnitOfWork, desk: StaffDesk, case: Case, due_at, breach_no: int) -> None:  # type: ignore[no-untyped-def]
    now = uow.clock.now()
    escalated = transition(case, "escalate")
    next_at = desk.sla.next_breach(desk.calendar, case.severity, case.stage, due_at, breach_no)
    if next_at is not None:
        uow.deadlines.add(case.id, "breach", case.stage, next_at, breach_no=breach_no + 1)
    uow.cases.record_event(case.id, now, "system", "deadline_missed", stage=case.stage, breach=breach_no, tier=case.tier)
    customer = await uow.users.get(case.customer_id)
    if customer is not None:
        # 001 art. 10: if it cannot be answered in time, tell the customer and promise a new time.
        uow.emit(
            SendMessage(
                customer.id,
                customer.locale,
                Phrase("customer.deadline_missed", number=case.number, stage=stage_name(case.stage), due=next_at or now),
            )
        )
    tier_members = sorted({*_tier(desk, case.tier)})
    mentions = Lines([Phrase("deadline.mention", user_id=user_id) for user_id in tier_members])
    text = Phrase("deadline.escalated", number=case.number, tier=case.tier, staff=mentions) if escalated else Phrase(
        "deadline.breached_top", number=case.number, staff=mentions
    )
    notice_in_thread(uow, desk, case, text)
    await refresh_card(uow, desk, case)


def _tier(desk: StaffDesk, tier: int) -> frozenset[int]:
    staff = desk.staff
    return {1: staff.agents, 2: staff.supervisors, 3: staff.directors}.get(tier, frozenset())
