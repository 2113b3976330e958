"""Setting up the handler group, and keeping it set up: what the bot knows of a group,
what stops the desk from working there, and what people are told about it.

The bot layer asks Telegram (getChat, getChatMember on itself and on staff, getMe) and
hands the answers in as plain facts; this module decides what is wrong and records the
messages as intents: the /setup checklist, /id, the member list, the greeting when the bot
is added to a group, and the notices when something breaks or is fixed while running.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Iterable

from core.domain.staff import Role, StaffConfig, allowed
from core.intents import Lines, Phrase, SendMessage
from core.services.staff_desk import StaffDesk
from core.storage.models import User
from core.storage.uow import UnitOfWork

IN_CHAT = frozenset({"creator", "administrator", "member", "restricted"})
# The administrator rights the desk needs, in the order the apps list them.
TOPICS, DELETE, PIN = "can_manage_topics", "can_delete_messages", "can_pin_messages"
NEEDED_RIGHTS = (TOPICS, DELETE, PIN)


@dataclass(frozen=True)
class GroupFacts:
    """What Telegram says about a group and the bot's place in it."""

    chat_id: int
    reachable: bool = True  # getChat answered
    error: str = ""  # what Telegram said when it did not
    title: str = ""
    chat_type: str = "supergroup"  # group | supergroup | private | channel
    is_forum: bool = False
    bot_status: str = "left"  # creator | administrator | member | restricted | left | kicked
    bot_rights: frozenset[str] = frozenset()  # of NEEDED_RIGHTS, those the bot holds
    can_send: bool = True  # a restricted bot may be muted
    reads_all: bool = False  # getMe's can_read_all_group_messages: privacy mode is off
    moved_to: int | None = None  # the supergroup a basic group was upgraded to (a new id)

    @property
    def in_chat(self) -> bool:
        return self.reachable and self.bot_status in IN_CHAT

    @property
    def is_admin(self) -> bool:
        return self.in_chat and self.bot_status in ("creator", "administrator")

    @property
    def can_post(self) -> bool:
        return self.in_chat and self.can_send

    @property
    def needed_rights(self) -> tuple[str, ...]:
        return NEEDED_RIGHTS if self.is_forum else (DELETE, PIN)

    @property
    def missing_rights(self) -> tuple[str, ...]:
        if self.bot_status == "creator":
            return ()
        return tuple(right for right in self.needed_rights if right not in self.bot_rights or not self.is_admin)

    @property
    def sees_staff(self) -> bool:
        """Administrators get every message; others only with privacy mode off."""
        return self.is_admin or (self.in_chat and self.reads_all)

    @property
    def can_create_topics(self) -> bool:
        return self.is_forum and self.is_admin and TOPICS not in self.missing_rights


class Problem(StrEnum):
    """Something that stops the desk from working in its group (or works against it)."""

    UNREACHABLE = "unreachable"  # no such chat, or the bot cannot see it
    MOVED = "moved"  # a basic group upgraded to a supergroup: it has a new id
    NOT_A_GROUP = "not_a_group"  # HANDLER_CHAT_ID names a private chat or a channel
    REMOVED = "removed"  # the bot was removed and banned
    NOT_MEMBER = "not_member"
    CANNOT_POST = "cannot_post"
    NOT_ADMIN = "not_admin"
    MISSING_RIGHTS = "missing_rights"
    PRIVACY = "privacy"  # it cannot read staff messages
    TOPICS_OFF = "topics_off"  # the desk runs with topics; the group no longer has them
    TOPICS_ON = "topics_on"  # the desk runs without topics; the group has them now

    @property
    def group_lost(self) -> bool:
        """The bot cannot post in the group at all."""
        return self in (Problem.UNREACHABLE, Problem.MOVED, Problem.NOT_A_GROUP, Problem.REMOVED, Problem.NOT_MEMBER, Problem.CANNOT_POST)


