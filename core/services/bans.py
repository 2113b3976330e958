"""The ban list: supervisors manage it from the handler group (/ban, /unban, /banned); a
banned user is told once, in their language, and otherwise ignored."""
from __future__ import annotations

from core.intents import Lines, Phrase, SendMessage
from core.services.staff_queries import StaffQueries
from core.storage.models import Case, User
from core.storage.uow import UnitOfWork


async def turned_away(uow: UnitOfWork, user: User) -> bool:
    """True when the user is banned; the first time, they are told so."""
    ban = await uow.bans.get(user.id)
    if ban is None:
        return False
    if ban.notified_at is None:
        ban.notified_at = uow.clock.now()
        uow.emit(SendMessage(user.id, user.locale, Phrase("abuse.banned")))
    return True


class BanList(StaffQueries):
    """Staff commands on the ban list; answered where they were asked, like the queries."""

    async def ban(self, argument: str | None, current: Case | None) -> None:
        """/ban user_id [reason], or /ban [reason] in a case's thread: its customer."""
        if not self._allowed("ban"):
            return
        words = (argument or "").split(maxsplit=1)
        if words and words[0].lstrip("@").isdigit():
            user_id, reason = int(words[0].lstrip("@")), words[1] if len(words) > 1 else None
        elif current is not None:
            user_id, reason = current.customer_id, argument
        else:
            self._say(Phrase("staff.usage.ban"))
            return
        if self.desk.staff.role_of(user_id) > 0 or user_id == self.actor.user.id:
            self._say(Phrase("staff.cannot_ban_staff", user=user_id))
            return
        now = self.uow.clock.now()
        if not await self.uow.bans.ban(user_id, self.actor.user.id, reason, now):
            self._say(Phrase("staff.already_banned", user=user_id))
            return
        for case in await self.uow.cases.open_for_customer(user_id):
            self.uow.cases.record_event(case.id, now, self.actor.tag, "customer_banned", reason=reason)
        self._say(Phrase("staff.banned", user=user_id))

    async def unban(self, argument: str | None) -> None:
        if not self._allowed("ban"):
            return
        word = (argument or "").strip().lstrip("@")
        if not word.isdigit():
            self._say(Phrase("staff.usage.unban"))
            return
        removed = await self.uow.bans.unban(int(word))
        self._say(Phrase("staff.unbanned", user=int(word)) if removed else Phrase("staff.not_banned", user=int(word)))

    async def list(self) -> None:
        if not self._allowed("ban"):
            return
        bans = await self.uow.bans.all()
        if not bans:
            self._say(Phrase("staff.ban_list_empty"))
            return
        lines = [Phrase("staff.ban_line", user=b.user_id, at=b.banned_at, reason=b.reason or "") for b in bans]
        self._say(Phrase("staff.ban_list", users=Lines(lines)))
