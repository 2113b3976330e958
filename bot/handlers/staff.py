"""The staff's handler group: card buttons, thread messages, and staff commands."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.dialogs.inputs import command_argument, evidence_from
from core.services.bans import BanList
from core.services.callbacks import StaffButton
from core.services.staff_actions import Actor, StaffActions
from core.services.staff_desk import StaffDesk
from core.services.staff_messages import case_of_message, staff_edit, staff_message
from core.services.staff_queries import StaffQueries
from core.storage.models import User
from core.storage.uow import UnitOfWork

router = Router(name="staff")
router.message.filter(F.chat.type.in_({"group", "supergroup"}))
router.edited_message.filter(F.chat.type.in_({"group", "supergroup"}))
router.callback_query.filter(F.message.chat.type.in_({"group", "supergroup"}))

STAFF_COMMANDS = ("queue", "case", "mine", "assign", "find", "ban", "unban", "banned")
THREAD_COMMANDS = ("note", "ask", "propose", "reject", "terminate", "record")


def _actor(user: User, desk: StaffDesk, chat_id: int, staff_member: bool) -> Actor:
    return Actor(user=user, role=desk.staff.role_of(user.id), is_member=staff_member, chat_id=chat_id)


def _thread(message: Message) -> int | None:
    return message.message_thread_id if message.is_topic_message else None


def _reply_to(message: Message) -> int | None:
    return message.reply_to_message.message_id if message.reply_to_message else None


@router.callback_query(F.data.func(StaffButton.matches))
async def card_button(callback: CallbackQuery, uow: UnitOfWork, user: User, desk: StaffDesk, staff_member: bool) -> None:
    assert callback.message is not None
    await StaffActions(uow, desk, _actor(user, desk, callback.message.chat.id, staff_member)).press(callback.id, callback.data or "")


@router.message(Command(*STAFF_COMMANDS))
async def staff_command(message: Message, uow: UnitOfWork, user: User, desk: StaffDesk, staff_member: bool) -> None:
    actor = _actor(user, desk, message.chat.id, staff_member)
    queries = StaffQueries(uow, desk, actor, _thread(message))
    name = (message.text or "").split()[0].lstrip("/").split("@")[0].lower()
    argument = command_argument(message.text)
    current = None
    if desk.chat_id == message.chat.id:
        current, _ = await case_of_message(uow, desk, _reply_to(message), _thread(message))
    if name == "queue":
        await queries.queue()
    elif name == "mine":
        await queries.mine()
    elif name == "find":
        await queries.find(argument)
    elif name == "case":
        await queries.case(argument, current)
    elif name == "assign":
        await queries.assign(argument, current)
    elif name == "ban":
        await BanList(uow, desk, actor, _thread(message)).ban(argument, current)
    elif name == "unban":
        await BanList(uow, desk, actor, _thread(message)).unban(argument)
    elif name == "banned":
        await BanList(uow, desk, actor, _thread(message)).list()


@router.message(Command(*THREAD_COMMANDS))
async def thread_command(message: Message, uow: UnitOfWork, user: User, desk: StaffDesk, staff_member: bool) -> None:
    name = (message.text or "").split()[0].lstrip("/").split("@")[0].lower()
    actor = _actor(user, desk, message.chat.id, staff_member)
    handled = await staff_message(
        uow, desk, actor, message.message_id, _reply_to(message), _thread(message), command_argument(message.text), False, command=name
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
