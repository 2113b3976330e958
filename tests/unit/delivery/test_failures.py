"""Failed Bot API calls are read by the answers the Bot API really gives."""
from __future__ import annotations

import asyncio

import pytest
from aiogram.exceptions import (
    ClientDecodeError,
    RestartingTelegram,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramConflictError,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import SendMessage, SetMessageReaction

from bot.delivery.failures import DONE, PERMANENT, RATE_LIMITED, RETRY, classify
from bot.delivery.telegram_calls import MissingTarget
from core.delivery_order import conversation_of, is_cosmetic, target_conversation
from core.intents import AnswerCallback, CaseRoute, CreateTopic, EditCard, EditTopic, Phrase, Receipt, SetReaction, SetTopicClosed
from core.intents import SendMessage as SendIntent

SEND = SendMessage(chat_id=1, text="x")


@pytest.mark.parametrize(("error", "action", "cause"), [
    (TelegramBadRequest(SEND, "Bad Request: chat not found"), PERMANENT, "chat_not_found"),
    (TelegramBadRequest(SetMessageReaction(chat_id=-1, message_id=5), "Bad Request: REACTION_INVALID"), PERMANENT, "reaction_invalid"),
    (TelegramBadRequest(SEND, "Bad Request: message thread not found"), PERMANENT, "bad_request"),
    (TelegramBadRequest(SEND, "Bad Request: can't parse entities: Unsupported start tag \"x\" at byte offset 3"), PERMANENT, "bad_request"),
    (TelegramBadRequest(SEND, "Bad Request: TOPIC_NOT_MODIFIED"), DONE, "not_modified"),
    (TelegramBadRequest(SEND, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same"), DONE, "not_modified"),
    (TelegramNotFound(SetMessageReaction(chat_id=-1, message_id=5), "Not Found"), PERMANENT, "unknown_method"),
    (TelegramForbiddenError(SEND, "Forbidden: bot was blocked by the user"), PERMANENT, "blocked"),
    (TelegramForbiddenError(SEND, "Forbidden: bot was kicked from the supergroup chat"), PERMANENT, "forbidden"),
    (TelegramForbiddenError(SEND, "Forbidden: user is deactivated"), PERMANENT, "forbidden"),
    (TelegramEntityTooLarge(SEND, "Request Entity Too Large"), PERMANENT, "too_large"),
    (TelegramMigrateToChat(SEND, "Bad Request: group chat was upgraded to a supergroup chat", -100123), PERMANENT, "migrated"),
    (TelegramConflictError(SEND, "Conflict: terminated by other getUpdates request"), PERMANENT, "refused"),
    (TelegramAPIError(SEND, "Payment Required"), PERMANENT, "refused"),
    (TelegramRetryAfter(SEND, "Too Many Requests: retry after 7", 7), RATE_LIMITED, "flood_wait"),
    (TelegramServerError(SEND, "Internal Server Error"), RETRY, "server_error"),
    (TelegramServerError(SEND, "Bad Gateway"), RETRY, "server_error"),
    (RestartingTelegram(SEND, "Internal Server Error: restart"), RETRY, "server_error"),
    (TelegramNetworkError(SEND, "Request timeout error"), RETRY, "network"),
    (asyncio.TimeoutError(), RETRY, "network"),
    (ClientDecodeError("Failed to decode object", ValueError("<html>"), "<html>502</html>"), RETRY, "undecodable"),
    (TelegramUnauthorizedError(SEND, "Unauthorized"), RETRY, "unauthorized"),
    (MissingTarget("case 4 has no card"), PERMANENT, "missing_target"),
])
def test_each_answer_gets_its_decision(error: BaseException, action: str, cause: str) -> None:
    verdict = classify(error)
    assert verdict is not None and (verdict.action, verdict.cause) == (action, cause)
    assert verdict.reason.startswith(f"{cause}: ")


def test_the_servers_own_words_are_kept() -> None:
    verdict = classify(TelegramRetryAfter(SEND, "Too Many Requests: retry after 7", 7))
    assert verdict is not None and verdict.retry_after == 7 and verdict.detail == "Too Many Requests: retry after 7"
    migrated = classify(TelegramMigrateToChat(SEND, "Bad Request: group chat was upgraded to a supergroup chat", -100123))
    assert migrated is not None and migrated.detail == "Bad Request: group chat was upgraded to a supergroup chat (now chat -100123)"
    assert classify(TelegramNotFound(SEND, "Not Found")).reason == "unknown_method: Not Found"  # type: ignore[union-attr]


def test_a_fault_that_is_no_answer_is_left_to_the_caller() -> None:
    assert classify(RuntimeError("database is locked")) is None
    assert classify(KeyError("payload")) is None


def test_conversations_and_cosmetic_rows() -> None:
    relay = SendIntent(-1, "en", Phrase("help.text"), route=CaseRoute(4, "relay"))
    to_customer = SendIntent(7, "en", Phrase("help.text"), receipt=Receipt(4, -1, 9, "en"))
    assert [conversation_of(i) for i in (relay, to_customer, CreateTopic(-1, "en", 4, Phrase("help.text")), SetTopicClosed(-1, "en", 4))] == [
        "case:4", "chat", "case:4", "case:4"]
    assert conversation_of(SendIntent(-1, "en", Phrase("help.text"), thread_id=12)) == "thread:12"
    assert conversation_of(AnswerCallback(7, "en", "q1")) == "callback:q1"
    cosmetic = [EditCard(-1, "en", 4, Phrase("help.text")), EditTopic(-1, "en", 4, Phrase("help.text")), SetReaction(-1, "en", 9, "👌")]
    assert [conversation_of(i) for i in cosmetic] == ["case:4:card", "case:4:topic", "reaction:9"]
    assert all(is_cosmetic(i) for i in cosmetic) and not any(is_cosmetic(i) for i in (relay, to_customer))
    # A card refresh or topic rename waits for the case's own queue to make its target.
    assert [target_conversation(i) for i in cosmetic] == ["case:4", "case:4", None]
