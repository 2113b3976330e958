"""One failing message never holds up the others: conversations, cosmetic calls, final answers."""
from __future__ import annotations

import logging

from bot.delivery.sender import RetryPolicy
from core.intents import CaseRoute, CopyMessage, EditCard, EditTopic, Phrase, Receipt, SendMessage
from tests.integration.sender_harness import Harness, running_sender

# Retries that never give up within a test, so that a fault lasts as long as the test wants.
PATIENT = RetryPolicy(max_attempts=1000, backoff_base_seconds=0.05, backoff_cap_seconds=0.2)


async def forum_with_cases(harness: Harness, *names: str) -> tuple[object, list[tuple[int, int]]]:
    group = harness.server.create_group(title="Desk", forum=True)
    cases = []
    for name in names:
        topic = await harness.bot.create_forum_topic(group.id, name)
        cases.append((await harness.add_case(f"KS-20261125-{name}", customer_id=1, thread_id=topic.message_thread_id), topic.message_thread_id))
    return group, cases


def relay(group_id: int, case_id: int, words: str) -> SendMessage:
    return SendMessage(group_id, "en", Phrase("start.greeting", name=words), route=CaseRoute(case_id, "relay"))


def texts_in(harness: Harness, group_id: int, thread_id: int) -> list[str]:
    return [m["text"] for m in harness.server.bot_messages(group_id) if m.get("message_thread_id") == thread_id and "text" in m]


def who(text: str) -> str:
    """The name a start.greeting was rendered with; other texts as they are."""
    return text.split("Hello, ", 1)[1].split("!", 1)[0] if text.startswith("Hello, ") else text


def words_of(call) -> str:
    return who(call.params.get("text", ""))


async def test_a_row_that_keeps_failing_in_one_thread_holds_only_that_thread(engine) -> None:
    async with running_sender(engine, PATIENT) as harness:
        group, [(a, thread_a), (b, thread_b)] = await forum_with_cases(harness, "A", "B")
        harness.server.inject_fault("500", count=None, method="sendMessage", chat_id=group.id, message_thread_id=thread_a)
        await harness.emit(relay(group.id, a, "A1"), relay(group.id, b, "B1"), relay(group.id, a, "A2"), relay(group.id, b, "B2"))

        await harness.server.wait_for(lambda: len(texts_in(harness, group.id, thread_b)) == 2, timeout=10)
        await harness.server.wait_for(lambda: len(harness.calls("sendMessage", message_thread_id=thread_a)) >= 3, timeout=10)
        assert [who(t) for t in texts_in(harness, group.id, thread_b)] == ["B1", "B2"]
        assert texts_in(harness, group.id, thread_a) == []
        # Within the failing thread the order holds: A2 is not tried while A1 keeps failing.
        assert {words_of(c) for c in harness.calls("sendMessage", message_thread_id=thread_a)} == {"A1"}
        assert [r.status for r in await harness.rows()] == ["pending", "sent", "pending", "sent"]

        harness.server.clear_faults()
        await harness.wait_settled()
        assert [who(t) for t in texts_in(harness, group.id, thread_a)] == ["A1", "A2"]


async def test_a_thread_that_never_recovers_is_given_up_once_without_notices_about_notices(harness: Harness) -> None:
    group, [(a, thread_a), (b, thread_b)] = await forum_with_cases(harness, "A", "B")
    harness.server.inject_fault("500", count=None, method="sendMessage", chat_id=group.id, message_thread_id=thread_a)
    await harness.emit(relay(group.id, a, "A1"), relay(group.id, b, "B1"), relay(group.id, a, "A2"))
    states = await harness.wait_settled()
    rows = await harness.rows()
    # The two relays gave up after three attempts each; each left one notice for the thread,
    # which failed in the same thread and was not reported again.
    assert [(r.status, r.conversation) for r in rows] == [
        ("failed", f"case:{a}"), ("sent", f"case:{b}"), ("failed", f"case:{a}"), ("failed", f"case:{a}"), ("failed", f"case:{a}")]
    assert all(error.startswith("gave up after 3 attempts: server_error") for status, error, _ in states if status == "failed")
    assert [r.payload["text"]["code"] for r in rows[3:]] == ["thread.failed.customer_message"] * 2
    attempts = [words_of(c) for c in harness.calls("sendMessage", message_thread_id=thread_a)]
    assert attempts[:6] == ["A1"] * 3 + ["A2"] * 3 and len(attempts) == 12  # in order; each notice tried three times
    async with harness.uow_factory() as uow:
        assert [e.action for e in await uow.cases.events(a)] == ["delivery_failed", "delivery_failed"]


async def test_an_unknown_method_is_final_at_once_and_staff_hear_of_a_lost_reply(harness: Harness, caplog) -> None:
    caplog.set_level(logging.INFO, logger="kesu.delivery")
    customer = harness.server.create_user(first_name="Li", language_code="en")
    group, [(case, thread)] = await forum_with_cases(harness, "A")
    # An older Bot API server: it has neither setMessageReaction nor copyMessage.
    harness.server.inject_fault("404", count=None, method="setMessageReaction")
    harness.server.inject_fault("404", count=None, method="copyMessage")
    receipt = Receipt(case, group.id, 501, "en")
    await harness.emit(
        SendMessage(customer.chat_id, "en", Phrase("start.greeting", name="reply"), receipt=receipt),
        CopyMessage(customer.chat_id, "en", group.id, 502, receipt=Receipt(case, group.id, 502, "en")),
    )
    await harness.server.wait_for(lambda: harness.calls("setMessageReaction"), timeout=10)
    await harness.wait_settled()

    assert len(harness.server.bot_messages(customer.chat_id)) == 1  # the text went; the copy could not
    assert len(harness.calls("setMessageReaction")) == 1 and len(harness.calls("copyMessage")) == 1  # never retried
    by_method = {r.method: (r.status, r.last_error) for r in await harness.rows()}
    assert by_method["set_reaction"] == ("failed", "unknown_method: Not Found")
    assert by_method["copy_message"] == ("failed", "unknown_method: Not Found")
    # One notice, for the copy; the delivered mark is cosmetic.
    assert texts_in(harness, group.id, thread) == [
        "⚠️ This message did not reach the customer: the Bot API server in use does not offer this kind of message."]
    decisions = [r for r in caplog.records if r.getMessage() == "delivery failed for good"]
    assert sorted((r.method, r.cause, r.cosmetic) for r in decisions) == [("copy_message", "unknown_method", False), ("set_reaction", "unknown_method", True)]


