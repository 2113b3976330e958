"""Which Telegram inputs the intake dialog accepts, and how they become domain values.

Every step accepts: text (its answer, or a typed button word), evidence (kept with the
complaint at any step), a shared contact (the phone number). Anything else gets a polite
answer and the current prompt again.
"""
from __future__ import annotations

from aiogram.filters import CommandObject
from aiogram.types import Message

from core.domain.intake import Evidence

EVIDENCE_KINDS = ("photo", "document", "voice", "video", "video_note", "audio")


def evidence_from(message: Message) -> Evidence | None:
    if message.photo:
        largest = message.photo[-1]
        return Evidence("photo", largest.file_id, largest.file_unique_id, message.message_id, message.caption)
    for kind in EVIDENCE_KINDS[1:]:
        media = getattr(message, kind)
        if media is not None:
            return Evidence(
                kind, media.file_id, media.file_unique_id, message.message_id, message.caption, getattr(media, "file_name", None)
            )
    return None


def command_argument(command: CommandObject, message: Message) -> str | None:
    """The words after a command, on its line and the following ones; None when there
    are none. aiogram's Command filter also matches a command in a media caption, but a
    caption is the media's own words: such a command takes no argument."""
    if message.text is None or not command.args:
        return None
    return command.args.strip() or None
