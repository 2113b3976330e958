"""The handler group as Telegram shows it to the bot: checked at start, on every change of
the bot's own membership (my_chat_member), and after a call to the group fails for good.

The questions are read-only Bot API calls (getChat, getChatMember, getChatAdministrators)
made here, outside any transaction; core/services/desk_setup.py decides what is wrong and
what people are told. Each problem is one log line naming its fix; where the bot can still
post in the group, one notice there lists them; where it cannot, staff are told in their
private chats with the bot.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Iterable

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import Chat, ChatMemberUpdated, User as TelegramUser

from bot.delivery.failures import Verdict
from core.services.desk_setup import (
    DELETE,
    IN_CHAT,
    NEEDED_RIGHTS,
    PIN,
    TOPICS,
    GroupFacts,
    KnownMember,
    Problem,
    StaffCheck,
    greet_group,
    group_upgraded as announce_upgrade,
    problems,
    report_change,
    staff_ids,
)
from core.services.staff_desk import StaffDesk
from core.storage.models import User
from core.storage.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger("kesu.desk")

RIGHT_NAMES = {TOPICS: "Manage Topics", DELETE: "Delete Messages", PIN: "Pin Messages"}
# One line per problem for the operator, naming the fix (Telegram's menus as the apps name them).
FIXES = {
    Problem.UNREACHABLE: "the bot cannot see the handler group {chat} ({error}): add the bot to the staff group "
    "(group name -> Add Members -> {bot}), send /id there and put that id in HANDLER_CHAT_ID in .env",
    Problem.MOVED: "the handler group {chat} became a supergroup and its id is now {moved_to}: put "
    "HANDLER_CHAT_ID={moved_to} in .env and restart the bot",
    Problem.NOT_A_GROUP: "HANDLER_CHAT_ID {chat} is not a group: send /id in the staff group and put that id in HANDLER_CHAT_ID in .env",
    Problem.REMOVED: "the bot was removed from the handler group {chat}: lift its ban (Removed Users), add it back "
    "(group name -> Add Members -> {bot}) and make it an administrator",
    Problem.NOT_MEMBER: "the bot is not a member of the handler group {chat}: add it (group name -> Add Members -> {bot}) "
    "and make it an administrator",
    Problem.CANNOT_POST: "the bot may not send messages in the handler group {chat}: make it an administrator "
    "(group name -> Edit -> Administrators -> Add Admin -> {bot})",
    Problem.NOT_ADMIN: "the bot is not an administrator of the handler group {chat}: group name -> Edit -> Administrators "
    "-> Add Admin -> {bot}, with {rights}",
    Problem.MISSING_RIGHTS: "the bot lacks administrator rights in the handler group {chat}: {rights}; "
    "group name -> Edit -> Administrators -> {bot}: turn them on",
    Problem.PRIVACY: "the bot cannot read staff messages in the handler group {chat} (privacy mode is on and it is not an "
    "administrator): make it an administrator, or @BotFather -> /setprivacy -> {bot} -> Disable, then remove it from the "
    "group and add it again",
    Problem.TOPICS_OFF: "topics were turned off in the handler group {chat} after start, so new cases cannot get topics: "
    "turn Topics back on (group name -> Edit -> Topics), or restart the bot to use the group without topics",
    Problem.TOPICS_ON: "topics were turned on in the handler group {chat} after start: restart the bot so that each case gets a topic",
}
# Failures that say nothing about the bot's place in the group.
UNRELATED_CAUSES = {"not_modified", "reaction_invalid", "too_large", "missing_target", "unknown_method"}
SEEN_LIMIT = 10_000


def facts_from(chat: Chat, member: Any, reads_all: bool) -> GroupFacts:
    """A group and the bot's ChatMember in it (from getChatMember or a my_chat_member update)."""
    status = member.status
    if status == "restricted" and getattr(member, "is_member", True) is False:
        status = "left"
    rights = frozenset(right for right in NEEDED_RIGHTS if getattr(member, right, False))
    can_send = status != "restricted" or bool(getattr(member, "can_send_messages", False))
    return GroupFacts(
        chat_id=chat.id,
        title=chat.title or "",
        chat_type=chat.type,
        is_forum=bool(chat.is_forum),
        bot_status=status,
        bot_rights=rights,
        can_send=can_send,
        reads_all=reads_all,
    )


