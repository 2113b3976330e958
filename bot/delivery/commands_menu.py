"""The command menu each locale sees (setMyCommands)."""
from __future__ import annotations

from aiogram.types import BotCommand

from bot.i18n import Renderer
from core.intents import Phrase

# Customer commands in the private chat, in menu order.
CUSTOMER_COMMANDS: tuple[tuple[str, Phrase], ...] = (
    ("new", Phrase("commands.new")),
    ("status", Phrase("commands.status")),
    ("cancel", Phrase("commands.cancel")),
    ("withdraw", Phrase("commands.withdraw")),
    ("mydata", Phrase("commands.mydata")),
    ("forget", Phrase("commands.forget")),
    ("language", Phrase("commands.language")),
    ("help", Phrase("commands.help")),
    ("start", Phrase("commands.start")),
)


# Setting up and checking the desk, in every group the bot is in.
GROUP_COMMANDS: tuple[tuple[str, Phrase], ...] = (
    ("setup", Phrase("commands.setup")),
    ("id", Phrase("commands.id")),
    ("members", Phrase("commands.members")),
)


def customer_commands(renderer: Renderer, locale: str) -> list[BotCommand]:
    return [BotCommand(command=name, description=renderer.render(text, locale)) for name, text in CUSTOMER_COMMANDS]


def group_commands(renderer: Renderer, locale: str) -> list[BotCommand]:
    return [BotCommand(command=name, description=renderer.render(text, locale)) for name, text in GROUP_COMMANDS]
