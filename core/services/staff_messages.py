"""Messages staff write in the handler group: relayed to the customer, kept as internal
notes, or taken as the answer to a prompt (ask / propose / reject / terminate, or a
question of the resolution record)."""
from __future__ import annotations

from core.domain.lifecycle import FINAL_STAGES
from core.services.case_stage import advance, may
from core.services.resolution_record import TEXT_FIELDS as RECORD_QUESTIONS, ResolutionRecordForm
from core.services.routing import notice_in_thread, staff_correction, staff_reply
from core.services.staff_actions import PROMPTED_ACTIONS, Actor, StaffActions, handled_elsewhere, refusal
from core.services.staff_desk import StaffDesk
from core.intents import Phrase, Purpose, SendMessage, prompted
from core.storage.models import Case
from core.storage.uow import UnitOfWork

NOTE_MARK = "#note"


async def case_of_message(
    uow: UnitOfWork, desk: StaffDesk, reply_to_id: int | None, thread_id: int | None, chat_id: int | None = None
) -> tuple[Case | None, str]:
    """The case a message in group `chat_id` (default: the desk's) belongs to, from stored
    links only, and the link's purpose. A topic names the case that lives there now."""
    chat = chat_id if chat_id is not None else desk.chat_id
    assert chat is not None
    if reply_to_id is not None:
        link = await uow.cases.link(chat, reply_to_id)
        if link is not None:
            return await uow.cases.get(link.case_id), link.purpose
    if thread_id is not None:
        if len(desk.group_ids) <= 1:
            return await uow.cases.by_thread(thread_id), Purpose.THREAD
        case = await uow.cases.by_thread_in(chat, thread_id, desk.home)
        if case is None:
            # The topic of a case that has moved to another group.
            link = await uow.cases.link(chat, thread_id)
            case = await uow.cases.get(link.case_id) if link is not None else None
        return case, Purpose.THREAD
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
    if desk.chat_id is None or not desk.is_group(actor.chat_id):
        return False
    case, purpose = await case_of_message(uow, desk, reply_to_id, thread_id, actor.chat_id)
    if case is None:
        return False
    if desk.of(case).chat_id != actor.chat_id:
        # Its old thread: the case is handled in its new group now.
        uow.emit(SendMessage(actor.chat_id, desk.at(actor.chat_id).locale, handled_elsewhere(desk, case), thread_id=thread_id))
        return True
    desk = desk.of(case)
    actions = StaffActions(uow, desk, actor)
    body = (text or "").strip()
    if command == "note" or body.lower().startswith(NOTE_MARK):
        await actions.note(case, body[len(NOTE_MARK):].strip() if command is None else body)
        return True
    if command == "record" or (prompted(purpose) in RECORD_QUESTIONS and body):
        await _record_answer(uow, desk, actor, case, prompted(purpose) if command is None else None, body)
        return True
    prompted_action = command if command in PROMPTED_ACTIONS else prompted(purpose)
    if prompted_action in PROMPTED_ACTIONS and body:
        await actions.answer_prompt(prompted_action, case, body, message_id)
        return True
    if command in PROMPTED_ACTIONS:
        await actions.prompt_in_thread(case, command)  # the command alone: ask for the text
        return True
    reason = refusal(desk, actor, "reply")
    if reason is not None:
        notice_in_thread(uow, desk, case, reason)
        return True
    if case.stage in FINAL_STAGES:
        notice_in_thread(uow, desk, case, Phrase("staff.case_closed", number=case.number))
        return True
    if not body and not has_media:
        return True  # nothing to pass on
    if may(case, "start_investigation"):
        # Staff talking with the customer about an accepted case are handling it.
        await advance(uow, case, "start_investigation")
    await staff_reply(uow, desk, actor.user, case, message_id, text, has_media)
    return True


async def staff_edit(
    uow: UnitOfWork, desk: StaffDesk, actor: Actor, message_id: int, reply_to_id: int | None, thread_id: int | None, text: str
) -> None:
    """A staff member edited a message in the group. Only a reply already passed on to the
    customer is followed by its correction; notes, prompt answers and staff talk stay as they were."""
    if desk.chat_id is None or not desk.is_group(actor.chat_id):
        return
    case, _purpose = await case_of_message(uow, desk, reply_to_id, thread_id, actor.chat_id)
    if case is None or await uow.cases.event_of_message(case.id, "staff_reply", message_id) is None:
        return
    if desk.of(case).chat_id != actor.chat_id:
        return  # a reply the case's old group passed on before it moved stays as it was
    desk = desk.of(case)
    reason = refusal(desk, actor, "reply")
    if reason is not None:
        notice_in_thread(uow, desk, case, reason)
    elif case.stage in FINAL_STAGES:
        notice_in_thread(uow, desk, case, Phrase("staff.case_closed", number=case.number))
    else:
        await staff_correction(uow, desk, actor.user, case, message_id, text)


async def _record_answer(uow: UnitOfWork, desk: StaffDesk, actor: Actor, case: Case, question: str | None, body: str) -> None:
    """A reply to a question of the resolution record, or /record to see the next one."""
    reason = refusal(desk, actor, "record")
    if reason is not None:
        notice_in_thread(uow, desk, case, reason)
        return
    form = ResolutionRecordForm(uow, desk, actor.user.id)
    if question is None:
        await form.resume(case)
    else:
        await form.answer(case, question, body)
