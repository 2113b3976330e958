"""A case whose group no longer fits it ([routing]: e.g. escalated to a tier with its own
group) moves there: a new topic and card with its summary, what was still waiting to be
posted for it in the old group posted in the new one instead, and a notice in the old
thread, in the old group's language, saying where it went."""
from __future__ import annotations

from dataclasses import replace

from core.domain.lifecycle import FINAL_STAGES
from core.intents import CaseRoute, CopyMessage, Phrase, Purpose, SendMessage, decode_intent
from core.services.routing import choose_group, post_case
from core.services.staff_desk import StaffDesk
from core.storage.desk_load import withdraw_case_rows
from core.storage.models import Case
from core.storage.uow import UnitOfWork

# Made again by post_case() in the new group, so not carried over.
_REMADE = frozenset({Purpose.CARD, Purpose.EVIDENCE})


async def follow_routing(uow: UnitOfWork, desk: StaffDesk, case: Case) -> bool:
    """Moves the case when [routing] now sends cases like it elsewhere; True when it moved
    (its new card is fresh: no refresh needed)."""
    if len(desk.group_ids) <= 1 or case.stage in FINAL_STAGES:
        return False
    here = desk.of(case)
    candidates = desk.routing.candidates(desk.home, case.category, case.severity, case.tier)
    if here.chat_id is None or not candidates or here.chat_id in candidates:
        return False
    target = await choose_group(uow, desk, case)
    now = uow.clock.now()
    waiting = await withdraw_case_rows(uow.session, here.chat_id, case.id, now)
    if case.thread_id is not None or case.card_message_id is not None:
        # The old thread says where the case went; in a plain group it stands on its own.
        uow.emit(SendMessage(
            here.chat_id, here.locale, Phrase("staff.notice.case_moved", number=case.number, group=desk.group_name(target)),
            thread_id=case.thread_id if here.is_forum else None,
        ))
    if case.thread_id is not None:
        # A topic's id is its first message's: linked, staff writing in the old topic are told where the case went.
        uow.cases.add_link(here.chat_id, case.thread_id, case.id, Purpose.THREAD)
    uow.cases.record_event(case.id, now, "system", "moved", group=desk.group_name(target), from_group=desk.group_name(here.chat_id))
    case.group_chat_id, case.thread_id, case.card_message_id = target, None, None
    there = desk.of(case)
    await post_case(uow, there, case, await uow.users.get(case.customer_id))
    assert there.chat_id is not None
    for row in waiting:
        intent = decode_intent(row.method, row.chat_id, row.locale, row.payload)
        # What people wait for (the customer's words, notices, prompts) follows the case, in order.
        if isinstance(intent, (SendMessage, CopyMessage)) and isinstance(intent.route, CaseRoute) and intent.route.purpose not in _REMADE:
            uow.emit(replace(intent, chat_id=there.chat_id, locale=there.locale))
    return True
