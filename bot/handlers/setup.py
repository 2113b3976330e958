"""Setting up the desk, in any chat: /id, /setup, /members, and the bot's own membership of
groups (my_chat_member). Included before every other router, so that these commands are
answered in private chats and groups alike."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import ChatMemberUpdated, Message

from bot.desk_monitor import DeskMonitor
from bot.middlewares.transaction import HandlerName
from core.services import desk_setup
from core.services.desk_setup import GroupFacts, KnownMember, StaffCheck
from core.services.staff_desk import StaffDesk
from core.storage.models import User
from core.storage.uow import UnitOfWork

GROUP_TYPES = {"group", "supergroup"}

router = Router(name="setup")
router.my_chat_member.filter(F.chat.type.in_(GROUP_TYPES))
router.my_chat_member.middleware(HandlerName())


def _thread(message: Message) -> int | None:
    return message.message_thread_id if message.is_topic_message else None


@router.my_chat_member()
async def bot_membership(change: ChatMemberUpdated, uow: UnitOfWork, user: User | None, desk_monitor: DeskMonitor) -> None:
    await desk_monitor.membership_changed(uow, change, user)


@router.message(F.migrate_from_chat_id, F.chat.type == "supergroup")
async def group_upgraded(message: Message, uow: UnitOfWork, user: User | None, desk_monitor: DeskMonitor) -> None:
    assert message.migrate_from_chat_id is not None
    desk_monitor.group_upgraded(uow, message.chat.id, message.migrate_from_chat_id, user)


@router.message(Command("id"), F.from_user.is_bot.is_(False))
async def id_command(message: Message, uow: UnitOfWork, user: User, desk: StaffDesk) -> None:
    desk_setup.tell_id(uow, user, message.chat.id, message.chat.type in GROUP_TYPES, desk.chat_id, _thread(message))


@router.message(Command("setup"), F.chat.type == "private")
async def setup_in_private(message: Message, uow: UnitOfWork, user: User) -> None:
    desk_setup.setup_in_private(uow, user)


@router.message(Command("setup"), F.chat.type.in_(GROUP_TYPES))
async def setup_command(
    message: Message,
    uow: UnitOfWork,
    user: User | None,
    desk: StaffDesk,
    desk_monitor: DeskMonitor,
    group_facts: GroupFacts | None = None,
    staff_check: StaffCheck | None = None,
) -> None:
    # An anonymous administrator writes as the group: answered in the group's language.
    locale = user.locale if user is not None else desk.locale
    desk_setup.show_checklist(uow, message.chat.id, locale, desk, group_facts, desk_monitor.bot_name, staff_check, _thread(message))


@router.message(Command("members"), F.chat.type.in_(GROUP_TYPES), F.from_user.is_bot.is_(False))
async def members_command(
    message: Message,
    uow: UnitOfWork,
    user: User,
    desk: StaffDesk,
    staff_member: bool,
    known_members: list[KnownMember] | None = None,
) -> None:
    desk_setup.list_members(uow, user, desk, message.chat.id, staff_member, known_members or [], _thread(message))
