"""What a delivered (or finally refused) outgoing message changes in the database.

Called by the sender in the same transaction that marks the outbox row done, so a
restart can neither lose these effects nor apply them twice.
"""
from __future__ import annotations

from core.intents import CaseRoute, CopyMessage, CreateTopic, Intent, Phrase, Purpose, SendMessage, SetReaction
from core.storage.models import Case
from core.storage.uow import UnitOfWork

DELIVERED_MARK = "👌"


async def after_delivery(uow: UnitOfWork, intent: Intent, message_ids: list[int], thread_id: int | None = None) -> None:
    if isinstance(intent, CreateTopic) and thread_id is not None:
        case = await uow.cases.get(intent.case_id)
        if case is not None and _lives_in(case, intent.chat_id):
            case.thread_id = thread_id
        return
    if not isinstance(intent, (SendMessage, CopyMessage)):
        return
    if intent.route is not None:
        for message_id in message_ids:
            uow.cases.add_link(intent.chat_id, message_id, intent.route.case_id, intent.route.purpose)
        if intent.route.purpose == Purpose.CARD and message_ids:
            case = await uow.cases.get(intent.route.case_id)
            if case is not None and _lives_in(case, intent.chat_id):
                case.card_message_id = message_ids[0]
    if intent.ack is not None:
        # Only now may the customer read that their words reached the team.
        uow.emit(SendMessage(intent.ack.chat_id, intent.ack.locale, intent.ack.delivered))
    if intent.receipt is not None:
        # The visible delivery mark on the staff message that was relayed.
        uow.emit(SetReaction(intent.receipt.chat_id, intent.receipt.locale, intent.receipt.message_id, DELIVERED_MARK))


def _lives_in(case: Case, chat_id: int) -> bool:
    """A topic or card posted in a group the case has since left is not where it lives."""
    return case.group_chat_id is None or case.group_chat_id == chat_id


async def after_final_failure(uow: UnitOfWork, intent: Intent, cause: str, reason: str) -> None:
    """Something about a case that can never arrive: staff are told once, in the case's thread.

    `cause` is the sender's one-word reading of the failure (blocked, unknown_method,
    unreachable, ...), `reason` what is recorded. Cosmetic rows never come here, and a
    notice that itself fails says nothing more.
    """
    if isinstance(intent, (SendMessage, CopyMessage)) and intent.receipt is not None:
        receipt = intent.receipt
        uow.emit(SendMessage(receipt.chat_id, receipt.locale, Phrase("relay.failed", reason=_cause(cause)), route=CaseRoute(receipt.case_id, Purpose.FAILURE)))
        uow.cases.record_event(receipt.case_id, uow.clock.now(), "system", "delivery_failed", reason=reason)
        return
    if isinstance(intent, (SendMessage, CopyMessage)) and intent.ack is not None:
        uow.emit(SendMessage(intent.ack.chat_id, intent.ack.locale, intent.ack.failed))
    notice = await _thread_notice(uow, intent, _cause(cause))
    if notice is not None:
        case_id, text = notice
        uow.emit(SendMessage(intent.chat_id, intent.locale, text, route=CaseRoute(case_id, Purpose.FAILURE)))
        uow.cases.record_event(case_id, uow.clock.now(), "system", "delivery_failed", reason=reason)


def _cause(cause: str) -> Phrase:
    if cause == "blocked":
        return Phrase("relay.failed.blocked")
    if cause == "unknown_method":
        return Phrase("relay.failed.unsupported")
    if cause == "unreachable":
        return Phrase("relay.failed.unreachable")
    return Phrase("relay.failed.other")


async def _thread_notice(uow: UnitOfWork, intent: Intent, reason: Phrase) -> tuple[int, Phrase] | None:
    """(case, notice) for a row on its way to a case's thread that can never be posted there."""
    if isinstance(intent, CreateTopic):
        return intent.case_id, Phrase("thread.failed.topic", reason=reason)
    if not isinstance(intent, (SendMessage, CopyMessage)) or intent.route is None or intent.route.purpose == Purpose.FAILURE:
        return None
    case_id, purpose = intent.route.case_id, intent.route.purpose
    if purpose == Purpose.RELAY:
        case = await uow.cases.get(case_id)
        number = case.number if case is not None else ""
        return case_id, Phrase("thread.failed.customer_message", reason=reason, number=number)
    if purpose == Purpose.EVIDENCE:
        return case_id, Phrase("thread.failed.evidence", reason=reason)
    return case_id, Phrase("thread.failed.other", reason=reason)
