"""/report and /export in the staff's handler group (core/services/reports.py)."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import Message

from bot.dialogs.inputs import command_argument
from core.services.reports import Reports
from core.services.staff_actions import Actor
from core.services.staff_desk import StaffDesk
from core.storage.models import User
from core.storage.uow import UnitOfWork

router = Router(name="reports")
router.message.filter(F.chat.type.in_({"group", "supergroup"}), F.from_user.is_bot.is_(False))


def _reports(message: Message, uow: UnitOfWork, user: User, desk: StaffDesk, staff_member: bool) -> Reports:
    actor = Actor(user=user, role=desk.staff.role_of(user.id), is_member=staff_member, chat_id=message.chat.id)
    # The answer goes where it was asked: the forum topic the command was sent in.
    return Reports(uow, desk, actor, message.message_thread_id if message.is_topic_message else None)


@router.message(Command("report"))
async def report_command(message: Message, uow: UnitOfWork, user: User, desk: StaffDesk, staff_member: bool) -> None:
    await _reports(message, uow, user, desk, staff_member).report(command_argument(message.text))


@router.message(Command("export"))
async def export_command(message: Message, uow: UnitOfWork, user: User, desk: StaffDesk, staff_member: bool) -> None:
    await _reports(message, uow, user, desk, staff_member).export(command_argument(message.text))
