"""Greeting, help and the language switch."""
from __future__ import annotations

from core.intents import AnswerCallback, Button, Phrase, SendMessage
from core.locale import SUPPORTED_LOCALES
from core.services.accounts import choose_locale
from core.services.callbacks import IntakeButton, LanguageButton
from core.storage.models import User
from core.storage.uow import UnitOfWork

# Handled by the intake dialog: starts a new complaint whatever step the customer is at.
NEW_COMPLAINT_CALLBACK = IntakeButton(0, "new").encode()
# Literal ids so the catalog extractor sees every one of them.
LANGUAGE_NAMES = {
    "zh_Hans": Phrase("language.name.zh_Hans"),
    "zh_Hant": Phrase("language.name.zh_Hant"),
    "en": Phrase("language.name.en"),
}


def language_buttons() -> tuple[tuple[Button, ...], ...]:
    return tuple(
        (Button(LANGUAGE_NAMES[locale], LanguageButton(locale).encode()),) for locale in SUPPORTED_LOCALES
    )


async def start(uow: UnitOfWork, user: User, returning: bool) -> None:
    """The greeting; a returning customer also gets a button for a new complaint."""
    language = (Button(Phrase("start.button.language"), LanguageButton("menu").encode()),)
    if returning:
        uow.emit(
            SendMessage(
                user.id,
                user.locale,
                Phrase("start.greeting_returning", name=user.first_name),
                ((Button(Phrase("start.button.new"), NEW_COMPLAINT_CALLBACK),), language),
            )
        )
        return
    uow.emit(SendMessage(user.id, user.locale, Phrase("start.greeting", name=user.first_name), (language,)))


async def show_help(uow: UnitOfWork, user: User) -> None:
    uow.emit(SendMessage(chat_id=user.id, locale=user.locale, text=Phrase("help.text")))


async def show_language_menu(uow: UnitOfWork, user: User) -> None:
    uow.emit(
        SendMessage(
            chat_id=user.id,
            locale=user.locale,
            text=Phrase("language.prompt", current=LANGUAGE_NAMES[user.locale]),
            buttons=language_buttons(),
        )
    )


async def press_language_button(uow: UnitOfWork, user: User, callback_id: str, choice: str) -> None:
    """A press on the greeting's language button or on one of the menu's locales."""
    if choice == "menu":
        uow.emit(AnswerCallback(user.id, user.locale, callback_id))
        await show_language_menu(uow, user)
        return
    if choice not in SUPPORTED_LOCALES:
        uow.emit(AnswerCallback(user.id, user.locale, callback_id, Phrase("language.unknown")))
        return
    await choose_locale(uow, user, choice)
    uow.emit(
        AnswerCallback(user.id, choice, callback_id),
        SendMessage(user.id, choice, Phrase("language.changed", language=LANGUAGE_NAMES[choice])),
    )


async def unknown_input(uow: UnitOfWork, user: User) -> None:
    uow.emit(SendMessage(chat_id=user.id, locale=user.locale, text=Phrase("fallback.unknown")))


async def apologise_for_fault(uow: UnitOfWork, chat_id: int, locale: str) -> None:
    uow.emit(SendMessage(chat_id=chat_id, locale=locale, text=Phrase("error.internal")))


async def expired_button(uow: UnitOfWork, user: User, callback_id: str) -> None:
    uow.emit(AnswerCallback(user.id, user.locale, callback_id, Phrase("button.expired")))
