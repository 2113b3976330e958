"""Parser for parse_mode=HTML that follows tdlib's rules and error messages."""
from __future__ import annotations

from typing import Any

from .text import byte_offset, sort_entities, utf16_len


class EntityParseError(ValueError):
    """The part of the description after "Bad Request: can't parse entities: "."""


_SPACES = " \t\r\n\v\f\0"
_TAG_TYPES = {
    "b": "bold", "strong": "bold",
    "i": "italic", "em": "italic",
    "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "tg-spoiler": "spoiler", "span": "spoiler",
    "a": "text_link", "code": "code", "pre": "pre",
    "blockquote": "blockquote", "tg-emoji": "custom_emoji",
}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def _decode_entity(s: str, i: int) -> tuple[str | None, int]:
    """Decode the character reference at ``s[i] == '&'``; returns (char or None, next index)."""
    n = len(s)
    j = i + 1
    if j < n and s[j] == "#":
        j += 1
        base, digits = (16, "0123456789abcdefABCDEF") if j < n and s[j] == "x" else (10, "0123456789")
        if base == 16:
            j += 1
        start = j
        while j < n and s[j] in digits:
            j += 1
        if j == start:
            return None, i
        code = int(s[start:j], base)
        if code == 0 or code >= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return None, i
        char = chr(code)
    else:
        while j < n and s[j].isascii() and s[j].isalpha():
            j += 1
        char = _NAMED.get(s[i + 1 : j])
        if char is None:
            return None, i
    if j < n and s[j] == ";":
        j += 1
    return char, j


def _decode_all(value: str) -> str:
    out, i = [], 0
    while i < len(value):
        if value[i] == "&":
            char, j = _decode_entity(value, i)
            if char is not None:
                out.append(char)
                i = j
                continue
        out.append(value[i])
        i += 1
    return "".join(out)


