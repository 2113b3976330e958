"""Stage deadlines: scheduled as rows when a case enters a stage, acted on when due.

Before a deadline (at the policy's reminder point) the thread is reminded. At a breach
the case goes up a tier, that tier is called in the thread, the customer hears where the
case stands and by when they will hear again (never silence, but not more often than
`late_notice_interval`), and the next breach is planned from now. A row acted on late
(the bot was down for days) is caught up in one step: the case goes straight to the tier
it would have reached, and nothing that fell due in the gap is replayed. Each row is
handled in one transaction with the messages it causes, so a restart can neither skip
nor repeat it.
"""
from __future__ import annotations

from core.domain.lifecycle import FINAL_STAGES, Stage
from core.domain.sla import STAFF_STAGES, TOP_TIER, WHOLE_CASE, DeadlineKind
from core.intents import Lines, Phrase, SendMessage
from core.services.case_card import stage_name
from core.services.case_stage import advance, case_changed, transition
from core.services.customer_buttons import follow_up_buttons, proposal_buttons
from core.services.durations import duration_phrase
from core.services.next_step import next_step
from core.services.routing import notice_in_thread
from core.services.staff_desk import StaffDesk
from core.storage.deadline_repository import REPLANNED
from core.storage.models import Case
from core.storage.uow import UnitOfWork


async def schedule_stage(uow: UnitOfWork, desk: StaffDesk, case: Case, entered: bool = True) -> None:
    """(Re)plans the deadlines of the case's current stage; `entered`: the stage is new
    (False when only the severity changed and the stage keeps its start)."""
    now = uow.clock.now()
    if entered or case.stage_entered_at is None:
        case.stage_entered_at = now
    if case.stage in FINAL_STAGES:
        await uow.deadlines.cancel_pending(case.id, now)
        return
    # A severity change plans the same stage anew: the rows it replaces were neither met
    # nor missed (the reports count the new ones).
    await uow.deadlines.cancel_pending(case.id, now, keep_kinds=(DeadlineKind.OVERALL,), status="cancelled" if entered else REPLANNED)
    if not await uow.deadlines.has_kind(case.id, DeadlineKind.OVERALL):
        # docs/process.md §3: the whole case should be concluded within the overall limit.
        uow.deadlines.add(case.id, DeadlineKind.OVERALL, WHOLE_CASE, desk.sla.overall_due(desk.calendar, case.created_at))
    if case.stage == Stage.FOLLOW_UP:
        # The customer is asked whether the problem stayed solved after a wait.
        ask = desk.sla.due(desk.calendar, case.severity, case.stage, case.stage_entered_at)
        if ask is not None:
            uow.deadlines.add(case.id, DeadlineKind.FOLLOW_UP, case.stage, ask)
        return
    if case.stage == Stage.SOLUTION_PROPOSED:
        # The customer's turn: a reminder, then the case closes as unanswered.
        remind = desk.sla.customer_reminder_time(desk.calendar, case.stage, case.stage_entered_at)
        close = desk.sla.due(desk.calendar, case.severity, case.stage, case.stage_entered_at)
        if remind is not None:
            uow.deadlines.add(case.id, DeadlineKind.CUSTOMER_REMIND, case.stage, remind)
        if close is not None:
            uow.deadlines.add(case.id, DeadlineKind.CLOSE_UNANSWERED, case.stage, close)
        return
    if case.stage not in STAFF_STAGES:
        return
    start = case.stage_entered_at
    remind = desk.sla.reminder_time(desk.calendar, case.severity, case.stage, start)
    due = desk.sla.due(desk.calendar, case.severity, case.stage, start)
    if remind is not None:
        uow.deadlines.add(case.id, DeadlineKind.REMIND, case.stage, remind)
    if due is not None:
        uow.deadlines.add(case.id, DeadlineKind.BREACH, case.stage, due, breach_no=1)


async def handle_due(uow: UnitOfWork, desk: StaffDesk, deadline_id: int, claim: str) -> str:
    """Acts on one claimed row; returns what happened (for the log)."""
    row = await uow.deadlines.get(deadline_id)
    if row is None or row.status != "pending" or row.claimed_by != claim:
        return "skipped"  # another worker finished it after our lease ran out
    now = uow.clock.now()
    row.done_at = now
    case = await uow.cases.get(row.case_id)
    if row.kind == DeadlineKind.OVERALL:
        if case is None or case.stage in FINAL_STAGES:
            row.status = "cancelled"
            return "stale"
        row.status = "done"
        await _overall_limit_reached(uow, desk, case)
        return "overall_limit"
    if case is None or case.stage != row.stage:
        row.status = "cancelled"
        return "stale"
    row.status = "done"
    if row.kind == DeadlineKind.REMIND:
        due = await uow.deadlines.next_pending(case.id)
        if due is None or due.due_at <= now:
            # Its deadline passed too (the bot was down): the breach speaks instead.
            row.status = "cancelled"
            return "reminder_dropped"
        notice_in_thread(uow, desk, case, Phrase("deadline.reminder", number=case.number, stage=stage_name(case.stage), due=due.due_at))
        return "reminded"
    if row.kind == DeadlineKind.CUSTOMER_REMIND:
        if (await uow.deadlines.next_of_kind(case.id, DeadlineKind.CLOSE_UNANSWERED) or now) <= now:
            row.status = "cancelled"
            return "reminder_dropped"
        await _remind_customer_of_proposal(uow, case)
        return "customer_reminded"
    if row.kind == DeadlineKind.CLOSE_UNANSWERED:
        await _close_unanswered(uow, desk, case)
        return "closed_unanswered"
    if row.kind == DeadlineKind.FOLLOW_UP:
        await _ask_follow_up(uow, desk, case)
        return "follow_up_asked"
    await _breach(uow, desk, case, row.due_at, row.breach_no)
    return "breached"


