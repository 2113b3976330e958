"""Turns (text, parse_mode, entities) request parameters into Telegram's stored text + entities."""
from __future__ import annotations

from typing import Any

from .errors import CAPTION_TOO_LONG, TEXT_EMPTY, TEXT_TOO_LONG, bad_request
from .html_check import EntityParseError, parse_html
from .markdown_check import parse_markdown, parse_markdown_v2
from .text import MAX_CAPTION, MAX_TEXT, sort_entities, strip_entities, utf16_len


def parse_formatted(
    text: str, parse_mode: str | None, entities: list[dict[str, Any]] | None, strict_ampersand: bool = True
) -> tuple[str, list[dict[str, Any]]]:
    mode = (parse_mode or "").lower()
    try:
        if mode == "html":
            plain, found = parse_html(text, strict_ampersand)
        elif mode == "markdownv2":
            plain, found = parse_markdown_v2(text)
        elif mode == "markdown":
            plain, found = parse_markdown(text)
        elif mode:
            raise bad_request("unsupported parse_mode")
        else:
            plain, found = text, sort_entities(list(entities or []))
    except EntityParseError as exc:
        raise bad_request(f"can't parse entities: {exc}") from None
    return strip_entities(plain, found)


def message_text(
    text: str | None, parse_mode: str | None, entities: list[dict[str, Any]] | None, strict_ampersand: bool = True
) -> tuple[str, list[dict[str, Any]]]:
    """Validated message text; raises the same errors as sendMessage / editMessageText."""
    if not text:
        raise bad_request(TEXT_EMPTY)
    plain, found = parse_formatted(text, parse_mode, entities, strict_ampersand)
    if not plain:
        raise bad_request(TEXT_EMPTY)
    if utf16_len(plain) > MAX_TEXT:
        raise bad_request(TEXT_TOO_LONG)
    return plain, found


def caption_fields(
    caption: str | None, parse_mode: str | None, entities: list[dict[str, Any]] | None, strict_ampersand: bool = True
) -> dict[str, Any]:
    """``{"caption": ..., "caption_entities": ...}`` for a media message (empty if there is no caption)."""
    if not caption:
        return {}
    plain, found = parse_formatted(caption, parse_mode, entities, strict_ampersand)
    if utf16_len(plain) > MAX_CAPTION:
        raise bad_request(CAPTION_TOO_LONG)
    fields: dict[str, Any] = {}
    if plain:
        fields["caption"] = plain
        if found:
            fields["caption_entities"] = found
    return fields
