"""Reads Bot API parameters from JSON, urlencoded or multipart requests."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .errors import bad_request


@dataclass
class Upload:
    filename: str
    data: bytes
    content_type: str | None


async def read_request(request: web.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
    params: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if not request.can_read_body:
        return params, uploads
    content_type = request.content_type
    if content_type == "application/json":
        body = await request.read()
        if body.strip():
            try:
                data = json.loads(body)
            except ValueError:
                raise bad_request("can't parse JSON encoded request") from None
            if isinstance(data, dict):
                params.update(data)
    elif content_type.startswith("multipart/"):
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if part.filename is not None:
                uploads[part.name] = Upload(part.filename, bytes(await part.read()), part.headers.get("Content-Type"))
            else:
                params[part.name] = await part.text()
    else:
        form = await request.post()
        params.update({k: v for k, v in form.items() if isinstance(v, str)})
    return params, uploads


_INT_KEYS = {
    "chat_id", "from_chat_id", "message_id", "message_thread_id", "user_id", "reply_to_message_id", "offset",
    "limit", "timeout", "cache_time", "icon_color", "duration", "width", "height", "until_date",
}
_FLOAT_KEYS = {"latitude", "longitude"}
_BOOL_KEYS = {
    "disable_notification", "protect_content", "show_alert", "drop_pending_updates", "has_spoiler",
    "allow_sending_without_reply", "disable_web_page_preview", "show_caption_above_media", "allow_paid_broadcast",
}
_JSON_KEYS = {
    "reply_markup", "entities", "caption_entities", "reply_parameters", "link_preview_options", "commands", "scope",
    "media", "allowed_updates", "menu_button", "message_ids", "reaction", "rights",
}


def normalize(raw: dict[str, Any]) -> dict[str, Any]:
    """Parameters with native types whatever the encoding, so recorded calls compare the same way
    for JSON bodies and for aiogram's form data (where every value is a string)."""
    result = {}
    for key, value in raw.items():
        if isinstance(value, str):
            try:
                if key in _INT_KEYS and value.lstrip("-").isdigit():
                    value = int(value)
                elif key in _FLOAT_KEYS:
                    value = float(value)
                elif key in _BOOL_KEYS:
                    value = value.lower() in ("true", "1")
                elif key in _JSON_KEYS:
                    value = json.loads(value)
            except ValueError:
                pass
        result[key] = value
    return result


class Params:
    """Typed access to request parameters; form values arrive as strings, JSON ones as native types."""

    def __init__(self, raw: dict[str, Any], uploads: dict[str, Upload] | None = None):
        self.raw = raw
        self.uploads = uploads or {}

    def has(self, name: str) -> bool:
        return self.raw.get(name) not in (None, "")

    def str(self, name: str, default: str | None = None) -> str | None:
        value = self.raw.get(name)
        return default if value is None else str(value)

    def int(self, name: str, default: int | None = None, required: bool = False) -> int | None:
        value = self.raw.get(name)
        if value in (None, ""):
            if required:
                raise bad_request(f"{name} is empty")
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def float(self, name: str) -> float:
        try:
            return float(self.raw[name])
        except (KeyError, TypeError, ValueError):
            raise bad_request(f"{name} is empty") from None

    def bool(self, name: str, default: bool = False) -> bool:
        value = self.raw.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)

    def json(self, name: str, default: Any = None, error: str | None = None) -> Any:
        value = self.raw.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(error or f"can't parse {name} JSON object") from None
        return value

    def chat_id(self, name: str = "chat_id") -> int | str:
        value = self.raw.get(name)
        if value in (None, ""):
            raise bad_request(f"{name} is empty")
        if isinstance(value, str) and value.startswith("@"):
            return value
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None

    def upload(self, value: str) -> Upload | None:
        """The uploaded part a value like ``attach://name`` refers to."""
        if value.startswith("attach://"):
            return self.uploads.get(value.removeprefix("attach://"))
        return None
