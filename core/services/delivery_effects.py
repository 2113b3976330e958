"""What a delivered (or finally refused) outgoing message changes in the database.

Called by the sender in the same transaction that marks the outbox row done, so a
restart can neither lose these effects nor apply them twice.
"""
from __future__ import annotations

from core.intents import CopyMessage, CreateTopic, Intent, Phrase, SendMessage, SetReaction
from core.intents import CaseRoute
from core.storage.uow import UnitOfWork

DELIVERED_MARK = "👌"


async def after_delivery(uow: UnitOfWork, intent: Intent, message_ids: list[int], thread_id: int | None = None) -> None:
    if isinstance(intent, CreateTopic) and thread_id is not None:
        case = await uow.cases.get(intent.case_id)
        if case is not None:
            case.thread_id = thread_id
        return
    if not isinstance(intent, (SendMessage, CopyMessage)):
        return
    if intent.route is not None:
        for message_id in message_ids:
            uow.cases.add_link(intent.chat_id, message_id, intent.route.case_id, intent.route.purpose)
        if intent.route.purpose == "card" and message_ids:
            case = await uow.cases.get(intent.route.case_id)
            if case is not None:
                case.card_message_id = message_ids[0]
    if intent.receipt is not None:
        # The visible delivery mark on the staff message that was relayed.
        uow.emit(SetReaction(intent.receipt.chat_id, intent.receipt.locale, intent.receipt.message_id, DELIVERED_MARK))


async def after_final_failure(uow: UnitOfWork, intent: Intent, reason: str) -> None:
    """A relayed staff message that can never arrive: say so in the case's thread."""
    if isinstance(intent, (SendMessage, CopyMessage)) and intent.receipt is not None:
        receipt = intent.receipt
        cause = Phrase("relay.failed.blocked") if reason.startswith("blocked") else Phrase("relay.failed.other")
        uow.emit(
            SendMessage(receipt.chat_id, receipt.locale, Phrase("relay.failed", reason=cause), route=CaseRoute(receipt.case_id, "notice"))
        )
        uow.cases.record_event(receipt.case_id, uow.clock.now(), "system", "delivery_failed", reason=reason)
