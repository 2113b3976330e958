"""Fake Telegram users: what a test makes a person do in front of the bot."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import user_actions as act
from .files import media_fields
from .models import PrivateChat

if TYPE_CHECKING:
    from .groups import FakeGroup
    from .state import ServerState

Update = dict[str, Any]


class FakeUser:
    """A human user. Every ``send_*`` enqueues an Update for the bot and returns it.

    ``chat`` defaults to the private chat with the bot; pass a FakeGroup to act in a group.
    """

    def __init__(self, server: ServerState, user_id: int, first_name: str, last_name: str | None,
                 username: str | None, language_code: str | None, started_bot: bool = True):
        self.server = server
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.blocked = False
        # Bots can't message users who never opened a chat with them (403), like on Telegram.
        self.started_bot = started_bot
        self.chat = PrivateChat(self)

    @property
    def chat_id(self) -> int:
        return self.id

    def as_dict(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    # -- messages -------------------------------------------------------------
    def send_text(self, text: str, reply_to_message_id: int | None = None, *, chat: FakeGroup | None = None,
                  message_thread_id: int | None = None, entities: list[dict[str, Any]] | None = None,
                  bot: str | None = None) -> Update:
        return act.send(self, act.text_fields(text, entities), chat, message_thread_id, reply_to_message_id, bot)

    def send_text_in(self, group: FakeGroup, text: str, message_thread_id: int | None = None,
                     reply_to_message_id: int | None = None, **kwargs: Any) -> Update:
        return self.send_text(text, reply_to_message_id, chat=group, message_thread_id=message_thread_id, **kwargs)

    def send_command(self, command: str, chat: FakeGroup | None = None, message_thread_id: int | None = None,
                     bot: str | None = None) -> Update:
        if not command.startswith("/"):
            command = "/" + command
        return act.send(self, act.command_fields(command), chat, message_thread_id, None, bot)

    def send_photo(self, caption: str | None = None, data: bytes | None = None, **where: Any) -> Update:
        stored = self.server.files.add("photo", data)
        return self._send_media(stored, caption, **where)

    def send_document(self, file_name: str = "document.pdf", caption: str | None = None, data: bytes | None = None,
                      mime_type: str | None = None, **where: Any) -> Update:
        meta = {"mime_type": mime_type} if mime_type else {}
        stored = self.server.files.add("document", data, file_name=file_name, **meta)
        return self._send_media(stored, caption, **where)

    def send_voice(self, duration: int = 3, caption: str | None = None, data: bytes | None = None,
                   **where: Any) -> Update:
        stored = self.server.files.add("voice", data, duration=duration)
        return self._send_media(stored, caption, **where)

    def send_video(self, duration: int = 5, caption: str | None = None, data: bytes | None = None,
                   **where: Any) -> Update:
        stored = self.server.files.add("video", data, duration=duration)
        return self._send_media(stored, caption, **where)

    def send_sticker(self, emoji: str = "👍", **where: Any) -> Update:
        stored = self.server.files.add("sticker", None, emoji=emoji)
        return self._send_media(stored, None, **where)

    def send_contact(self, phone_number: str = "+8613800138000", first_name: str | None = None,
                     last_name: str | None = None, own: bool = True, **where: Any) -> Update:
        contact: dict[str, Any] = {"phone_number": phone_number, "first_name": first_name or self.first_name}
        if last_name or (own and self.last_name):
            contact["last_name"] = last_name or self.last_name
        if own:
            contact["user_id"] = self.id
        return self._send({"contact": contact}, **where)

    def send_location(self, latitude: float = 31.2304, longitude: float = 121.4737, **where: Any) -> Update:
        return self._send({"location": {"latitude": latitude, "longitude": longitude}}, **where)

    def edit_message(self, message_id: int, text: str, chat: FakeGroup | None = None,
                     bot: str | None = None) -> Update:
        return act.edit(self, chat or self.chat, message_id, text, bot)

    # -- buttons and blocking -------------------------------------------------
    def press_button(self, message_id: int, callback_data: str, chat: FakeGroup | None = None,
                     bot: str | None = None) -> Update:
        return act.press(self, chat or self.chat, message_id, bot, data=callback_data)

    def press_button_text(self, message_id: int, text: str, chat: FakeGroup | None = None,
                          bot: str | None = None) -> Update:
        return act.press(self, chat or self.chat, message_id, bot, text=text)

    def set_language_code(self, language_code: str | None) -> None:
        """The person switches their Telegram app's language: later updates carry the new code."""
        self.language_code = language_code or None
        self.server.notify()

    def block_bot(self, bot: str | None = None) -> Update:
        self.blocked = True
        return act.member_change(self, "member", "kicked", bot)

    def unblock_bot(self, bot: str | None = None) -> Update:
        self.blocked = False
        return act.member_change(self, "kicked", "member", bot)

    # -- helpers --------------------------------------------------------------
    def _send_media(self, stored: Any, caption: str | None, **where: Any) -> Update:
        fields = media_fields(self.server.files, stored)
        if caption:
            fields["caption"] = caption
        return self._send(fields, **where)

    def _send(self, fields: dict[str, Any], chat: FakeGroup | None = None, message_thread_id: int | None = None,
              reply_to_message_id: int | None = None, bot: str | None = None) -> Update:
        return act.send(self, fields, chat, message_thread_id, reply_to_message_id, bot)

    def __repr__(self) -> str:
        return f"FakeUser(id={self.id}, first_name={self.first_name!r})"
