"""Catch-all, included last: every private input gets an answer that says what to do next."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message

from core.services import onboarding
from core.storage.models import User
from core.storage.uow import UnitOfWork

router = Router(name="fallback")


@router.message(F.chat.type == "private")
async def unknown_private_input(message: Message, uow: UnitOfWork, user: User) -> None:
    await onboarding.unknown_input(uow, user)


@router.callback_query()
async def stale_button(callback: CallbackQuery, uow: UnitOfWork, user: User) -> None:
    await onboarding.expired_button(uow, user, callback.id)
