"""A commit names the conversations it added rows to, and the sender starts those without
reading the whole queue; a row committed while its conversation drains still goes at once."""
from __future__ import annotations

import pytest

from bot.delivery.limits import RateLimits
from core.intents import Phrase, SendMessage
from core.storage.repositories import OutboxRepository
from tests.integration.sender_harness import running_sender

# Long enough that a row found only by the periodic scan would miss every wait below.
NO_PERIODIC_SCAN = 120.0
ONE_A_SECOND_IN_A_CHAT = RateLimits(per_chat_per_second=2, per_chat_burst=1, per_group_per_minute=60000,
                                    per_group_burst=100, global_per_second=10000, global_burst=100)


@pytest.fixture
def scans(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    counted: list[int] = []
    original = OutboxRepository.pending_conversations

    async def counting(self, limit):
        counted.append(limit)
        return await original(self, limit)

    monkeypatch.setattr(OutboxRepository, "pending_conversations", counting)
    return counted


async def test_committed_rows_go_without_a_scan(engine, scans) -> None:
    async with running_sender(engine, idle_recheck_seconds=NO_PERIODIC_SCAN) as harness:
        users = [harness.server.create_user(first_name=f"U{n}", language_code="en") for n in range(5)]
        await harness.server.wait_for(lambda: len(scans) == 1)  # the scan at start
        for user in users:
            await harness.emit(SendMessage(user.chat_id, "en", Phrase("help.text")))
            await harness.server.wait_for_messages(user.chat_id, 1, timeout=10)
        assert [status for status, _, _ in await harness.wait_settled()] == ["sent"] * 5
        assert len(scans) == 1


async def test_a_row_committed_while_its_conversation_drains_goes_at_once(engine) -> None:
    async with running_sender(engine, limits=ONE_A_SECOND_IN_A_CHAT, idle_recheck_seconds=NO_PERIODIC_SCAN) as harness:
        user = harness.server.create_user(first_name="Busy", language_code="en")
        await harness.emit(SendMessage(user.chat_id, "en", Phrase("help.text")))
        await harness.server.wait_for_messages(user.chat_id, 1, timeout=10)
        # The second row waits half a second in its drain for the chat's next token; the third
        # is committed meanwhile (or just before the drain reads: then it goes in the same drain).
        await harness.emit(SendMessage(user.chat_id, "en", Phrase("help.text")))
        await harness.server.wait_for(lambda: (user.chat_id, "chat") in harness.sender._lanes)
        await harness.emit(SendMessage(user.chat_id, "en", Phrase("start.greeting", name="Busy")))
        messages = await harness.server.wait_for_messages(user.chat_id, 3, timeout=10)
        assert "Busy" in messages[2]["text"]
        assert [status for status, _, _ in await harness.wait_settled()] == ["sent"] * 3
