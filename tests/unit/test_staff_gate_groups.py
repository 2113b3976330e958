"""The staff gate asks about the group the update came from, and only about handler groups."""
from __future__ import annotations

from types import SimpleNamespace

from bot.middlewares.staff_gate import StaffGate

HOME, SUPERVISORS, LOUNGE = -100, -400, -900


class MembershipBot:
    """Answers getChatMember from a table of (chat, user) -> status, counting the calls."""

    def __init__(self, statuses: dict[tuple[int, int], str]) -> None:
        self.statuses = statuses
        self.asked: list[tuple[int, int]] = []

    async def get_chat_member(self, chat_id: int, user_id: int) -> SimpleNamespace:
        self.asked.append((chat_id, user_id))
        return SimpleNamespace(status=self.statuses.get((chat_id, user_id), "left"))


async def test_membership_is_per_group_and_cached_per_group() -> None:
    bot = MembershipBot({(HOME, 7): "member", (SUPERVISORS, 8): "administrator"})
    gate = StaffGate((HOME, SUPERVISORS))
    assert await gate.is_member(bot, 7, HOME)  # type: ignore[arg-type]
    assert not await gate.is_member(bot, 7, SUPERVISORS)  # type: ignore[arg-type]
    assert await gate.is_member(bot, 8, SUPERVISORS)  # type: ignore[arg-type]
    assert not await gate.is_member(bot, 8, LOUNGE)  # type: ignore[arg-type]  # not a handler group: not asked
    assert await gate.is_member(bot, 7, HOME)  # type: ignore[arg-type]  # cached
    assert bot.asked == [(HOME, 7), (SUPERVISORS, 7), (SUPERVISORS, 8)]


async def test_one_handler_chat_id_still_works_alone() -> None:
    bot = MembershipBot({(HOME, 7): "member"})
    gate = StaffGate(HOME)
    assert await gate.is_member(bot, 7)  # type: ignore[arg-type]
    assert not await StaffGate(None).is_member(bot, 7)  # type: ignore[arg-type]
