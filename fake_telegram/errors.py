"""Bot API error responses, with the descriptions real Telegram uses."""
from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """Raised by method handlers; turned into an ``{"ok": false, ...}`` body."""

    def __init__(self, error_code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(message: str) -> ApiError:
    return ApiError(400, f"Bad Request: {message}")


def forbidden(message: str) -> ApiError:
    return ApiError(403, f"Forbidden: {message}")


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})


def unauthorized() -> ApiError:
    return ApiError(401, "Unauthorized")


def not_found() -> ApiError:
    return ApiError(404, "Not Found")


def conflict_polling() -> ApiError:
    return ApiError(
        409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
    )


def conflict_webhook() -> ApiError:
    return ApiError(
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
    )
SERVER_ERRORS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}

CHAT_NOT_FOUND = "chat not found"
BLOCKED = "bot was blocked by the user"
TEXT_EMPTY = "message text is empty"
TEXT_TOO_LONG = "message is too long"
CAPTION_TOO_LONG = "message caption is too long"
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)
NOT_A_FORUM = "the chat is not a forum"
BUTTON_DATA_INVALID = "BUTTON_DATA_INVALID"
REACTION_INVALID = "REACTION_INVALID"
QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
