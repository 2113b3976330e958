"""The update's transaction on a real database: when another transaction commits first,
only the same update is a duplicate; a row both created (a new sender's user row, when
their first two updates are handled at once) means the update is handled again, and so
does a database too busy to answer in time."""
from __future__ import annotations

import sqlite3
from datetime import datetime, timezone

from aiogram.types import Chat, Message, Update
from aiogram.types import User as TelegramUser

from sqlalchemy.exc import OperationalError

from bot.middlewares.transaction import BUSY_ATTEMPTS, UpdateTransaction
from core.intents import Phrase, SendMessage
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


def busy(text: str = "database is locked") -> OperationalError:
    return OperationalError("UPDATE intake_drafts SET data=?", {}, sqlite3.OperationalError(text))


async def test_a_busy_database_means_the_update_runs_again_and_only_its_last_run_counts(uow_factory, clock) -> None:
    calls = []

    async def handler(event, data):
        calls.append(1)
        data["uow"].emit(SendMessage(SENDER, "en", Phrase("help.text")))
        if len(calls) < 3:
            raise busy()
        return None

    pauses: list[float] = []

    async def pause(seconds: float) -> None:
        pauses.append(seconds)

    await UpdateTransaction(uow_factory, "en", clock, sleep=pause)(handler, update(3), {})
    assert len(calls) == 3
    assert len(pauses) == 2 and pauses[0] < pauses[1] * 2  # backing off between runs
    assert await outcome_of(uow_factory, 3) == "handled"
    async with uow_factory() as uow:
        rows = await uow.outbox.pending_for_chat(SENDER, limit=10)
    # The new sender's command menu and the one answer, once each: not one per run, and no apology.
    assert sorted(row.method for row in rows) == ["send_message", "set_chat_commands"]


async def test_a_database_that_stays_busy_fails_the_update_once(uow_factory, clock) -> None:
    calls = []

    async def handler(event, data):
        calls.append(1)
        raise busy()

    async def pause(seconds: float) -> None:
        return None

    await UpdateTransaction(uow_factory, "en", clock, sleep=pause)(handler, update(4), {})
    assert len(calls) == BUSY_ATTEMPTS
    assert await outcome_of(uow_factory, 4) == "error"


async def test_other_database_errors_are_not_retried(uow_factory, clock) -> None:
    calls = []

    async def handler(event, data):
        calls.append(1)
        raise busy("no such table: cases")

    await UpdateTransaction(uow_factory, "en", clock)(handler, update(5), {})
    assert calls == [1]
    assert await outcome_of(uow_factory, 5) == "error"