async def probe(bot: Bot, chat_id: int, me: TelegramUser) -> GroupFacts:
    """getChat and getChatMember on the bot itself. An answer from Telegram (chat not found,
    kicked...) becomes the facts; a network error or a 5xx is raised: it says nothing of the group."""
    reads_all = bool(me.can_read_all_group_messages)
    try:
        chat = await bot.get_chat(chat_id, request_timeout=15)
        if chat.type not in ("group", "supergroup"):
            return GroupFacts(chat_id, title=chat.title or chat.first_name or "", chat_type=chat.type, reads_all=reads_all)
        member = await bot.get_chat_member(chat_id, me.id, request_timeout=15)
    except (TelegramNetworkError, TelegramServerError, TelegramRetryAfter, TelegramUnauthorizedError):
        raise
    except TelegramMigrateToChat as error:
        return GroupFacts(chat_id, reachable=False, error=error.message, moved_to=error.migrate_to_chat_id, reads_all=reads_all)
    except TelegramForbiddenError as error:
        kicked = "kicked" in error.message
        return GroupFacts(chat_id, reachable=False, error=error.message, bot_status="kicked" if kicked else "left", reads_all=reads_all)
    except TelegramAPIError as error:
        return GroupFacts(chat_id, reachable=False, error=error.message, reads_all=reads_all)
    return facts_from(chat, member, reads_all)


def display_name(user: TelegramUser) -> str:
    name = " ".join(part for part in (user.first_name, user.last_name) if part)
    return name or (f"@{user.username}" if user.username else str(user.id))