def problems(facts: GroupFacts, desk_is_forum: bool | None = None) -> tuple[Problem, ...]:
    """What is wrong with the group as a handler group. `desk_is_forum`: how the running desk
    treats it (fixed at start), to notice the Topics switch turned since."""
    if facts.moved_to is not None:
        return (Problem.MOVED,)
    if facts.bot_status == "kicked":
        return (Problem.REMOVED,)
    if not facts.reachable:
        return (Problem.UNREACHABLE,)
    if facts.chat_type not in ("group", "supergroup"):
        return (Problem.NOT_A_GROUP,)
    if not facts.in_chat:
        return (Problem.NOT_MEMBER,)
    found: list[Problem] = []
    if not facts.can_send:
        found.append(Problem.CANNOT_POST)
    if not facts.is_admin:
        found.append(Problem.NOT_ADMIN)
    elif facts.missing_rights:
        found.append(Problem.MISSING_RIGHTS)
    if not facts.sees_staff:
        found.append(Problem.PRIVACY)
    if desk_is_forum is True and not facts.is_forum:
        found.append(Problem.TOPICS_OFF)
    if desk_is_forum is False and facts.is_forum:
        found.append(Problem.TOPICS_ON)
    return tuple(found)


# --- phrases ---------------------------------------------------------------------------------

def _right(right: str) -> Phrase:
    if right == TOPICS:
        return Phrase("setup.right.manage_topics")
    if right == DELETE:
        return Phrase("setup.right.delete_messages")
    return Phrase("setup.right.pin_messages")


def _rights(rights: Iterable[str]) -> Lines:
    return Lines([_right(right) for right in rights])


def _role(role: Role) -> Phrase:
    if role == Role.DIRECTOR:
        return Phrase("setup.role.director")
    if role == Role.SUPERVISOR:
        return Phrase("setup.role.supervisor")
    if role == Role.AGENT:
        return Phrase("setup.role.agent")
    return Phrase("setup.role.none")


def _status(status: str) -> Phrase:
    if status == "creator":
        return Phrase("setup.status.creator")
    if status == "administrator":
        return Phrase("setup.status.administrator")
    if status in ("member", "restricted"):
        return Phrase("setup.status.member")
    if status == "left":
        return Phrase("setup.status.left")
    if status == "kicked":
        return Phrase("setup.status.kicked")
    return Phrase("setup.status.unknown")


def problem_item(problem: Problem, facts: GroupFacts, bot_name: str) -> Phrase:
    """The ❌ line that says what is wrong and how to fix it."""
    if problem == Problem.UNREACHABLE:
        return Phrase("setup.item.unreachable", chat_id=facts.chat_id, bot=bot_name)
    if problem == Problem.MOVED:
        return Phrase("setup.item.moved", chat_id=facts.moved_to or facts.chat_id)
    if problem == Problem.NOT_A_GROUP:
        return Phrase("setup.item.not_a_group", chat_id=facts.chat_id)
    if problem == Problem.REMOVED:
        return Phrase("setup.item.removed", bot=bot_name)
    if problem == Problem.NOT_MEMBER:
        return Phrase("setup.item.not_member", bot=bot_name)
    if problem == Problem.CANNOT_POST:
        return Phrase("setup.item.cannot_post", bot=bot_name)
    if problem == Problem.NOT_ADMIN:
        return Phrase("setup.item.not_admin", bot=bot_name, rights=_rights(facts.needed_rights))
    if problem == Problem.MISSING_RIGHTS:
        return Phrase("setup.item.missing_rights", bot=bot_name, rights=_rights(facts.missing_rights))
    if problem == Problem.PRIVACY:
        return Phrase("setup.item.reads_no", bot=bot_name)
    if problem == Problem.TOPICS_OFF:
        return Phrase("setup.item.topics_turned_off")
    return Phrase("setup.item.topics_turned_on")


@dataclass(frozen=True)
class StaffCheck:
    """The [staff] ids and what getChatMember said of each in the group ("unknown": no answer)."""

    statuses: dict[int, str] = field(default_factory=dict)

    def missing(self, ids: Iterable[int]) -> list[int]:
        """Those of `ids` not in the group (or not known to be)."""
        return sorted(user_id for user_id in ids if self.statuses.get(user_id, "unknown") not in IN_CHAT)


def staff_ids(staff: StaffConfig) -> list[int]:
    return sorted(staff.agents | staff.supervisors | staff.directors)