async def _remind_customer_of_proposal(uow: UnitOfWork, case: Case) -> None:
    customer = await uow.users.get(case.customer_id)
    if customer is not None:
        uow.emit(SendMessage(customer.id, customer.locale, Phrase("customer.proposal_reminder", number=case.number), proposal_buttons(case)))
    uow.cases.record_event(case.id, uow.clock.now(), "system", "proposal_reminder")


async def _ask_follow_up(uow: UnitOfWork, desk: StaffDesk, case: Case) -> None:
    """docs/process.md §3 回访: did the problem stay solved? No answer closes the case later."""
    now = uow.clock.now()
    case.awaiting = None  # a rating comment is no longer expected
    close_at = desk.calendar.add(now, desk.sla.follow_up_close_after)
    uow.deadlines.add(case.id, DeadlineKind.CLOSE_UNANSWERED, case.stage, close_at)
    uow.cases.record_event(case.id, now, "system", "follow_up_asked")
    customer = await uow.users.get(case.customer_id)
    if customer is not None:
        uow.emit(SendMessage(customer.id, customer.locale, Phrase("customer.follow_up_question", number=case.number), follow_up_buttons(case)))


async def _close_unanswered(uow: UnitOfWork, desk: StaffDesk, case: Case) -> None:
    if not await advance(uow, case, "close_unanswered"):
        return
    case.awaiting = None
    uow.cases.record_event(case.id, uow.clock.now(), "system", "closed_unanswered")


async def _breach(uow: UnitOfWork, desk: StaffDesk, case: Case, due_at, breach_no: int) -> None:  # type: ignore[no-untyped-def]
    now = uow.clock.now()
    sla, calendar = desk.sla, desk.calendar
    caught_up = sla.catch_up(calendar, case.severity, case.stage, due_at, breach_no, case.tier, now)
    tier_before = case.tier
    while case.tier < caught_up.tier and transition(case, "escalate"):
        pass
    if caught_up.next_breach_at is not None:
        uow.deadlines.add(case.id, DeadlineKind.BREACH, case.stage, caught_up.next_breach_at, breach_no=caught_up.breach_no + 1)
    uow.cases.record_event(
        case.id, now, "system", "deadline_missed", stage=case.stage, breach=caught_up.breach_no, tier=case.tier,
        **({"missed": caught_up.missed} if caught_up.missed > 1 else {}),
    )
    customer = await uow.users.get(case.customer_id)
    if customer is not None and await _may_tell_customer_late(uow, desk, case, now):
        # 001 call-centre art. 10: if it cannot be answered in time, tell the customer and promise a
        # new time; the time named is one at which they will hear from us again.
        promise = sla.promise_after(calendar, case.severity, case.stage, caught_up, now)
        uow.emit(
            SendMessage(
                customer.id,
                customer.locale,
                Phrase("customer.deadline_missed", number=case.number, stage=stage_name(case.stage), due=promise or now),
            )
        )
        uow.cases.record_event(case.id, now, "system", "late_notice", promised=(promise or now).isoformat())
    mentions = _mentions(desk, case.tier)
    if case.tier > tier_before and caught_up.missed > 1:
        text = Phrase("deadline.escalated_after_gap", number=case.number, missed=caught_up.missed, since=due_at, tier=case.tier, staff=mentions)
    elif case.tier > tier_before:
        text = Phrase("deadline.escalated", number=case.number, tier=case.tier, staff=mentions)
    else:
        text = Phrase("deadline.breached_top", number=case.number, staff=mentions)
    notice_in_thread(uow, desk, case, text)
    await case_changed(uow, case)


async def _may_tell_customer_late(uow: UnitOfWork, desk: StaffDesk, case: Case, now) -> bool:  # type: ignore[no-untyped-def]
    """Once per `late_notice_interval` within one stretch of lateness; a new stage (a
    claim, a proposal...) or a new owner starts a new stretch."""
    told_at = await uow.cases.last_event_at(case.id, "late_notice")
    if told_at is None:
        return True
    changed_at = max(filter(None, [case.stage_entered_at, await uow.cases.last_event_at(case.id, "assigned")]), default=None)
    if changed_at is not None and changed_at > told_at:
        return True
    return desk.calendar.add(told_at, desk.sla.late_notice_every(case.severity)) <= now


async def _overall_limit_reached(uow: UnitOfWork, desk: StaffDesk, case: Case) -> None:
    """docs/process.md §3 (001 county rules): a case still open at the overall limit goes
    before the top tier, and the customer is told plainly where it stands."""
    now = uow.clock.now()
    limit = desk.sla.overall_limit
    limit_words = duration_phrase(limit)
    uow.cases.record_event(case.id, now, "system", "overall_limit", limit=str(limit))
    notice_in_thread(
        uow, desk, case,
        Phrase("deadline.overall_limit", number=case.number, limit=limit_words, staff=_mentions(desk, TOP_TIER)),
    )
    customer = await uow.users.get(case.customer_id)
    if customer is not None:
        uow.emit(
            SendMessage(
                customer.id,
                customer.locale,
                Phrase(
                    "customer.overall_limit", number=case.number, stage=stage_name(case.stage),
                    limit=limit_words, next=await next_step(uow, case),
                ),
            )
        )
    await case_changed(uow, case)


def _mentions(desk: StaffDesk, tier: int) -> Lines:
    return Lines([Phrase("deadline.mention", user_id=user_id) for user_id in sorted(_tier(desk, tier))])


def _tier(desk: StaffDesk, tier: int) -> frozenset[int]:
    staff = desk.staff
    return {1: staff.agents, 2: staff.supervisors, 3: staff.directors}.get(tier, frozenset())
