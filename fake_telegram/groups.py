"""Groups and supergroups (optionally forums) that users and the bot talk in."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .models import ChatState, FakeTopic

if TYPE_CHECKING:
    from .models import BotAccount
    from .users import FakeUser

MEMBER_STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")
IN_CHAT = ("creator", "administrator", "member", "restricted")
# The administrator rights a bot can hold (ChatMemberAdministrator), all granted by default.
BOT_ADMIN_RIGHTS = (
    "can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
    "can_promote_members", "can_change_info", "can_invite_users", "can_post_stories", "can_edit_stories",
    "can_delete_stories", "can_pin_messages", "can_manage_topics",
)


class FakeGroup(ChatState):
    def __init__(self, chat_id: int, title: str, chat_type: str, forum: bool, username: str | None):
        super().__init__(chat_id)
        self.type = chat_type
        self.title = title
        self.forum = forum
        self.username = username
        self.members: dict[int, str] = {}
        self.users: dict[int, FakeUser] = {}
        self.topic_map: dict[int, FakeTopic] = {}
        # Bots usually need admin rights here (topics, deleting messages); tests may change this,
        # or promote, demote, add and remove the bot with the server's bot-membership methods,
        # which also send the bot its my_chat_member update.
        self.bot_status = "administrator"
        # The bot's administrator rights, while bot_status is "administrator".
        self.bot_rights: dict[str, bool] = {right: True for right in BOT_ADMIN_RIGHTS}
        # Emoji reactions allowed here; None: all of them, []: reactions turned off.
        self.available_reactions: list[str] | None = None
        # The supergroup this (basic) group was upgraded to: calls about it then answer 400
        # with migrate_to_chat_id, as Telegram's do.
        self.migrated_to: int | None = None

    @property
    def chat_id(self) -> int:
        return self.id

    @property
    def topics(self) -> list[FakeTopic]:
        return list(self.topic_map.values())

    def topic(self, name_or_id: str | int) -> FakeTopic:
        for topic in self.topic_map.values():
            if name_or_id in (topic.message_thread_id, topic.name):
                return topic
        raise LookupError(f"no topic {name_or_id!r} in {self.title!r}; topics: {[t.name for t in self.topics]}")

    def add_member(self, user: FakeUser, status: str = "member") -> None:
        if status not in MEMBER_STATUSES:
            raise ValueError(f"unknown member status {status!r}")
        self.members[user.id] = status
        self.users[user.id] = user

    def remove_member(self, user: FakeUser, status: str = "left") -> None:
        self.add_member(user, status)

    def status_of(self, user_id: int) -> str:
        return self.members.get(user_id, "left")

    @property
    def bot_in_chat(self) -> bool:
        return self.bot_status in IN_CHAT

    def bot_can(self, right: str) -> bool:
        """Whether the bot holds an administrator right here."""
        return self.bot_status == "administrator" and self.bot_rights.get(right, False)

    def bot_sees(self, bot: BotAccount, message: dict[str, Any], explicit_reply: bool) -> bool:
        """Whether Telegram gives this bot a member's message: bots outside the chat get nothing;
        administrators and bots with privacy mode off get everything; a bot in privacy mode gets
        commands (unaddressed, or addressed to it), replies to its own messages and service
        messages. In a forum the implicit reply to the topic's first message does not count."""
        if not self.bot_in_chat:
            return False
        if self.bot_status == "administrator" or not bot.privacy_mode:
            return True
        if not any(key in message for key in ("text", "caption", "photo", "document", "voice", "video",
                                               "sticker", "contact", "location")):
            return True  # service messages: members joining, topics created...
        text = message.get("text") or ""
        entities = message.get("entities") or []
        if text.startswith("/") and any(e["type"] == "bot_command" and e["offset"] == 0 for e in entities):
            _, _, addressee = text.split(maxsplit=1)[0].partition("@")
            if not addressee or addressee.lower() == bot.username.lower():
                return True
        reply = message.get("reply_to_message")
        return explicit_reply and reply is not None and reply.get("from", {}).get("id") == bot.id

    def chat_dict(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.id, "type": self.type, "title": self.title}
        if self.username:
            chat["username"] = self.username
        if self.forum:
            chat["is_forum"] = True
        return chat

    def full_info(self) -> dict[str, Any]:
        info = super().full_info()
        if self.available_reactions is not None:
            info["available_reactions"] = [{"type": "emoji", "emoji": e} for e in self.available_reactions]
        return info

    def __repr__(self) -> str:
        return f"FakeGroup(id={self.id}, title={self.title!r}, forum={self.forum})"
