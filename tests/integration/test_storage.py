"""Storage on a real database: SQLite always, PostgreSQL when TEST_POSTGRES_URL is set."""
from __future__ import annotations

from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from core.intents import Button, Phrase, SendMessage, decode_intent
from core.services.accounts import Person, touch_user
from core.storage.migrate import migrate
from core.storage.models import Base
from tests.integration.outbox_queries import count_by_status, head_for_chat


async def test_migrations_match_the_models(engine) -> None:
    async with engine.connect() as connection:
        diff = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata)
        )
    assert diff == []


async def test_migrating_twice_is_a_no_op(engine) -> None:
    await migrate(engine)
    async with engine.connect() as connection:
        version = (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
    from alembic.script import ScriptDirectory

    from core.storage.migrate import alembic_config

    assert version == ScriptDirectory.from_config(alembic_config()).get_current_head()


async def test_a_database_behind_head_is_migrated_to_it(database_url: str) -> None:
    from core.storage.db import create_engine
    from core.storage.migrate import HEAD_REVISION, current_revision

    engine = create_engine(database_url)
    try:
        assert await current_revision(engine) is None  # nothing there yet
        await migrate(engine, "0013")
        assert await current_revision(engine) == "0013"
        await migrate(engine)  # the shortcut for a migrated database must not skip this one
        assert await current_revision(engine) == HEAD_REVISION
        async with engine.connect() as connection:  # 0014's column is there
            await connection.execute(text("SELECT group_chat_id FROM cases LIMIT 1"))
    finally:
        await engine.dispose()


async def test_sqlite_runs_in_wal_mode_with_busy_timeout(engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    async with engine.connect() as connection:
        assert (await connection.execute(text("PRAGMA journal_mode"))).scalar_one() == "wal"
        assert (await connection.execute(text("PRAGMA busy_timeout"))).scalar_one() == 5000


async def test_nothing_is_stored_without_commit(uow_factory) -> None:
    async with uow_factory() as uow:
        await touch_user(uow, Person(1, "Li", "zh-cn"), "en", private_chat=True)
        uow.updates.record(10, "handled", uow.clock.now())
        uow.emit(SendMessage(1, "zh_Hans", Phrase("help.text")))
    async with uow_factory() as uow:
        assert await uow.users.get(1) is None
        assert not await uow.updates.seen(10)
        assert await head_for_chat(uow, 1) is None


async def test_update_id_and_outbox_commit_together(uow_factory) -> None:
    async with uow_factory() as uow:
        user = await touch_user(uow, Person(2, "Chan", "zh-hk"), "en", private_chat=True)
        uow.emit(SendMessage(2, user.locale, Phrase("start.greeting", name="<Chan>"), ((Button(Phrase("start.button.language"), "lang:menu"),),)))
        uow.updates.record(11, "handled", uow.clock.now())
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.updates.seen(11)
        stored = await uow.users.get(2)
        assert stored is not None and stored.locale == "zh_Hant"
        # zh-hk reads "zh" menus as zh_Hans, so its own menu is queued before the greeting
        first = await head_for_chat(uow, 2)
        assert first is not None and first.method == "set_chat_commands"
        await uow.outbox.finish(first.id, "sent", uow.clock.now())
        await uow.commit()
    async with uow_factory() as uow:
        row = await head_for_chat(uow, 2)
        assert row is not None
        intent = decode_intent(row.method, row.chat_id, row.locale, row.payload)
        assert intent == SendMessage(2, "zh_Hant", Phrase("start.greeting", name="<Chan>"), ((Button(Phrase("start.button.language"), "lang:menu"),),))
        assert row.created_at == uow.clock.now() and row.created_at.tzinfo is not None


async def test_rows_of_one_chat_come_out_in_order_and_delays_hold_the_chat(uow_factory, clock) -> None:
    async with uow_factory() as uow:
        for n in range(3):
            uow.emit(SendMessage(5, "en", Phrase("help.text", n=n)))
        uow.emit(SendMessage(6, "en", Phrase("help.text")))
        await uow.commit()
    later = clock.now() + timedelta(seconds=30)
    async with uow_factory() as uow:
        head = await head_for_chat(uow, 5)
        assert head is not None and head.payload["text"]["params"] == {"n": 0}
        await uow.outbox.retry_later(head.id, later, "429", count_attempt=False)
        await uow.outbox.delay_chat(5, later)
        await uow.commit()
    async with uow_factory() as uow:
        heads = {chat: at for chat, _conversation, at in await uow.outbox.pending_conversations(10)}
        assert heads == {6: clock.now(), 5: later}
        assert (await count_by_status(uow)) == {"pending": 4}


async def test_long_parts_are_recorded_one_by_one(uow_factory) -> None:
    async with uow_factory() as uow:
        row = uow.outbox.add(SendMessage(7, "en", Phrase("help.text")), uow.clock.now())
        await uow.commit()
        row_id = row.id
    async with uow_factory() as uow:
        row = await uow.outbox.get(row_id)
        await uow.outbox.record_part_sent(row, 101, finished_at=None)
        await uow.commit()
    async with uow_factory() as uow:
        row = await uow.outbox.get(row_id)
        assert (row.parts_sent, row.sent_message_ids, row.status) == (1, [101], "pending")
        await uow.outbox.record_part_sent(row, 102, finished_at=uow.clock.now())
        await uow.commit()
    async with uow_factory() as uow:
        row = await uow.outbox.get(row_id)
        assert (row.parts_sent, row.sent_message_ids, row.status) == (2, [101, 102], "sent")
        assert await head_for_chat(uow, 7) is None


async def test_changed_language_code_follows_until_the_user_chooses(uow_factory) -> None:
    from core.services.accounts import choose_locale

    async with uow_factory() as uow:
        await touch_user(uow, Person(8, "Ann", "de"), "en", private_chat=True)
        await uow.commit()
    async with uow_factory() as uow:
        user = await touch_user(uow, Person(8, "Ann", "zh-tw"), "en", private_chat=True)
        assert user.locale == "zh_Hant"
        await choose_locale(uow, user, "en")
        await uow.commit()
    async with uow_factory() as uow:
        user = await touch_user(uow, Person(8, "Ann", "zh-cn"), "en", private_chat=True)
        assert (user.locale, user.locale_chosen) == ("en", True)


async def test_processed_updates_are_pruned_by_age(uow_factory, clock) -> None:
    async with uow_factory() as uow:
        uow.updates.record(1, "handled", clock.now() - timedelta(days=10))
        uow.updates.record(2, "handled", clock.now())
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.updates.prune_before(clock.now() - timedelta(days=7)) == 1
        await uow.commit()
    async with uow_factory() as uow:
        assert not await uow.updates.seen(1) and await uow.updates.seen(2)


async def test_finished_outbox_rows_are_pruned_by_age_and_pending_ones_kept(uow_factory, clock) -> None:
    from core.services.housekeeping import prune_finished_outbox

    async with uow_factory() as uow:
        old_sent, old_failed, old_pending, fresh_sent = (
            uow.outbox.add(SendMessage(9, "en", Phrase("help.text", n=n)), clock.now() - timedelta(days=10)) for n in range(4)
        )
        await uow.session.flush()
        await uow.outbox.finish(old_sent.id, "sent", clock.now() - timedelta(days=8))
        await uow.outbox.finish(old_failed.id, "failed", clock.now() - timedelta(days=9))
        await uow.outbox.finish(fresh_sent.id, "sent", clock.now() - timedelta(days=1))
        await uow.commit()
        kept = {old_pending.id, fresh_sent.id}
    async with uow_factory() as uow:
        assert await prune_finished_outbox(uow) == 2
    async with uow_factory() as uow:
        head = await head_for_chat(uow, 9)
        assert head is not None and head.id == old_pending.id
        assert {r.id for r in await uow.outbox.pending_for_chat(9, 10)} | {fresh_sent.id} == kept
        assert await uow.outbox.get(fresh_sent.id) is not None and await uow.outbox.get(old_sent.id) is None


async def test_erasure_deletes_finished_rows_about_the_cases_only(uow_factory, clock) -> None:
    from core.intents import CaseRoute, EditCard

    now = clock.now()
    async with uow_factory() as uow:
        relayed = uow.outbox.add(SendMessage(-100, "en", Phrase("help.text"), route=CaseRoute(7)), now)
        card_edit = uow.outbox.add(EditCard(-100, "en", 7, Phrase("help.text")), now)
        still_pending = uow.outbox.add(SendMessage(-100, "en", Phrase("help.text"), route=CaseRoute(7)), now)
        other_case = uow.outbox.add(SendMessage(-100, "en", Phrase("help.text"), route=CaseRoute(8)), now)
        unrouted = uow.outbox.add(SendMessage(-100, "en", Phrase("help.text")), now)
        await uow.session.flush()
        for row in (relayed, card_edit, other_case, unrouted):
            await uow.outbox.finish(row.id, "sent", now)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.outbox.delete_finished_about_cases([7]) == 2
        assert await uow.outbox.delete_finished_about_cases([]) == 0
        await uow.commit()
    async with uow_factory() as uow:
        left = {row.id for row in [await uow.outbox.get(r.id) for r in (relayed, card_edit, still_pending, other_case, unrouted)] if row}
    assert left == {still_pending.id, other_case.id, unrouted.id}


async def test_a_relayed_message_is_found_by_its_customer_and_message_id(uow_factory, clock) -> None:
    from core.storage.models import Case

    def case(n: int, customer_id: int) -> Case:
        return Case(number=f"KS-20261125-{n:04d}", customer_id=customer_id, category="other", statement="s", reference_values={},
                    contact_phone=None, resolution="refund", resolution_note=None, locale="en", channel="telegram",
                    stage="received", severity="general", tier=1, reopen_count=0, appealed=False, created_at=clock.now(), updated_at=clock.now())

    async with uow_factory() as uow:
        mine, other, someone_elses = case(1, 41), case(2, 41), case(3, 42)
        for c in (mine, other, someone_elses):
            await uow.cases.add(c)
        await uow.session.flush()
        uow.cases.record_event(mine.id, clock.now(), "customer:41", "customer_message", text="a", message_id=7)
        uow.cases.record_event(other.id, clock.now(), "customer:41", "customer_message", text="b", message_id=8)
        uow.cases.record_event(someone_elses.id, clock.now(), "customer:42", "customer_message", text="c", message_id=9)
        await uow.commit()
    async with uow_factory() as uow:
        found = await uow.cases.relayed_from(41, 8)
        assert found is not None and found.case_id == other.id
        assert await uow.cases.relayed_from(41, 9) is None  # another customer's message id
        assert await uow.cases.relayed_from(41, 10) is None


async def test_find_takes_percent_and_underscore_as_typed(uow_factory, clock) -> None:
    from core.storage.models import Case

    statements = ["50% off was promised", "500 off was promised", "order a_b lost", "order axb lost", "back\\slash"]
    async with uow_factory() as uow:
        for n, statement in enumerate(statements, start=1):
            await uow.cases.add(
                Case(number=f"KS-20261125-{n:04d}", customer_id=1, category="other", statement=statement, reference_values={},
                     contact_phone=None, resolution="refund", resolution_note=None, locale="en", channel="telegram",
                     stage="received", severity="general", tier=1, reopen_count=0, appealed=False, created_at=clock.now(), updated_at=clock.now())
            )
        await uow.commit()
    async with uow_factory() as uow:
        assert [c.statement for c in await uow.cases.find("50%")] == ["50% off was promised"]
        assert [c.statement for c in await uow.cases.find("A_B")] == ["order a_b lost"]
        assert [c.statement for c in await uow.cases.find("k\\s")] == ["back\\slash"]
        assert len(await uow.cases.find("promised")) == 2