def checklist(facts: GroupFacts, configured: int | None, bot_name: str, staff: StaffConfig,
              staff_check: StaffCheck | None, desk_is_forum: bool | None) -> Phrase:
    """The /setup answer: each item ✅ or ❌ with its fix, then whether the group is ready.
    `staff_check`: None when staff are not checked here (another group than the handler group);
    `desk_is_forum`: how the running desk treats this group, when it is the handler group."""
    items: list[Phrase] = []
    failed = 0

    def item(ok: bool, good: Phrase | None, bad: Phrase) -> None:
        nonlocal failed
        if ok and good is not None:
            items.append(good)
        elif not ok:
            items.append(bad)
            failed += 1

    if configured is None:
        item(False, None, Phrase("setup.item.handler_unset", chat_id=facts.chat_id))
    else:
        item(configured == facts.chat_id, Phrase("setup.item.handler_ok"),
             Phrase("setup.item.handler_other", chat_id=facts.chat_id, configured=configured))
    # Topics are recommended, not needed: a plain group works with cards.
    items.append(Phrase("setup.item.forum_ok") if facts.is_forum else Phrase("setup.item.forum_plain"))
    if desk_is_forum is not None:
        turned = Problem.TOPICS_OFF if desk_is_forum else Problem.TOPICS_ON
        item(desk_is_forum == facts.is_forum, None, problem_item(turned, facts, bot_name))
    item(facts.can_send, None, problem_item(Problem.CANNOT_POST, facts, bot_name))
    if not facts.is_admin:
        item(False, None, problem_item(Problem.NOT_ADMIN, facts, bot_name))
    else:
        item(not facts.missing_rights, Phrase("setup.item.admin_ok"), problem_item(Problem.MISSING_RIGHTS, facts, bot_name))
    reads_ok = Phrase("setup.item.reads_ok_admin") if facts.is_admin else Phrase("setup.item.reads_ok_privacy_off")
    item(facts.sees_staff, reads_ok, problem_item(Problem.PRIVACY, facts, bot_name))
    if staff_check is not None:
        ids = staff_ids(staff)
        missing = staff_check.missing(ids)
        lines = Lines([
            Phrase("setup.staff_line", user_id=user_id, role=_role(staff.role_of(user_id)), status=_status(staff_check.statuses.get(user_id, "")))
            for user_id in missing
        ])
        if not ids:
            item(False, None, Phrase("setup.item.staff_none"))
        else:
            item(not missing, Phrase("setup.item.staff_ok", count=len(ids)), Phrase("setup.item.staff_missing", people=lines))
    if facts.is_forum:
        item(facts.can_create_topics, Phrase("setup.item.topics_ok"), Phrase("setup.item.topics_no"))
    if failed:
        verdict = Phrase("setup.verdict.not_ready")
    else:
        verdict = Phrase("setup.verdict.ready") if facts.is_forum else Phrase("setup.verdict.ready_plain")
    return Phrase("setup.checklist", chat_id=facts.chat_id, items=Lines(items), verdict=verdict)


def _reply(uow: UnitOfWork, chat_id: int, user: User, text: Phrase, thread_id: int | None) -> None:
    uow.emit(SendMessage(chat_id, user.locale, text, thread_id=thread_id))


def show_checklist(uow: UnitOfWork, chat_id: int, locale: str, desk: StaffDesk, facts: GroupFacts | None, bot_name: str,
                   staff_check: StaffCheck | None, thread_id: int | None) -> None:
    """/setup in a group, answered in the asker's language where they asked. `facts`: None
    when Telegram could not be asked just now."""
    if facts is None:
        text = Phrase("setup.try_again")
    else:
        # Any of the [routing] groups is a handler group of its own.
        here = desk.at(facts.chat_id) if desk.is_group(facts.chat_id) else desk
        is_desk = here.chat_id == facts.chat_id
        text = checklist(facts, here.chat_id, bot_name, desk.staff, staff_check, here.is_forum if is_desk else None)
    uow.emit(SendMessage(chat_id, locale, text, thread_id=thread_id))


def setup_in_private(uow: UnitOfWork, user: User) -> None:
    """/setup in a private chat: it is a group command."""
    uow.emit(SendMessage(user.id, user.locale, Phrase("setup.private")))


def tell_id(uow: UnitOfWork, user: User, chat_id: int, is_group: bool, configured: int | None, thread_id: int | None) -> None:
    """/id: the person's own user id (for [staff]) and, in a group, the group's (for .env)."""
    if not is_group:
        text = Phrase("setup.id.private", user_id=user.id)
    elif configured is None:
        text = Phrase("setup.id.group_unset", user_id=user.id, chat_id=chat_id)
    else:
        text = Phrase("setup.id.group", user_id=user.id, chat_id=chat_id)
    _reply(uow, chat_id, user, text, thread_id)


@dataclass(frozen=True)
class KnownMember:
    user_id: int
    name: str
    status: str  # as getChatMember says; "unknown" when it did not answer


