"""Parsers for parse_mode=MarkdownV2 and legacy Markdown, following tdlib's rules and errors."""
from __future__ import annotations

from typing import Any

from .html_check import EntityParseError
from .text import byte_offset, sort_entities

_SPACES = " \t\r\n\v\f\0"
_RESERVED = "_*[]()~`>#+-=|{}.!"
# tdlib's names for entity types, used in "Can't find end of X entity" errors.
_TDLIB_NAMES = {
    "bold": "Bold", "italic": "Italic", "underline": "Underline", "strikethrough": "Strikethrough",
    "spoiler": "Spoiler", "text_link": "TextUrl", "code": "Code", "pre": "Pre", "pre_code": "PreCode",
    "custom_emoji": "CustomEmoji",
}


class _Out:
    """Accumulates visible text and tracks its UTF-16 length."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.u16 = 0

    def add(self, char: str) -> None:
        self.parts.append(char)
        self.u16 += 2 if ord(char) > 0xFFFF else 1

    def text(self) -> str:
        return "".join(self.parts)


def _reserved_error(char: str) -> EntityParseError:
    return EntityParseError(f"Character '{char}' is reserved and must be escaped with the preceding '\\'")


def _skip_pre_language(s: str, i: int) -> tuple[str, int]:
    """After an opening ```, read an optional language and skip one leading newline."""
    n = len(s)
    at = lambda k: s[k] if k < n else "\0"  # noqa: E731
    language = ""
    end = i
    while at(end) not in _SPACES and at(end) != "`":
        end += 1
    if end != i and end < n and s[end] != "`":
        language, i = s[i:end], end
    if at(i) in "\r\n":
        i += 2 if at(i + 1) in "\r\n" and at(i) != at(i + 1) else 1
    return language, i


def parse_markdown_v2(s: str) -> tuple[str, list[dict[str, Any]]]:
    n = len(s)
    at = lambda k: s[k] if k < n else "\0"  # noqa: E731
    out = _Out()
    stack: list[dict[str, Any]] = []
    entities: list[dict[str, Any]] = []
    quote_start: int | None = None
    i = 0
    while i < n:
        c = s[i]
        if c == "\\" and 0 < ord(at(i + 1)) <= 126:
            out.add(s[i + 1])
            i += 2
            continue
        code_like = stack and stack[-1]["type"] in ("code", "pre", "pre_code")
        if c == ">" and not code_like and (i == 0 or s[i - 1] == "\n"):
            if quote_start is None:
                quote_start = out.u16
            i += 1
            continue
        if c not in ("`" if code_like else _RESERVED):
            if c == "\n" and quote_start is not None and at(i + 1) != ">":
                if out.u16 > quote_start:
                    entities.append({"type": "blockquote", "offset": quote_start, "length": out.u16 - quote_start})
                quote_start = None
            out.add(c)
            i += 1
            continue

        top = stack[-1]["type"] if stack else None
        is_end = {
            "bold": c == "*",
            "italic": c == "_" and at(i + 1) != "_",
            "code": c == "`",
            "pre": c == "`" and at(i + 1) == "`" and at(i + 2) == "`",
            "pre_code": c == "`" and at(i + 1) == "`" and at(i + 2) == "`",
            "text_link": c == "]",
            "custom_emoji": c == "]",
            "underline": c == "_" and at(i + 1) == "_",
            "strikethrough": c == "~",
            "spoiler": c == "|" and at(i + 1) == "|",
        }.get(top, False)

        if not is_end:
            begin = i
            argument = ""
            if c == "_":
                kind = "italic"
                if at(i + 1) == "_":
                    kind, i = "underline", i + 1
            elif c == "*":
                kind = "bold"
            elif c == "~":
                kind = "strikethrough"
            elif c == "|" and at(i + 1) == "|":
                kind, i = "spoiler", i + 1
            elif c == "[":
                kind = "text_link"
            elif c == "`":
                if at(i + 1) == "`" and at(i + 2) == "`":
                    argument, i = _skip_pre_language(s, i + 3)
                    kind = "pre_code" if argument else "pre"
                    i -= 1
                else:
                    kind = "code"
            elif c == "!" and at(i + 1) == "[":
                kind, i = "custom_emoji", i + 1
            else:
                raise _reserved_error(c)
            stack.append({"type": kind, "argument": argument, "u16": out.u16, "byte": byte_offset(s, begin),
                          "pos": len(out.parts)})
            i += 1
            continue

        opened = stack.pop()
        kind = opened["type"]
        url = ""
        if kind in ("underline", "spoiler"):
            i += 1
        elif kind in ("pre", "pre_code"):
            i += 2
        elif kind in ("text_link", "custom_emoji"):
            if at(i + 1) != "(":
                url = "".join(out.parts[opened["pos"]:])
            else:
                i += 2
                url_begin = i
                chars = []
                while i < n and s[i] != ")":
                    if s[i] == "\\" and 0 < ord(at(i + 1)) <= 126:
                        chars.append(s[i + 1])
                        i += 2
                        continue
                    chars.append(s[i])
                    i += 1
                if at(i) != ")":
                    raise EntityParseError(f"Can't find end of a URL at byte offset {byte_offset(s, url_begin)}")
                url = "".join(chars)
        i += 1
        if out.u16 > opened["u16"]:
            entity: dict[str, Any] = {"type": kind, "offset": opened["u16"], "length": out.u16 - opened["u16"]}
            if kind == "pre_code":
                entity.update(type="pre", language=opened["argument"])
            elif kind == "text_link":
                entity["url"] = url
            elif kind == "custom_emoji":
                if not url.startswith("tg://emoji?id="):
                    raise EntityParseError("Custom emoji URL must have scheme tg")
                entity["custom_emoji_id"] = url.split("=", 1)[1]
            entities.append(entity)
    if stack:
        opened = stack[-1]
        raise EntityParseError(
            f"Can't find end of {_TDLIB_NAMES[opened['type']]} entity at byte offset {opened['byte']}"
        )
    if quote_start is not None and out.u16 > quote_start:
        entities.append({"type": "blockquote", "offset": quote_start, "length": out.u16 - quote_start})
    return out.text(), sort_entities(entities)


