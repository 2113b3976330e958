"""A command's argument, read from aiogram's CommandObject the way the commands always read it."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from aiogram.filters import Command
from aiogram.types import Chat, Message, PhotoSize

from bot.dialogs.inputs import command_argument

CHAT = Chat(id=-100, type="supergroup")
WHEN = datetime(2026, 1, 2, tzinfo=timezone.utc)


def _text(text: str) -> Message:
    return Message(message_id=1, date=WHEN, chat=CHAT, text=text)


@pytest.mark.parametrize(
    ("text", "argument"),
    [
        ("/find", None),
        ("/find   ", None),
        ("/find refund", "refund"),
        ("/find  late   delivery  ", "late   delivery"),
        ("/assign@kesu_bot KS-20260102-0001 42", "KS-20260102-0001 42"),
        ("/note\nfirst line\nsecond line\n", "first line\nsecond line"),
        ("/propose A refund of 20.\n\nThen a call.", "A refund of 20.\n\nThen a call."),
        ("/ban\t7\tspam", "7\tspam"),
    ],
)
def test_the_words_after_the_command_on_its_line_and_the_following_ones(text: str, argument: str | None) -> None:
    assert command_argument(Command.extract_command(text), _text(text)) == argument


def test_a_command_in_a_caption_takes_no_argument() -> None:
    caption = "/note the receipt looks altered"
    photo = Message(message_id=2, date=WHEN, chat=CHAT, caption=caption, photo=[PhotoSize(file_id="f", file_unique_id="u", width=1, height=1)])
    assert command_argument(Command.extract_command(caption), photo) is None
