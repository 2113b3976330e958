"""Groups and supergroups (optionally forums) that users and the bot talk in."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .models import ChatState, FakeTopic

if TYPE_CHECKING:
    from .users import FakeUser

MEMBER_STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")


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
        # Bots usually need admin rights here (topics, deleting messages); tests may change this.
        self.bot_status = "administrator"
        # Emoji reactions allowed here; None: all of them, []: reactions turned off.
        self.available_reactions: list[str] | None = None

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
