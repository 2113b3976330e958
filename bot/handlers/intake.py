"""The customer's private chat: thin handlers that parse each input and hand it to core
(the inbox decides what a message means; commands and buttons go to their use-cases)."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from bot.dialogs.inputs import command_argument, evidence_from
from core.services import routing
from core.services.callbacks import CustomerButton, IntakeButton, RelayChoice
from core.services.case_lifecycle import CustomerDecisions
from core.services.inbox import Inbox
from core.services.intake import Intake, IntakeContext
from core.services.staff_desk import StaffDesk
from core.services.status import show_status
from core.storage.models import User
from core.storage.uow import UnitOfWork

router = Router(name="intake")
router.message.filter(F.chat.type == "private")
router.edited_message.filter(F.chat.type == "private")
router.callback_query.filter(F.message.chat.type == "private")


@router.message(Command("new"))
async def new_command(message: Message, uow: UnitOfWork, user: User, intake: IntakeContext) -> None:
    await Intake(uow, user, intake).start()


@router.message(Command("cancel"))
async def cancel_command(message: Message, uow: UnitOfWork, user: User, intake: IntakeContext) -> None:
    await Intake(uow, user, intake).cancel_command()


@router.message(Command("withdraw"))
async def withdraw_command(message: Message, uow: UnitOfWork, user: User, desk: StaffDesk) -> None:
    await CustomerDecisions(uow, desk, user).withdraw_command()


@router.message(Command("status"))
async def status_command(message: Message, command: CommandObject, uow: UnitOfWork, user: User, intake: IntakeContext) -> None:
    await show_status(uow, user, intake.config, command_argument(command, message))


@router.message(F.text.startswith("/"))
async def other_command(message: Message, uow: UnitOfWork, user: User, intake: IntakeContext) -> None:
    await Intake(uow, user, intake).unexpected_command()


@router.message(F.text)
async def text_input(message: Message, uow: UnitOfWork, user: User, intake: IntakeContext, desk: StaffDesk) -> None:
    await Inbox(uow, user, intake, desk).text(message.message_id, message.text or "")


@router.message(F.contact)
async def contact_input(message: Message, uow: UnitOfWork, user: User, intake: IntakeContext) -> None:
    assert message.contact is not None
    await Intake(uow, user, intake).contact(message.contact.phone_number)


@router.message(F.func(lambda message: evidence_from(message) is not None))
async def evidence_input(message: Message, uow: UnitOfWork, user: User, intake: IntakeContext, desk: StaffDesk) -> None:
    evidence = evidence_from(message)
    assert evidence is not None
    await Inbox(uow, user, intake, desk).media(evidence)


@router.message()
async def unsupported_input(message: Message, uow: UnitOfWork, user: User, intake: IntakeContext) -> None:
    await Intake(uow, user, intake).unsupported()


@router.edited_message(F.text | F.caption)
async def edited_message(message: Message, uow: UnitOfWork, user: User, intake: IntakeContext, desk: StaffDesk) -> None:
    if message.text is not None:
        await Inbox(uow, user, intake, desk).edited(message.message_id, message.text)
    else:
        await Inbox(uow, user, intake, desk).edited(message.message_id, message.caption or "", caption=True)


@router.callback_query(F.data.func(CustomerButton.matches))
async def case_decision(callback: CallbackQuery, uow: UnitOfWork, user: User, desk: StaffDesk) -> None:
    await CustomerDecisions(uow, desk, user).press(callback.id, callback.data or "")


@router.callback_query(F.data.func(RelayChoice.matches))
async def relay_case_choice(callback: CallbackQuery, uow: UnitOfWork, user: User, desk: StaffDesk) -> None:
    await routing.choose_case(uow, desk, user, callback.id, callback.data or "")


@router.callback_query(F.data.func(IntakeButton.matches))
async def intake_button(callback: CallbackQuery, uow: UnitOfWork, user: User, intake: IntakeContext) -> None:
    await Intake(uow, user, intake).press(callback.id, callback.data or "")
