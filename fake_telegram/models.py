"""Bot accounts, chats and forum topics held by the fake server."""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .users import FakeUser

# Update kinds Telegram sends when allowed_updates is not specified (or empty).
DEFAULT_EXCLUDED_UPDATES = {"chat_member", "message_reaction", "message_reaction_count"}


def public(message: dict[str, Any]) -> dict[str, Any]:
    """A message as the Bot API shows it: without the transcript's private ``_`` keys."""
    return copy.deepcopy({k: v for k, v in message.items() if not k.startswith("_")})


@dataclass
class QueuedUpdate:
    update: dict[str, Any]
    # A re-delivered duplicate must survive the offset the bot already confirmed, until it is fetched once.
    forced: bool = False
    delivered: bool = False

    @property
    def update_id(self) -> int:
        return self.update["update_id"]

    @property
    def kind(self) -> str:
        return next(key for key in self.update if key != "update_id")


class BotAccount:
    """One bot token known to the server, with its update queue and settings."""

    def __init__(self, token: str, username: str, first_name: str | None = None):
        self.token = token
        self.id = int(token.split(":", 1)[0])
        self.username = username
        self.first_name = first_name or username.removesuffix("_bot").replace("_", " ").title() or "Bot"
        self.queue: list[QueuedUpdate] = []
        self.next_update_id = 100_000_001
        self.allowed_updates: list[str] | None = None
        self.poll_owner: object | None = None
        self.webhook_url = ""
        self.webhook: Any = None  # a webhooks.WebhookDelivery while a webhook is set
        self.my_commands: dict[tuple[str, str | None], list[dict[str, Any]]] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.settings: dict[str, Any] = {}
        # On by default, as for every bot BotFather makes (/setprivacy turns it off): in groups
        # where it is not an administrator the bot then gets only commands and replies to it.
        self.privacy_mode = True

    def user_dict(self) -> dict[str, Any]:
        return {"id": self.id, "is_bot": True, "first_name": self.first_name, "username": self.username}

    def get_me(self) -> dict[str, Any]:
        return {
            **self.user_dict(),
            "can_join_groups": True,
            "can_read_all_group_messages": not self.privacy_mode,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def wants(self, kind: str) -> bool:
        if self.allowed_updates:
            return kind in self.allowed_updates
        return kind not in DEFAULT_EXCLUDED_UPDATES

    def confirm(self, offset: int) -> None:
        """Forget updates the bot confirmed by calling getUpdates with this offset."""
        if offset > 0:
            self.queue = [q for q in self.queue if q.update_id >= offset or (q.forced and not q.delivered)]
        elif offset < 0:
            self.queue = self.queue[offset:]


class ChatState:
    """Messages of one chat in order; message ids are chat-scoped and increasing."""

    type = "private"

    def __init__(self, chat_id: int):
        self.id = chat_id
        self.messages: list[dict[str, Any]] = []
        self.by_id: dict[int, dict[str, Any]] = {}
        self._next_message_id = 1
        self.revision = 0  # the server's revision at this chat's last change

    def next_message_id(self) -> int:
        message_id = self._next_message_id
        self._next_message_id += 1
        return message_id

    def add(self, message: dict[str, Any]) -> None:
        self.messages.append(message)
        self.by_id[message["message_id"]] = message

    def live(self, message_id: int | None) -> dict[str, Any] | None:
        message = self.by_id.get(message_id) if message_id is not None else None
        return None if message is None or message["_deleted"] else message

    def chat_dict(self) -> dict[str, Any]:
        raise NotImplementedError

    def full_info(self) -> dict[str, Any]:
        """ChatFullInfo as returned by getChat."""
        return {
            **self.chat_dict(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
                "premium_subscription": False, "gifts_from_channels": False,
            },
        }


class PrivateChat(ChatState):
    def __init__(self, user: FakeUser):
        super().__init__(user.id)
        self.user = user

    def chat_dict(self) -> dict[str, Any]:
        chat = {"id": self.id, "type": "private", "first_name": self.user.first_name}
        if self.user.last_name:
            chat["last_name"] = self.user.last_name
        if self.user.username:
            chat["username"] = self.user.username
        return chat


@dataclass
class FakeTopic:
    message_thread_id: int
    name: str
    icon_color: int = 0x6FB9F0
    icon_custom_emoji_id: str | None = None
    closed: bool = False
    history: list[str] = field(default_factory=list)

    @property
    def thread_id(self) -> int:
        return self.message_thread_id

    def as_dict(self) -> dict[str, Any]:
        topic: dict[str, Any] = {
            "message_thread_id": self.message_thread_id, "name": self.name, "icon_color": self.icon_color,
        }
        if self.icon_custom_emoji_id:
            topic["icon_custom_emoji_id"] = self.icon_custom_emoji_id
        return topic
