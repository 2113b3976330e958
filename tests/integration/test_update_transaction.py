"""The update's transaction on a real database: when another transaction commits first,
only the same update is a duplicate; a row both created (a new sender's user row, when
their first two updates are handled at once) means the update is handled again."""
from __future__ import annotations

from datetime import datetime, timezone

from aiogram.types import Chat, Message, Update
from aiogram.types import User as TelegramUser

from bot.middlewares.transaction import UpdateTransaction
from core.storage.models import ProcessedUpdate, User

SENDER = 4242


def update(update_id: int) -> Update:
    sender = TelegramUser(id=SENDER, is_bot=False, first_name="Li", language_code="zh-hk")
    message = Message(message_id=1, date=datetime(2026, 11, 25, tzinfo=timezone.utc), chat=Chat(id=SENDER, type="private"),
                      from_user=sender, text="hello")
    return Update(update_id=update_id, message=message)


async def commit_elsewhere(uow_factory, row) -> None:
    async with uow_factory() as uow:
        uow.session.add(row)
        await uow.commit()


async def outcome_of(uow_factory, update_id: int) -> str | None:
    async with uow_factory() as uow:
        row = await uow.session.get(ProcessedUpdate, update_id)
        return row.outcome if row else None


async def test_a_user_row_created_meanwhile_means_the_update_is_handled_again(uow_factory, clock) -> None:
    calls = []

    async def handler(event, data):
        calls.append(data["user"].id)
        if len(calls) == 1:  # the sender's other update, in another chat, commits their row first
            now = clock.now()
            await commit_elsewhere(uow_factory, User(id=SENDER, first_name="Li", language_code="zh-hk", locale="zh_Hant",
                                                     locale_chosen=False, created_at=now, updated_at=now))
        return None

    await UpdateTransaction(uow_factory, "en", clock)(handler, update(1), {})
    assert calls == [SENDER, SENDER]
    assert await outcome_of(uow_factory, 1) == "handled"


async def test_a_user_row_created_meanwhile_and_met_mid_handler_means_the_update_is_handled_again(uow_factory, clock) -> None:
    """The same person writing in two handler groups at once: the other row surfaces at a
    flush inside the handler, not at the commit."""
    calls = []

    async def handler(event, data):
        calls.append(data["user"].id)
        if len(calls) == 1:
            now = clock.now()
            await commit_elsewhere(uow_factory, User(id=SENDER, first_name="Li", language_code="zh-hk", locale="zh_Hant",
                                                     locale_chosen=False, created_at=now, updated_at=now))
        await data["uow"].session.flush()
        return None

    await UpdateTransaction(uow_factory, "en", clock)(handler, update(3), {})
    assert calls == [SENDER, SENDER]
    assert await outcome_of(uow_factory, 3) == "handled"


async def test_the_same_update_committed_elsewhere_is_a_duplicate(uow_factory, clock) -> None:
    calls = []

    async def handler(event, data):
        calls.append(1)
        await commit_elsewhere(uow_factory, ProcessedUpdate(update_id=2, outcome="handled", processed_at=clock.now()))
        return None

    await UpdateTransaction(uow_factory, "en", clock)(handler, update(2), {})
    assert calls == [1]  # not handled again
    async with uow_factory() as uow:
        assert await uow.users.get(SENDER) is None  # this transaction's own rows were rolled back