class DeskMonitor:
    """What is known to be wrong with the handler group, so that each change is logged and
    told once. Also the record of who has been seen writing in the group (for /members)."""

    def __init__(self, bot: Bot | None, chat_id: int | None, recheck_seconds: float = 30.0, others: Iterable[int] = ()) -> None:
        """`chat_id`: the home group; `others`: the other [routing] groups, checked at start
        and on the bot's membership changes like it."""
        self._bot = bot
        self.chat_id = chat_id
        self.others = tuple(chat for chat in others if chat != chat_id)
        self.other_known: dict[int, tuple[Problem, ...]] = {}
        self.forums: set[int] = set()  # every handler group found to be a forum at start
        self.me: TelegramUser | None = None
        self.desk: StaffDesk | None = None
        self.uow_factory: UnitOfWorkFactory | None = None
        self.facts: GroupFacts | None = None
        self.known: tuple[Problem, ...] | None = None
        self._recheck_seconds = recheck_seconds
        self._last_recheck: dict[str, float] = {}  # by the failure's cause
        self._tasks: set[asyncio.Task[None]] = set()
        self._seen: dict[int, str] = {}

    @property
    def bot_name(self) -> str:
        return f"@{self.me.username}" if self.me is not None and self.me.username else "the bot"

    @property
    def reads_all(self) -> bool:
        return bool(self.me and self.me.can_read_all_group_messages)

    # -- start -----------------------------------------------------------------------------
    async def check_at_start(self, me: TelegramUser, staff: Iterable[int] = ()) -> GroupFacts | None:
        """The start-up step "handler-group": reachable, the bot a member with the rights it
        needs. Each problem is one log line; so is a `staff` id that is not in the group.
        None when no handler group is set."""
        self.me = me
        staff = list(staff)
        if self.chat_id is None or self._bot is None:
            return None
        try:
            facts = await probe(self._bot, self.chat_id, me)
        except Exception as error:
            facts = GroupFacts(self.chat_id, reachable=False, error=f"{type(error).__name__}: {error}", reads_all=self.reads_all)
        self.facts = facts
        self.known = problems(facts)
        self._log_problems(facts, self.known)
        if facts.in_chat:
            check = StaffCheck({user_id: (await self._member(self._bot, facts.chat_id, user_id) or ("", "unknown"))[1] for user_id in staff})
            outside = check.missing(staff)
            if outside:
                log.warning(
                    "these [staff] ids are not members of the handler group: add them to the group, or correct them in "
                    "the deployment file (each person can send /id to the bot to learn theirs)",
                    extra={"problem": "staff_not_members", "chat": facts.chat_id, "users": outside},
                )
        if not self.known:
            log.info("handler group ready", extra={"chat": facts.chat_id, "forum": facts.is_forum, "title": facts.title})
        if facts.is_forum:
            self.forums.add(facts.chat_id)
        for other in self.others:
            await self._check_other_at_start(me, other)
        return facts

    async def _check_other_at_start(self, me: TelegramUser, chat_id: int) -> None:
        assert self._bot is not None
        try:
            facts = await probe(self._bot, chat_id, me)
        except Exception as error:
            facts = GroupFacts(chat_id, reachable=False, error=f"{type(error).__name__}: {error}", reads_all=self.reads_all)
        found = problems(facts)
        self.other_known[chat_id] = found
        self._log_problems(facts, found)
        if facts.is_forum:
            self.forums.add(chat_id)
        if not found:
            log.info("handler group ready", extra={"chat": chat_id, "forum": facts.is_forum, "title": facts.title})

    async def announce_at_start(self, desk: StaffDesk, uow_factory: UnitOfWorkFactory) -> None:
        """Where the bot can still post in the group, one notice lists the problems found at start."""
        self.desk, self.uow_factory = desk, uow_factory
        if self.facts is None or not self.known:
            return
        async with uow_factory() as uow:
            await report_change(uow, desk, self.facts, None, self.known, self.bot_name, tell_staff=False)
            await uow.commit()

    def _log_problems(self, facts: GroupFacts, found: Iterable[Problem]) -> None:
        rights = ", ".join(RIGHT_NAMES[right] for right in (facts.missing_rights or facts.needed_rights))
        for problem in found:
            text = FIXES[problem].format(
                chat=facts.chat_id, error=facts.error or "no answer", bot=self.bot_name, rights=rights, moved_to=facts.moved_to
            )
            level = logging.ERROR if problem.group_lost else logging.WARNING
            log.log(level, text, extra={"problem": problem.value, "chat": facts.chat_id})

    def _changed(self, facts: GroupFacts, after: tuple[Problem, ...]) -> None:
        before = self.known or ()
        self._log_problems(facts, [problem for problem in after if problem not in before])
        if before and not after:
            log.info("handler group problems fixed", extra={"chat": facts.chat_id, "fixed": [p.value for p in before]})
        self.facts, self.known = facts, after

    # -- while running ---------------------------------------------------------------------
    async def membership_changed(self, uow: UnitOfWork, change: ChatMemberUpdated, user: User | None) -> None:
        """The bot was added to a group, promoted, demoted or removed (my_chat_member)."""
        assert self.desk is not None
        facts = facts_from(change.chat, change.new_chat_member, self.reads_all)
        old = change.old_chat_member
        was_in = old.status in IN_CHAT and getattr(old, "is_member", True) is not False
        by = display_name(change.from_user)
        log.info("bot membership changed", extra={
            "chat": facts.chat_id, "old": old.status, "new": facts.bot_status, "by": change.from_user.id,
            "handler_group": facts.chat_id == self.desk.chat_id,
        })
        if facts.chat_id in self.others:
            # Another [routing] group: its problems are logged and told there, like the home group's.
            desk = self.desk.at(facts.chat_id)
            after, before = problems(facts, desk.is_forum), self.other_known.get(facts.chat_id)
            self._log_problems(facts, [problem for problem in after if problem not in (before or ())])
            self.other_known[facts.chat_id] = after
            await report_change(uow, desk, facts, before, after, self.bot_name, by=by if not facts.in_chat else None)
            return
        if facts.chat_id != self.desk.chat_id:
            if user is not None:
                greet_group(uow, facts, user, self.desk.chat_id, self.bot_name, joined=not was_in and facts.in_chat)
            return
        after = problems(facts, self.desk.is_forum)
        before = self.known
        self._changed(facts, after)
        await report_change(uow, self.desk, facts, before, after, self.bot_name, by=by if not facts.in_chat else None)

    def group_upgraded(self, uow: UnitOfWork, chat_id: int, old_id: int, user: User | None) -> None:
        """A basic group became a supergroup with a new id (migrate_from_chat_id)."""
        assert self.desk is not None
        log.info("group upgraded to a supergroup", extra={"chat": chat_id, "old": old_id})
        if old_id == self.desk.chat_id:
            facts = GroupFacts(old_id, reachable=False, moved_to=chat_id, reads_all=self.reads_all)
            self._changed(facts, problems(facts, self.desk.is_forum))
        announce_upgrade(uow, chat_id, old_id, self.desk.chat_id, user.locale if user is not None else self.desk.locale)

    def on_final_failure(self, chat_id: int, verdict: Verdict) -> None:
        """Called by the sender when a row to `chat_id` failed for good: a failure in the handler
        group may mean the bot lost its place there, so the group is looked at again (at
        most once per `recheck_seconds` for each kind of failure)."""
        if self.desk is None or chat_id != self.desk.chat_id or verdict.cause in UNRELATED_CAUSES:
            return
        now = time.monotonic()
        if now - self._last_recheck.get(verdict.cause, float("-inf")) < self._recheck_seconds or self._tasks:
            return
        self._last_recheck[verdict.cause] = now
        task = asyncio.create_task(self.recheck(), name="handler-group-recheck")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def recheck(self) -> None:
        if self._bot is None or self.desk is None or self.me is None or self.uow_factory is None or self.desk.chat_id is None:
            return
        try:
            facts = await probe(self._bot, self.desk.chat_id, self.me)
        except Exception as error:
            log.warning("could not look at the handler group again", extra={"error": f"{type(error).__name__}: {error}"})
            return
        after = problems(facts, self.desk.is_forum)
        before = self.known
        lost = any(problem.group_lost for problem in after) and any(problem.group_lost for problem in before or ())
        if after == (before or ()) or lost:
            return  # nothing new: a group the bot had lost looks the same from outside, whatever the reason
        self._changed(facts, after)
        try:
            async with self.uow_factory() as uow:
                await report_change(uow, self.desk, facts, before, after, self.bot_name)
                await uow.commit()
        except Exception:
            log.exception("could not record the handler group's notice")

    # -- who is in the group ----------------------------------------------------------------
    def saw(self, user: TelegramUser) -> None:
        """Someone wrote in the handler group."""
        if len(self._seen) >= SEEN_LIMIT and user.id not in self._seen:
            self._seen.clear()
        self._seen[user.id] = display_name(user)

    async def staff_check(self, bot: Bot, chat_id: int) -> StaffCheck:
        """What getChatMember says of each [staff] id in the group."""
        assert self.desk is not None
        statuses = {}
        for user_id in staff_ids(self.desk.staff):
            member = await self._member(bot, chat_id, user_id)
            statuses[user_id] = member[1] if member else "unknown"
        return StaffCheck(statuses)

    async def _member(self, bot: Bot, chat_id: int, user_id: int) -> tuple[str, str] | None:
        try:
            member = await bot.get_chat_member(chat_id, user_id, request_timeout=15)
        except Exception as error:
            log.info("member not found", extra={"chat": chat_id, "user": user_id, "error": f"{type(error).__name__}: {error}"})
            return None
        status = member.status
        if status == "restricted" and getattr(member, "is_member", True) is False:
            status = "left"
        return display_name(member.user), status

    async def known_members(self, bot: Bot, chat_id: int) -> list[KnownMember]:
        """Administrators, the [staff] ids and the people seen writing here: the Bot API has no
        call that lists every member."""
        assert self.desk is not None
        found: dict[int, KnownMember] = {}
        try:
            for admin in await bot.get_chat_administrators(chat_id, request_timeout=15):
                if not admin.user.is_bot:
                    found[admin.user.id] = KnownMember(admin.user.id, display_name(admin.user), admin.status)
        except Exception as error:
            log.warning("could not list the group's administrators", extra={"chat": chat_id, "error": f"{type(error).__name__}: {error}"})
        for user_id in [*staff_ids(self.desk.staff), *self._seen]:
            if user_id in found:
                continue
            member = await self._member(bot, chat_id, user_id)
            name, status = member if member else (self._seen.get(user_id, "—"), "unknown")
            found[user_id] = KnownMember(user_id, name, status)
        return list(found.values())