def parse_markdown(s: str) -> tuple[str, list[dict[str, Any]]]:
    """Legacy Markdown: no nesting, only _ * ` ``` and [text](url)."""
    n = len(s)
    at = lambda k: s[k] if k < n else "\0"  # noqa: E731
    out = _Out()
    entities: list[dict[str, Any]] = []
    i = 0
    while i < n:
        c = s[i]
        if c == "\\" and at(i + 1) in "_*`[":
            out.add(s[i + 1])
            i += 2
            continue
        if c not in "_*`[":
            out.add(c)
            i += 1
            continue
        begin = i
        end_char = "]" if c == "[" else c
        is_pre = c == "`" and at(i + 1) == "`" and at(i + 2) == "`"
        language = ""
        i += 1
        if is_pre:
            language, i = _skip_pre_language(s, i + 2)
        start = out.u16
        while i < n and (s[i] != end_char or (is_pre and not (at(i + 1) == "`" and at(i + 2) == "`"))):
            out.add(s[i])
            i += 1
        if i == n:
            raise EntityParseError(f"Can't find end of the entity starting at byte offset {byte_offset(s, begin)}")
        if is_pre:
            i += 2
        url = ""
        if c == "[" and at(i + 1) == "(":
            close = s.find(")", i + 2)
            if close < 0:
                raise EntityParseError(f"Can't find end of a URL at byte offset {byte_offset(s, i + 2)}")
            url, i = s[i + 2 : close], close
        i += 1
        length = out.u16 - start
        if length <= 0:
            continue
        kind = {"_": "italic", "*": "bold", "[": "text_link"}.get(c, "pre" if is_pre else "code")
        entity: dict[str, Any] = {"type": kind, "offset": start, "length": length}
        if kind == "text_link":
            if not url:
                continue
            entity["url"] = url
        if language:
            entity["language"] = language
        entities.append(entity)
    return out.text(), sort_entities(entities)
