"""Everything the fake server knows, plus change notification for waiters."""
from __future__ import annotations

import asyncio
import copy
import itertools
import time
from typing import Any

from .files import FileStore
from .groups import FakeGroup
from .models import BotAccount, ChatState, QueuedUpdate, public
from .users import FakeUser


class Call:
    """One Bot API request; unpacks as ``(method, params, time, outcome)``."""

    __slots__ = ("method", "params", "time", "outcome", "token")

    def __init__(self, method: str, params: dict[str, Any], at: float, token: str):
        self.method = method
        self.params = params
        self.time = at
        self.outcome = "pending"  # "ok", "<code>: <description>", "drop" or "timeout"
        self.token = token

    def __iter__(self):
        return iter((self.method, self.params, self.time, self.outcome))

    def __getitem__(self, index: int) -> Any:
        return tuple(self)[index]

    def __len__(self) -> int:
        return 4

    def __repr__(self) -> str:
        return f"Call({self.method!r}, outcome={self.outcome!r})"


class ServerState:
    def __init__(self, token: str, bot_username: str, strict_html_ampersand: bool = True):
        self._init_state(token, bot_username, strict_html_ampersand)
        self.generation = 0

    def _init_state(self, token: str, bot_username: str, strict_html_ampersand: bool) -> None:
        self.bots: dict[str, BotAccount] = {}
        self.bot = self.add_bot(token, bot_username)
        self.users: dict[int, FakeUser] = {}
        self.chats: dict[int, ChatState] = {}
        self.files = FileStore()
        self.calls: list[Call] = []
        self.callback_answers: list[dict[str, Any]] = []
        self.callback_answer_users: list[int] = []  # who pressed, for each of callback_answers
        self.pending_callbacks: dict[str, dict[str, Any]] = {}
        # Real Telegram keeps a bare "&" as text; failing on it catches unescaped user input early.
        self.strict_html_ampersand = strict_html_ampersand
        self._user_ids = itertools.count(700_000_001)
        self._group_ids = itertools.count(1)
        self._callback_ids = itertools.count(4_000_000_000_000_000_001)
        self._changed: asyncio.Event | None = None
        self.closing = False
        # Raised by touch() on every change a chat client would show (see stream.py).
        self.revision = 0

    def reset(self) -> None:
        """Forget every user, chat, file, call and update, keeping the bot's token and username;
        `generation` tells watchers that what they hold is gone."""
        self.notify()  # waiters on the old state re-check and find it gone
        self._init_state(self.bot.token, self.bot.username, self.strict_html_ampersand)
        self.generation += 1

    # -- accounts and chats -------------------------------------------------
    def add_bot(self, token: str, username: str, first_name: str | None = None) -> BotAccount:
        account = BotAccount(token, username, first_name)
        self.bots[token] = account
        return account

    def get_bot(self, bot: BotAccount | str | None) -> BotAccount:
        if bot is None:
            return self.bot
        if isinstance(bot, BotAccount):
            return bot
        for account in self.bots.values():
            if bot in (account.token, account.username):
                return account
        raise LookupError(f"unknown bot {bot!r}")

    @property
    def my_commands(self) -> dict[tuple[str, str | None], list[dict[str, Any]]]:
        return self.bot.my_commands

    def create_user(
        self,
        first_name: str = "Test",
        language_code: str | None = "en",
        last_name: str | None = None,
        username: str | None = None,
        started_bot: bool = True,
    ) -> FakeUser:
        user_id = next(self._user_ids)
        user = FakeUser(self, user_id, first_name, last_name, username, language_code, started_bot)
        self.users[user_id] = user
        self.chats[user_id] = user.chat
        self.notify()
        return user

    def create_group(
        self,
        title: str = "Group",
        forum: bool = False,
        members: dict[FakeUser, str] | None = None,
        username: str | None = None,
        supergroup: bool = True,
        bot_status: str = "administrator",
    ) -> FakeGroup:
        """`bot_status`: the bot's place in the group from the start, with no update about it
        ("left": not in it; see bot_membership for changes the bot is told of)."""
        n = next(self._group_ids)
        if forum and not supergroup:
            raise ValueError("only supergroups can be forums")
        chat_id = -(1_000_000_000_000 + n) if supergroup else -(4_000_000_000 + n)
        group = FakeGroup(chat_id, title, "supergroup" if supergroup else "group", forum, username)
        group.bot_status = bot_status
        for user, status in (members or {}).items():
            group.add_member(user, status)
        self.chats[chat_id] = group
        self.notify()
        return group

    def find_chat(self, chat_id: int | str) -> ChatState | None:
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            name = chat_id[1:].lower()
            return next(
                (c for c in self.chats.values() if isinstance(c, FakeGroup) and (c.username or "").lower() == name),
                None,
            )
        return self.chats.get(int(chat_id))

    def chat_of(self, chat: int | ChatState | FakeUser) -> ChatState | None:
        if isinstance(chat, FakeUser):
            return chat.chat
        if isinstance(chat, ChatState):
            return chat
        return self.chats.get(chat)

    # -- messages and updates ----------------------------------------------
    def record(
        self,
        chat: ChatState,
        sender: dict[str, Any],
        fields: dict[str, Any],
        *,
        from_bot: bool,
        thread_id: int | None = None,
        reply_to: dict[str, Any] | None = None,
        service: bool = False,
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Append a message to the chat's transcript and wake up waiters."""
        message: dict[str, Any] = {
            "message_id": chat.next_message_id(),
            "from": sender,
            "chat": chat.chat_dict(),
            "date": int(time.time()),
        }
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
            # In forums Telegram presents a topic message as a reply to the topic's creation message.
            reply_to = reply_to or chat.by_id.get(thread_id)
        if reply_to is not None:
            nested = public(reply_to)
            nested.pop("reply_to_message", None)
            message["reply_to_message"] = nested
        message.update(fields)
        message.update(_from_bot=from_bot, _sent_at=time.monotonic(), _edits=[], _deleted=False)
        if service:
            message["_service"] = True
        if extra:
            message.update(extra)
        chat.add(message)
        self.touch(chat, message)
        return message

    def touch(self, chat: ChatState, message: dict[str, Any] | None = None) -> None:
        """Mark a chat (and one of its messages) as changed for watchers of the stream, and wake waiters."""
        self.revision += 1
        chat.revision = self.revision
        if message is not None:
            message["_rev"] = self.revision
        self.notify()

    def enqueue(self, kind: str, payload: dict[str, Any], bot: BotAccount | str | None = None) -> dict[str, Any]:
        account = self.get_bot(bot)
        update = {"update_id": account.next_update_id, kind: copy.deepcopy(payload)}
        account.next_update_id += 1
        account.queue.append(QueuedUpdate(update))
        self.notify()
        return copy.deepcopy(update)

    def deliver_twice(self, update: dict[str, Any], bot: BotAccount | str | None = None) -> dict[str, Any]:
        """Queue an already-sent update again, with the same update_id, as Telegram does after a lost ack."""
        account = self.get_bot(bot)
        queued = QueuedUpdate(copy.deepcopy(update), forced=True)
        # Keep the queue ordered by update_id so that the bot's next offset does not skip newer updates.
        index = next((i for i, q in enumerate(account.queue) if q.update_id > queued.update_id), len(account.queue))
        account.queue.insert(index, queued)
        self.notify()
        return copy.deepcopy(update)

    def pending_updates(self, bot: BotAccount | str | None = None) -> list[dict[str, Any]]:
        return [copy.deepcopy(q.update) for q in self.get_bot(bot).queue]

    def new_callback_id(self) -> str:
        return str(next(self._callback_ids))

    # -- change notification ------------------------------------------------
    def notify(self) -> None:
        if self._changed is not None:
            self._changed.set()
            self._changed = None

    async def changed(self, timeout: float | None) -> bool:
        """Wait for the next state change; False on timeout. Callers re-check their condition after."""
        if self._changed is None:
            self._changed = asyncio.Event()
        event = self._changed
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            return False
        return True