def list_members(uow: UnitOfWork, user: User, desk: StaffDesk, chat_id: int, is_member: bool,
                 members: Iterable[KnownMember], thread_id: int | None) -> None:
    """/members: supervisors see who they can act with, their ids and configured roles. The
    Bot API cannot list a group's members: the list holds its administrators, the [staff]
    ids and the people the bot has seen write there, and says so."""
    role = desk.staff.role_of(user.id)
    if desk.chat_id is None or not desk.is_group(chat_id):
        _reply(uow, chat_id, user, Phrase("staff.refused.wrong_chat"), thread_id)
        return
    if not is_member:
        _reply(uow, chat_id, user, Phrase("staff.refused.not_member"), thread_id)
        return
    if not allowed("members", role):
        _reply(uow, chat_id, user, Phrase("staff.refused.no_role") if role == Role.NONE else Phrase("staff.refused.tier"), thread_id)
        return
    ordered = sorted(members, key=lambda m: (-desk.staff.role_of(m.user_id), m.status not in ("creator", "administrator"), m.name.lower(), m.user_id))
    lines = Lines([
        Phrase("setup.members.line", name=m.name, user_id=m.user_id, status=_status(m.status), role=_role(desk.staff.role_of(m.user_id)))
        for m in ordered
    ])
    _reply(uow, chat_id, user, Phrase("setup.members", members=lines), thread_id)


# --- the bot's own membership ------------------------------------------------------------------

def group_upgraded(uow: UnitOfWork, chat_id: int, old_id: int, configured: int | None, locale: str) -> None:
    """A basic group became a supergroup (as turning Topics on does) and so got a new id:
    where that was the handler group, or none is set yet, the new id and its .env line."""
    if configured is None or configured == old_id:
        uow.emit(SendMessage(chat_id, locale, Phrase("setup.upgraded", chat_id=chat_id, old=old_id)))


def greet_group(uow: UnitOfWork, facts: GroupFacts, adder: User, configured: int | None, bot_name: str, joined: bool) -> None:
    """The bot was added to (or its rights changed in) a group that is not the handler group:
    the group's id and the line for .env, in the language of whoever did it."""
    if not facts.can_post:
        return
    if configured is not None:
        if joined:
            uow.emit(SendMessage(facts.chat_id, adder.locale, Phrase("setup.added_other", chat_id=facts.chat_id, configured=configured)))
        return
    admin = problem_item(Problem.NOT_ADMIN, facts, bot_name) if not facts.is_admin else (
        problem_item(Problem.MISSING_RIGHTS, facts, bot_name) if facts.missing_rights else Phrase("setup.item.admin_ok"))
    if joined:
        text = Phrase("setup.added", name=adder.first_name, chat_id=facts.chat_id, admin=admin)
    else:
        text = Phrase("setup.rights_changed", chat_id=facts.chat_id, admin=admin)
    uow.emit(SendMessage(facts.chat_id, adder.locale, text))


async def report_change(uow: UnitOfWork, desk: StaffDesk, facts: GroupFacts, before: tuple[Problem, ...] | None,
                        after: tuple[Problem, ...], bot_name: str, by: str | None = None, tell_staff: bool = True) -> None:
    """The handler group's problems went from `before` (None: not known yet, as at start) to
    `after`. Where the bot can still post there, one notice lists what is wrong, or says it
    is fixed; where it cannot, staff are told privately (`tell_staff`)."""
    if desk.chat_id is None or tuple(after) == tuple(before or ()):
        return
    new = [problem for problem in after if problem not in (before or ())]
    if not any(problem.group_lost for problem in after):
        if after and new:
            items = Lines([problem_item(problem, facts, bot_name) for problem in after])
            uow.emit(SendMessage(desk.chat_id, desk.locale, Phrase("setup.notice.problems", items=items)))
        elif not after and before:
            uow.emit(SendMessage(desk.chat_id, desk.locale, Phrase("setup.notice.fixed")))
        return
    if not new or not tell_staff or any(problem.group_lost for problem in before or ()):
        return  # staff were told when the group was lost (or, at start, the log says it)
    for user_id in staff_ids(desk.staff):
        person = await uow.users.get(user_id)
        if person is None:
            continue  # never talked to the bot: it cannot write to them
        if by:
            text = Phrase("setup.dm.removed", title=facts.title or str(facts.chat_id), name=by, bot=bot_name)
        else:
            text = Phrase("setup.dm.unreachable", chat_id=desk.chat_id, item=problem_item(after[0], facts, bot_name))
        uow.emit(SendMessage(user_id, person.locale, text))