async def test_a_reaction_the_group_refuses_is_recorded_quietly(harness: Harness) -> None:
    customer = harness.server.create_user(first_name="Li", language_code="en")
    group, [(case, thread)] = await forum_with_cases(harness, "A")
    group.available_reactions = []  # reactions turned off in the group
    await harness.emit(SendMessage(customer.chat_id, "en", Phrase("start.greeting", name="reply"), receipt=Receipt(case, group.id, 501, "en")))
    await harness.server.wait_for(lambda: harness.calls("setMessageReaction"), timeout=10)
    await harness.emit(relay(group.id, case, "after"))
    await harness.wait_settled()
    reaction = next(r for r in await harness.rows() if r.method == "set_reaction")
    assert (reaction.status, reaction.last_error) == ("failed", "reaction_invalid: Bad Request: REACTION_INVALID")
    assert len(harness.calls("setMessageReaction")) == 1
    assert [who(t) for t in texts_in(harness, group.id, thread)] == ["after"]  # no notice: only the relay


async def test_card_and_topic_edits_never_hold_a_relay_and_only_the_newest_edit_is_kept(engine) -> None:
    async with running_sender(engine, PATIENT) as harness:
        group, [(case, thread)] = await forum_with_cases(harness, "A")
        await harness.emit(SendMessage(group.id, "en", Phrase("start.greeting", name="card"), route=CaseRoute(case, "card")))
        await harness.wait_settled()
        [card] = [m for m in harness.server.bot_messages(group.id) if "text" in m]
        harness.server.inject_fault("500", count=None, method="editMessageText")
        harness.server.inject_fault("502", count=None, method="editForumTopic")
        await harness.emit(
            EditCard(group.id, "en", case, Phrase("start.greeting", name="card v1")),
            EditTopic(group.id, "en", case, Phrase("start.greeting", name="topic v1")),
            relay(group.id, case, "words"),
        )
        await harness.server.wait_for(lambda: len(texts_in(harness, group.id, thread)) == 2, timeout=10)
        assert who(texts_in(harness, group.id, thread)[1]) == "words"
        await harness.server.wait_for(lambda: len(harness.calls("editMessageText")) >= 2, timeout=10)
        await harness.emit(EditCard(group.id, "en", case, Phrase("start.greeting", name="card v2")))
        await harness.server.wait_for(lambda: any("card v2" in c.params["text"] for c in harness.calls("editMessageText")), timeout=10)

        harness.server.clear_faults()
        await harness.wait_settled()
        statuses = {(r.method, r.payload.get("text", r.payload.get("name", {})).get("params", {}).get("name")): r.status for r in await harness.rows()}
        assert statuses == {("send_message", "card"): "sent", ("send_message", "words"): "sent", ("edit_card", "card v1"): "superseded",
                            ("edit_card", "card v2"): "sent", ("edit_topic", "topic v1"): "sent"}
        edits = harness.server.bot_messages(group.id)[0]["_edits"]
        assert card["message_id"] == harness.server.bot_messages(group.id)[0]["message_id"]
        assert [who(e["text"]) for e in edits] == ["card v2"]  # v1 was never applied
        assert who(group.topic_map[thread].name) == "topic v1"


async def test_a_card_refresh_waits_for_its_card(harness: Harness) -> None:
    group = harness.server.create_group(title="Plain desk")
    case = await harness.add_case("KS-20261125-0001", customer_id=1)
    harness.server.inject_fault("500", count=2, method="sendMessage")
    await harness.emit(
        SendMessage(group.id, "en", Phrase("start.greeting", name="card"), route=CaseRoute(case, "card")),
        EditCard(group.id, "en", case, Phrase("start.greeting", name="refreshed")),
    )
    states = await harness.wait_settled()
    assert [s for s, _, _ in states] == ["sent", "sent"]
    [card] = harness.server.bot_messages(group.id)
    assert [who(e["text"]) for e in card["_edits"]] == ["refreshed"]


async def test_a_429_for_the_group_pauses_every_conversation_of_the_group(harness: Harness) -> None:
    group, [(a, thread_a), (b, thread_b)] = await forum_with_cases(harness, "A", "B")
    harness.server.inject_fault("429", count=1, method="sendMessage", chat_id=group.id, retry_after=1)
    await harness.emit(relay(group.id, a, "A1"))
    await harness.server.wait_for(lambda: any(str(c.outcome).startswith("429") for c in harness.server.calls), timeout=10)
    await harness.emit(relay(group.id, b, "B1"))
    await harness.wait_settled()
    refused_at = next(c.time for c in harness.server.calls if str(c.outcome).startswith("429"))
    sent = [m["_sent_at"] for m in harness.server.bot_messages(group.id) if "text" in m]
    assert len(sent) == 2 and min(sent) >= refused_at + 1.0
