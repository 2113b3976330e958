"""What a failed Bot API call means for its outbox row, read from the answers the Bot API gives.

Permanent: a 400 (the request itself is wrong), a 403 (blocked, kicked), a 404 (the Bot API
answers 404 only for a method it does not have: an older local Bot API server); retrying
cannot change them. Retryable: a 429 with retry_after, a 5xx, the network. A 401 is retried
too: it is about the bot's token, not the row, and dropping every row until the token is
fixed would lose them.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass

from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)

from bot.delivery.telegram_calls import CaseMoved, MissingTarget

DONE, RETRY, RATE_LIMITED, PERMANENT = "done", "retry", "rate_limited", "permanent"


@dataclass(frozen=True)
class Verdict:
    action: str  # done | retry | rate_limited | permanent
    cause: str  # one word: blocked, unknown_method, bad_request, server_error, network, ...
    detail: str  # what the server (or the client library) said
    retry_after: float = 0.0

    @property
    def reason(self) -> str:
        """As recorded on the row and logged."""
        return f"{self.cause}: {self.detail}"


def _telegram_words(error: TelegramAPIError) -> str:
    # aiogram rewrites the 429 and migration texts; the server's own words are the last line.
    return error.message.rsplit("Original description: ", 1)[-1]


def classify(error: BaseException) -> Verdict | None:
    """None: not an answer about this call (a bug, the database away): the caller backs off."""
    if isinstance(error, TelegramRetryAfter):
        return Verdict(RATE_LIMITED, "flood_wait", _telegram_words(error), float(error.retry_after))
    if isinstance(error, TelegramMigrateToChat):
        return Verdict(PERMANENT, "migrated", f"{_telegram_words(error)} (now chat {error.migrate_to_chat_id})")
    if isinstance(error, TelegramBadRequest):
        return _bad_request(error.message)
    if isinstance(error, TelegramNotFound):
        return Verdict(PERMANENT, "unknown_method", error.message)
    if isinstance(error, TelegramForbiddenError):
        return Verdict(PERMANENT, "blocked" if "blocked" in error.message else "forbidden", error.message)
    if isinstance(error, TelegramEntityTooLarge):  # a subclass of the network error, yet final
        return Verdict(PERMANENT, "too_large", error.message)
    if isinstance(error, TelegramUnauthorizedError):
        return Verdict(RETRY, "unauthorized", error.message)
    if isinstance(error, TelegramServerError):
        return Verdict(RETRY, "server_error", error.message)
    if isinstance(error, TelegramNetworkError):
        return Verdict(RETRY, "network", error.message)
    if isinstance(error, (asyncio.TimeoutError, TimeoutError)):
        return Verdict(RETRY, "network", "timed out")
    if isinstance(error, ClientDecodeError):  # e.g. a proxy's error page instead of JSON
        return Verdict(RETRY, "undecodable", error.message)
    if isinstance(error, TelegramAPIError):  # any other 4xx: the request will not get better
        return Verdict(PERMANENT, "refused", error.message)
    if isinstance(error, MissingTarget):
        return Verdict(PERMANENT, "missing_target", str(error))
    if isinstance(error, CaseMoved):  # queued again in the case's new group: nothing to send here
        return Verdict(DONE, "case_moved", str(error))
    return None


def _bad_request(message: str) -> Verdict:
    text = message.lower()
    if "message is not modified" in text or "topic_not_modified" in text:
        # The change is already there (e.g. made just before a restart): done, not failed.
        return Verdict(DONE, "not_modified", message)
    if "chat not found" in text:
        return Verdict(PERMANENT, "chat_not_found", message)
    if "reaction_invalid" in text:
        return Verdict(PERMANENT, "reaction_invalid", message)
    return Verdict(PERMANENT, "bad_request", message)
