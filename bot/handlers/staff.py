"""The staff's handler group: card buttons, thread messages, and staff commands."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from bot.dialogs.inputs import command_argument, evidence_from
from core.services.bans import BanList
from core.services.callbacks import StaffButton
from core.services.staff_actions import Actor, StaffActions
from core.services.staff_desk import StaffDesk
from core.services.staff_messages import case_of_message, staff_edit, staff_message
from core.services.staff_queries import StaffQueries
from core.storage.models import Case, User
from core.storage.uow import UnitOfWork

router = Router(name="staff")
router.message.filter(F.chat.type.in_({"group", "supergroup"}))
router.edited_message.filter(F.chat.type.in_({"group", "supergroup"}))
router.callback_query.filter(F.message.chat.type.in_({"group", "supergroup"}))

# Used in a case's thread: core.services.staff_messages finds the case and acts on it.
THREAD_COMMANDS = ("note", "ask", "propose", "reject", "terminate", "record")


def _actor(user: User, desk: StaffDesk, chat_id: int, staff_member: bool) -> Actor:
    return Actor(user=user, role=desk.staff.role_of(user.id), is_member=staff_member, chat_id=chat_id)


def _thread(message: Message) -> int | None:
    return message.message_thread_id if message.is_topic_message else None


def _reply_to(message: Message) -> int | None:
    return message.reply_to_message.message_id if message.reply_to_message else None


def _queries(message: Message, uow: UnitOfWork, user: User, desk: StaffDesk, staff_member: bool) -> StaffQueries:
    return StaffQueries(uow, desk, _actor(user, desk, message.chat.id, staff_member), _thread(message))


def _ban_list(message: Message, uow: UnitOfWork, user: User, desk: StaffDesk, staff_member: bool) -> BanList:
    return BanList(uow, desk, _actor(user, desk, message.chat.id, staff_member), _thread(message))


async def _current_case(message: Message, uow: UnitOfWork, desk: StaffDesk) -> Case | None:
    """The case whose thread (or message) the command was sent in, if any."""
    if not desk.is_group(message.chat.id):
        return None
    case, _ = await case_of_message(uow, desk, _reply_to(message), _thread(message), message.chat.id)
    return case


@router.callback_query(F.data.func(StaffButton.matches))
async def card_button(callback: CallbackQuery, uow: UnitOfWork, user: User, desk: StaffDesk, staff_member: bool) -> None:
    assert callback.message is not None
    await StaffActions(uow, desk, _actor(user, desk, callback.message.chat.id, staff_member)).press(callback.id, callback.data or "")


# --- staff commands: each answered where it was asked ------------------------------------
@router.message(Command("queue"))
async def queue_command(message: Message, uow: UnitOfWork, user: User, desk: StaffDesk, staff_member: bool) -> None:
    await _queries(message, uow, user, desk, staff_member).queue()


@router.message(Command("mine"))
async def mine_command(message: Message, uow: UnitOfWork, user: User, desk: StaffDesk, staff_member: bool) -> None:
    await _queries(message, uow, user, desk, staff_member).mine()


@router.message(Command("find"))
async def find_command(message: Message, command: CommandObject, uow: UnitOfWork, user: User, desk: StaffDesk, staff_member: bool) -> None:
    await _queries(message, uow, user, desk, staff_member).find(command_argument(command, message))


@router.message(Command("case"))
async def case_command(message: Message, command: CommandObject, uow: UnitOfWork, user: User, desk: StaffDesk, staff_member: bool) -> None:
    current = await _current_case(message, uow, desk)
    await _queries(message, uow, user, desk, staff_member).case(command_argument(command, message), current)


@router.message(Command("assign"))
async def assign_command(message: Message, command: CommandObject, uow: UnitOfWork, user: User, desk: StaffDesk, staff_member: bool) -> None:
    current = await _current_case(message, uow, desk)
    await _queries(message, uow, user, desk, staff_member).assign(command_argument(command, message), current)


@router.message(Command("ban"))
async def ban_command(message: Message, command: CommandObject, uow: UnitOfWork, user: User, desk: StaffDesk, staff_member: bool) -> None:
    current = await _current_case(message, uow, desk)
    await _ban_list(message, uow, user, desk, staff_member).ban(command_argument(command, message), current)


@router.message(Command("unban"))
async def unban_command(message: Message, command: CommandObject, uow: UnitOfWork, user: User, desk: StaffDesk, staff_member: bool) -> None:
    await _ban_list(message, uow, user, desk, staff_member).unban(command_argument(command, message))


@router.message(Command("banned"))
async def banned_command(message: Message, uow: UnitOfWork, user: User, desk: StaffDesk, staff_member: bool) -> None:
    await _ban_list(message, uow, user, desk, staff_member).list()


# --- commands in a case's thread ----------------------------------------------------------
@router.message(Command(*THREAD_COMMANDS))
async def thread_command(message: Message, command: CommandObject, uow: UnitOfWork, user: User, desk: StaffDesk, staff_member: bool) -> None:
    actor = _actor(user, desk, message.chat.id, staff_member)
    argument = command_argument(command, message)
    handled = await staff_message(
        uow, desk, actor, message.message_id, _reply_to(message), _thread(message), argument, False, command=command.command
    )
    if not handled:
        await StaffQueries(uow, desk, actor, _thread(message)).case(None, None)  # explains: use it in a case's thread


@router.message(F.from_user.is_bot.is_(False))
async def group_message(message: Message, uow: UnitOfWork, user: User, desk: StaffDesk, staff_member: bool) -> None:
    if (message.text or "").startswith("/"):
        return  # other commands (and other bots' commands) are not ours
    has_media = evidence_from(message) is not None
    if message.text is None and not has_media:
        return  # service messages (topic created, members joining...)
    await staff_message(
        uow,
        desk,
        _actor(user, desk, message.chat.id, staff_member),
        message.message_id,
        _reply_to(message),
        _thread(message),
        message.text or message.caption,
        has_media,
    )


@router.edited_message(F.from_user.is_bot.is_(False), F.text | F.caption)
async def group_message_edited(message: Message, uow: UnitOfWork, user: User, desk: StaffDesk, staff_member: bool) -> None:
    await staff_edit(
        uow,
        desk,
        _actor(user, desk, message.chat.id, staff_member),
        message.message_id,
        _reply_to(message),
        _thread(message),
        message.text or message.caption or "",
    )
