"""Who is writing to us and in which language we answer."""
from __future__ import annotations

from dataclasses import dataclass

from core.locale import SUPPORTED_LOCALES, command_scope_language, locale_for
from core.intents import SetChatCommands
from core.storage.models import User
from core.storage.uow import UnitOfWork


@dataclass(frozen=True)
class Person:
    """What Telegram tells us about the sender of an update."""

    user_id: int
    first_name: str
    language_code: str | None


async def touch_user(uow: UnitOfWork, person: Person, default_locale: str, private_chat: bool) -> User:
    """Create or refresh the user row; the locale follows Telegram until the user picks one."""
    now = uow.clock.now()
    user = await uow.users.get(person.user_id)
    if user is None:
        user = User(
            id=person.user_id,
            first_name=person.first_name,
            language_code=person.language_code,
            locale=locale_for(person.language_code, default_locale),
            locale_chosen=False,
            created_at=now,
            updated_at=now,
        )
        uow.users.add(user)
        if private_chat:
            _register_commands_if_needed(uow, user, default_locale)
        return user
    if (user.first_name, user.language_code) != (person.first_name, person.language_code):
        user.first_name = person.first_name
        user.language_code = person.language_code
        if not user.locale_chosen:
            user.locale = locale_for(person.language_code, default_locale)
        user.updated_at = now
    return user


def _register_commands_if_needed(uow: UnitOfWork, user: User, default_locale: str) -> None:
    # Telegram serves the command menu by two-letter code; when that code would give this
    # user another locale's menu (zh-hk gets "zh", which is zh_Hans), register it per chat.
    language = (user.language_code or "").split("-")[0].lower()
    served = {command_scope_language(loc): loc for loc in SUPPORTED_LOCALES if command_scope_language(loc)}
    if served.get(language, default_locale) != user.locale:
        uow.emit(SetChatCommands(chat_id=user.id, locale=user.locale))


async def choose_locale(uow: UnitOfWork, user: User, locale: str) -> None:
    if locale not in SUPPORTED_LOCALES:
        raise ValueError(f"unsupported locale {locale!r}")
    user.locale = locale
    user.locale_chosen = True
    user.updated_at = uow.clock.now()
    uow.emit(SetChatCommands(chat_id=user.id, locale=locale))