def parse_html(s: str, strict_ampersand: bool = True) -> tuple[str, list[dict[str, Any]]]:
    """Return (visible text, entities). ``strict_ampersand`` rejects a bare ``&`` (Telegram keeps it)."""
    n = len(s)

    def at(k: int) -> str:
        return s[k] if k < n else "\0"

    def fail(message: str) -> EntityParseError:
        return EntityParseError(message)

    out: list[str] = []
    u16 = 0
    stack: list[tuple[str, str, int, int]] = []  # tag, argument, utf16 start, entity count at start
    entities: list[dict[str, Any]] = []
    i = 0
    while i < n:
        c = s[i]
        if c == "&":
            char, j = _decode_entity(s, i)
            if char is not None:
                out.append(char)
                u16 += utf16_len(char)
                i = j
                continue
            if strict_ampersand:
                raise fail(f'Unescaped "&" at byte offset {byte_offset(s, i)}; use "&amp;"')
        if c != "<":
            out.append(c)
            u16 += 2 if ord(c) > 0xFFFF else 1
            i += 1
            continue

        begin = i
        i += 1
        if at(i) != "/":
            name_begin = i
            while at(i) not in _SPACES and at(i) != ">":
                i += 1
            if at(i) == "\0":
                raise fail(f"Unclosed start tag at byte offset {byte_offset(s, begin)}")
            tag = s[name_begin:i].lower()
            if tag not in _TAG_TYPES:
                raise fail(f'Unsupported start tag "{tag}" at byte offset {byte_offset(s, begin)}')
            argument = ""
            while at(i) != ">":
                while at(i) != "\0" and at(i) in _SPACES:
                    i += 1
                if at(i) == ">":
                    break
                if at(i) == "\0":
                    raise fail(f'Unclosed start tag "{tag}" at byte offset {byte_offset(s, begin)}')
                attr_begin = i
                while at(i) not in _SPACES and at(i) not in "=>":
                    i += 1
                attribute = s[attr_begin:i].lower()
                if not attribute:
                    raise fail(f'Empty attribute name in the tag "{tag}" at byte offset {byte_offset(s, begin)}')
                while at(i) != "\0" and at(i) in _SPACES:
                    i += 1
                if at(i) != "=":
                    if tag == "blockquote" and attribute == "expandable":
                        argument = "1"
                        continue
                    raise fail(
                        f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                        f"at byte offset {byte_offset(s, begin)}"
                    )
                i += 1
                while at(i) != "\0" and at(i) in _SPACES:
                    i += 1
                if at(i) == "\0":
                    raise fail(f'Unclosed start tag "{tag}" at byte offset {byte_offset(s, begin)}')
                if at(i) not in "'\"":
                    token_begin = i
                    while (at(i).isascii() and at(i).isalnum()) or at(i) in ".-":
                        i += 1
                    value = s[token_begin:i].lower()
                    if at(i) not in _SPACES and at(i) != ">":
                        raise fail(f"Unexpected end of name token at byte offset {byte_offset(s, token_begin)}")
                else:
                    end = s.find(at(i), i + 1)
                    if end < 0:
                        raise fail(f"Unclosed start tag at byte offset {byte_offset(s, begin)}")
                    value = _decode_all(s[i + 1 : end])
                    i = end + 1
                if tag == "a" and attribute == "href":
                    argument = value
                elif tag == "code" and attribute == "class" and value.startswith("language-"):
                    argument = value[len("language-"):]
                elif tag == "span" and attribute == "class" and value.startswith("tg-"):
                    argument = value[len("tg-"):]
                elif tag == "tg-emoji" and attribute == "emoji-id":
                    argument = value
            if tag == "span" and argument != "spoiler":
                raise fail(f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset(s, begin)}')
            if tag == "tg-emoji" and not argument.isdigit():
                raise fail("Invalid custom emoji identifier specified")
            stack.append((tag, argument, u16, len(entities)))
            i += 1
            continue

        # End tag.
        if not stack:
            raise fail(f"Unexpected end tag at byte offset {byte_offset(s, begin)}")
        while at(i) not in _SPACES and at(i) != ">":
            i += 1
        end_name = s[begin + 2 : i].lower()
        while at(i) != "\0" and at(i) in _SPACES:
            i += 1
        if at(i) != ">":
            raise fail(f"Unclosed end tag at byte offset {byte_offset(s, begin)}")
        tag, argument, start, first_inner = stack.pop()
        if end_name and end_name != tag:
            raise fail(
                f'Unmatched end tag at byte offset {byte_offset(s, begin)}, expected "</{tag}>", found "</{end_name}>"'
            )
        i += 1
        if u16 > start:
            entities.append(_make_entity(tag, argument, start, u16 - start, "".join(out), entities, first_inner))
    if stack:
        raise fail(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return "".join(out), sort_entities(entities)


def _make_entity(
    tag: str, argument: str, offset: int, length: int, text: str, entities: list[dict[str, Any]], first_inner: int
) -> dict[str, Any]:
    kind = _TAG_TYPES[tag]
    entity: dict[str, Any] = {"type": kind, "offset": offset, "length": length}
    if tag == "a":
        entity["url"] = argument or _utf16_slice(text, offset, length)
    elif tag == "code" and argument:
        entity["language"] = argument
    elif tag == "pre":
        # <pre><code class="language-x"> becomes a single pre entity with a language.
        for index in range(first_inner, len(entities)):
            inner = entities[index]
            if inner["type"] == "code" and inner["offset"] == offset and inner["length"] == length:
                entities.pop(index)
                if "language" in inner:
                    entity["language"] = inner["language"]
                break
    elif tag == "blockquote" and argument:
        entity["type"] = "expandable_blockquote"
    elif tag == "tg-emoji":
        entity["custom_emoji_id"] = argument
    return entity


def _utf16_slice(text: str, offset: int, length: int) -> str:
    raw = text.encode("utf-16-le", "surrogatepass")
    return raw[offset * 2 : (offset + length) * 2].decode("utf-16-le", "surrogatepass")
