"""When a handler group falls behind Telegram's budget (about 20 messages a minute per group),
it is told how many messages are waiting to be posted there and about how long that takes;
/queue shows the same line. Counted from the outbox, so it is what is really waiting."""
from __future__ import annotations

import math
from collections.abc import Callable

from core.intents import Phrase, SendMessage
from core.services.staff_desk import StaffDesk
from core.storage.desk_load import pending_in_groups
from core.storage.uow import UnitOfWork


def wait_minutes(count: int, per_minute: float) -> int:
    return max(1, math.ceil(count / per_minute))


async def backlog_line(uow: UnitOfWork, chat_id: int, per_minute: float) -> Phrase | None:
    """/queue's line on what waits to be posted in `chat_id`; None when nothing does."""
    count = (await pending_in_groups(uow.session, [chat_id])).get(chat_id, 0)
    if not count:
        return None
    return Phrase("staff.queue_backlog", count=count, minutes=wait_minutes(count, per_minute))


async def tell_backlogs(
    uow: UnitOfWork, desk: StaffDesk, per_minute: float, at_least_minutes: float, may_tell: Callable[[int], bool]
) -> list[int]:
    """A notice in each group whose wait is at least `at_least_minutes` and that `may_tell`
    (the caller keeps them rare); the groups told."""
    told = []
    for chat_id, count in (await pending_in_groups(uow.session, desk.group_ids)).items():
        if count / per_minute < at_least_minutes or not may_tell(chat_id):
            continue
        group = desk.at(chat_id)
        uow.emit(SendMessage(chat_id, group.locale, Phrase("desk.backlog", count=count, minutes=wait_minutes(count, per_minute))))
        told.append(chat_id)
    return told
