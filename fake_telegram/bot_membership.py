"""The bot's own place in groups, changed the way people change it in Telegram's apps.

Each change sends the bot its ``my_chat_member`` update (a ChatMemberUpdated: who changed
what, the bot's ChatMember before and after), as Telegram does::

    server.add_bot_to_group(group, by=owner)                          # added as a plain member
    server.promote_bot(group, by=owner, can_manage_topics=False)   # administrator without one right
    server.demote_bot(group, by=owner)                       # back to a plain member
    server.remove_bot(group, by=owner, kicked=True)          # removed (banned) from the group
    server.set_privacy_mode(False)                           # BotFather -> /setprivacy -> Disable
    server.set_forum(group, False)                           # the group's Topics switch turned off
    supergroup = server.upgrade_to_supergroup(basic, by=owner, forum=True)   # a new id, as Telegram gives

A bot added to a group also gets the service message with ``new_chat_members``; a removed
bot gets nothing more from the group. ``create_group(..., bot_status="left")`` starts a group
without the bot.
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from .groups import BOT_ADMIN_RIGHTS, IN_CHAT, MEMBER_STATUSES, FakeGroup
from .methods_chats import bot_member
from .models import BotAccount, public

if TYPE_CHECKING:
    from .users import FakeUser

BOT_STATUSES = ("administrator", "member", "restricted", "left", "kicked")


class BotMembershipMixin:
    def set_bot_status(self, group: FakeGroup, status: str, by: FakeUser, rights: dict[str, bool] | None = None,
                       bot: BotAccount | str | None = None) -> dict[str, Any]:
        """Changes the bot's status (and, for an administrator, its rights) in the group and
        enqueues the my_chat_member update; returns it."""
        if status not in BOT_STATUSES:
            raise ValueError(f"a bot can't have status {status!r} (one of {BOT_STATUSES})")
        unknown = set(rights or {}) - set(BOT_ADMIN_RIGHTS)
        if unknown:
            raise ValueError(f"unknown administrator rights {sorted(unknown)}")
        account = self.get_bot(bot)  # type: ignore[attr-defined]
        before = bot_member(group, account.user_dict())
        joined = group.bot_status not in IN_CHAT and status in IN_CHAT
        group.bot_status = status
        group.bot_rights = {right: True for right in BOT_ADMIN_RIGHTS} | dict(rights or {})
        after = bot_member(group, account.user_dict())
        if before == after:
            raise ValueError(f"the bot already is {status!r} with these rights in {group!r}")
        change = {
            "chat": group.chat_dict(),
            "from": by.as_dict(),
            "date": int(time.time()),
            "old_chat_member": before,
            "new_chat_member": after,
        }
        update = self.enqueue("my_chat_member", change, account)  # type: ignore[attr-defined]
        if joined:
            message = self.record(group, by.as_dict(), {"new_chat_members": [account.user_dict()]},  # type: ignore[attr-defined]
                                  from_bot=False)
            self.enqueue("message", public(message), account)  # type: ignore[attr-defined]
        elif status not in IN_CHAT and before["status"] in IN_CHAT:
            # Everyone else sees the bot leave; the bot itself gets nothing more from the group.
            self.record(group, by.as_dict(), {"left_chat_member": account.user_dict()}, from_bot=False)  # type: ignore[attr-defined]
        return update

    def add_bot_to_group(self, group: FakeGroup, by: FakeUser, admin: bool = False, bot: BotAccount | str | None = None,
                **rights: bool) -> dict[str, Any]:
        """Someone adds the bot to the group (Add Members), as a member or straight as an administrator."""
        return self.set_bot_status(group, "administrator" if admin else "member", by, rights, bot)

    def promote_bot(self, group: FakeGroup, by: FakeUser, bot: BotAccount | str | None = None,
                    **rights: bool) -> dict[str, Any]:
        """Administrators -> Add Admin (or edit the bot's rights): every right on unless given False."""
        return self.set_bot_status(group, "administrator", by, rights, bot)

    def demote_bot(self, group: FakeGroup, by: FakeUser, bot: BotAccount | str | None = None) -> dict[str, Any]:
        """Dismiss Admin: the bot stays in the group as a plain member."""
        return self.set_bot_status(group, "member", by, None, bot)

    def remove_bot(self, group: FakeGroup, by: FakeUser, kicked: bool = False,
                   bot: BotAccount | str | None = None) -> dict[str, Any]:
        """Remove from group; `kicked` bans it too, as "Remove and ban" does."""
        return self.set_bot_status(group, "kicked" if kicked else "left", by, None, bot)

    def set_privacy_mode(self, enabled: bool, bot: BotAccount | str | None = None) -> None:
        """BotFather -> /setprivacy. Telegram applies a change to a group only once the bot is
        added to it again; the fake applies it at once."""
        self.get_bot(bot).privacy_mode = enabled  # type: ignore[attr-defined]
        self.notify()  # type: ignore[attr-defined]

    def set_forum(self, group: FakeGroup, forum: bool) -> None:
        """The group's Topics switch. Only supergroups can be forums: see upgrade_to_supergroup."""
        if forum and group.type != "supergroup":
            raise ValueError("only supergroups can be forums")
        group.forum = forum
        self.notify()  # type: ignore[attr-defined]

    def upgrade_to_supergroup(self, group: FakeGroup, by: FakeUser, forum: bool = False) -> FakeGroup:
        """What turning Topics on (and some other settings) does to a basic group: Telegram
        makes it a supergroup with a new id. The old group's last message carries
        migrate_to_chat_id and the new one's first migrate_from_chat_id (both reach the bot
        if it is a member); calls about the old id then answer 400 with migrate_to_chat_id."""
        if group.type != "group" or group.migrated_to is not None:
            raise ValueError(f"{group!r} is not a basic group")
        members = {group.users[user_id]: status for user_id, status in group.members.items()}
        upgraded = self.create_group(group.title, forum=forum, members=members, username=group.username,  # type: ignore[attr-defined]
                                     bot_status=group.bot_status)
        upgraded.bot_rights = dict(group.bot_rights)
        account = self.bot  # type: ignore[attr-defined]
        old = self.record(group, by.as_dict(), {"migrate_to_chat_id": upgraded.id}, from_bot=False)  # type: ignore[attr-defined]
        new = self.record(upgraded, by.as_dict(), {"migrate_from_chat_id": group.id}, from_bot=False)  # type: ignore[attr-defined]
        group.migrated_to = upgraded.id
        if group.bot_in_chat:
            self.enqueue("message", public(old), account)  # type: ignore[attr-defined]
            self.enqueue("message", public(new), account)  # type: ignore[attr-defined]
        return upgraded


assert set(BOT_STATUSES) <= set(MEMBER_STATUSES)
