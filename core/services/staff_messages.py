"""Messages staff write in the handler group: relayed to the customer, kept as internal
notes, or taken as the answer to a prompt (ask / propose / reject)."""
from __future__ import annotations

from core.services.routing import staff_reply
from core.services.staff_actions import PROMPTED_ACTIONS, Actor, StaffActions, refusal
from core.services.routing import notice_in_thread
from core.services.staff_desk import StaffDesk
from core.storage.case_repositories import FINAL_STAGES
from core.intents import Phrase
from core.storage.models import Case
from core.storage.uow import UnitOfWork

NOTE_MARK = "#note"


async def case_of_message(uow: UnitOfWork, desk: StaffDesk, reply_to_id: int | None, thread_id: int | None) -> tuple[Case | None, str]:
    """The case a group message belongs to, from stored links only, and the link's purpose."""
    assert desk.chat_id is not None
    if reply_to_id is not None:
        link = await uow.cases.link(desk.chat_id, reply_to_id)
        if link is not None:
            return await uow.cases.get(link.case_id), link.purpose
    if thread_id is not None:
        return await uow.cases.by_thread(thread_id), "thread"
    return None, ""


async def staff_message(
    uow: UnitOfWork,
    desk: StaffDesk,
    actor: Actor,
    message_id: int,
    reply_to_id: int | None,
    thread_id: int | None,
    text: str | None,
    has_media: bool,
    command: str | None = None,
) -> bool:
    """Handles a staff message in the group; False when it belongs to no case (staff talk)."""
    if desk.chat_id is None or actor.chat_id != desk.chat_id:
        return False
    case, purpose = await case_of_message(uow, desk, reply_to_id, thread_id)
    if case is None:
        return False
    actions = StaffActions(uow, desk, actor)
    body = (text or "").strip()
    if command == "note" or body.lower().startswith(NOTE_MARK):
        await actions.note(case, body[len(NOTE_MARK):].strip() if command is None else body)
        return True
    prompted = command if command in PROMPTED_ACTIONS else purpose.removeprefix("prompt:") if purpose.startswith("prompt:") else None
    if prompted and body:
        await actions.answer_prompt(prompted, case, body, message_id)
        return True
    reason = refusal(desk, actor, "reply")
    if reason is not None:
        notice_in_thread(uow, desk, case, reason)
        return True
    if case.stage in FINAL_STAGES:
        notice_in_thread(uow, desk, case, Phrase("staff.case_closed", number=case.number))
        return True
    await staff_reply(uow, desk, actor.user, case, message_id, text, has_media)
    return True
