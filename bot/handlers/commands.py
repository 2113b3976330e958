"""Customer commands in the private chat: /start, /help, /language and the language
buttons, /mydata and /forget."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandStart
from aiogram.types import CallbackQuery, Message

from core.services import onboarding
from core.services.callbacks import LanguageButton, PrivacyButton
from core.services.inbox import Inbox
from core.services.intake import IntakeContext
from core.services.privacy import PersonalData
from core.services.staff_desk import StaffDesk
from core.storage.models import User
from core.storage.uow import UnitOfWork

router = Router(name="customer-commands")
router.message.filter(F.chat.type == "private")
router.callback_query.filter(F.message.chat.type == "private")


@router.message(CommandStart())
async def start_command(message: Message, uow: UnitOfWork, user: User, intake: IntakeContext, desk: StaffDesk) -> None:
    await Inbox(uow, user, intake, desk).start()


@router.message(Command("help"))
async def help_command(message: Message, uow: UnitOfWork, user: User) -> None:
    await onboarding.show_help(uow, user)


@router.message(Command("language"))
async def language_command(message: Message, uow: UnitOfWork, user: User) -> None:
    await onboarding.show_language_menu(uow, user)


@router.callback_query(F.data.func(LanguageButton.matches))
async def language_button(callback: CallbackQuery, uow: UnitOfWork, user: User) -> None:
    button = LanguageButton.decode(callback.data)
    assert button is not None
    await onboarding.press_language_button(uow, user, callback.id, button.choice)


@router.message(Command("mydata"))
async def my_data_command(message: Message, uow: UnitOfWork, user: User, desk: StaffDesk) -> None:
    await PersonalData(uow, user, desk).send_export()


@router.message(Command("forget"))
async def forget_command(message: Message, uow: UnitOfWork, user: User, desk: StaffDesk) -> None:
    await PersonalData(uow, user, desk).ask_to_forget()


@router.callback_query(F.data.func(PrivacyButton.matches))
async def forget_button(callback: CallbackQuery, uow: UnitOfWork, user: User, desk: StaffDesk) -> None:
    await PersonalData(uow, user, desk).press(callback.id, callback.data or "")
