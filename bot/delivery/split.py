"""Split Telegram HTML messages into parts that each fit the message length limit.

Telegram measures a message after entity parsing: tags are invisible, an HTML
entity is the one character it stands for, and length is counted in UTF-16
code units (characters outside the BMP count 2).
"""

from __future__ import annotations

import html as _html
import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass

__all__ = ["TELEGRAM_TEXT_LIMIT", "split_html", "truncate_html", "visible_length"]

TELEGRAM_TEXT_LIMIT = 4096

# Quoted attribute values may contain '>' (e.g. in URLs), so they are matched as units.
# Only the named entities Telegram decodes are atomic; any other '&name;' is literal text for it.
_TOKEN_RE = re.compile(
    r"""<(?P<close>/?)(?P<name>[A-Za-z][A-Za-z0-9-]*)(?P<attrs>(?:[^>"']|"[^"]*"|'[^']*')*)>"""
    r"""|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|lt|gt|amp|quot);"""
)

_TEXT, _OPEN, _CLOSE, _VOID = range(4)

# Cut classes, best first.
_PARA, _NEWLINE, _SENTENCE, _SPACE = 4, 3, 2, 1
_CLASS_ORDER = (_PARA, _NEWLINE, _SENTENCE, _SPACE)

# Full-width stops end a sentence on their own (CJK text has no spaces);
# ASCII ones only when followed by whitespace, so "3.14" or "a.b" are not cut.
_CJK_STOPS = frozenset("。！？；｡")
_ASCII_STOPS = frozenset(".!?;")
_STOPS = _CJK_STOPS | _ASCII_STOPS
# Closing quotes and brackets belong to the sentence they end.
_CLOSERS = frozenset("\"')]}»’”」』）】〕〉》")


@dataclass(slots=True)
class _Atom:
    kind: int
    raw: str
    name: str = ""  # lower-case tag name for tags
    char: str = ""  # visible character for text
    size: int = 0  # UTF-16 code units


def _u16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _visible_text(match: re.Match[str]) -> str:
    raw = match.group(0)
    return _html.unescape(raw) if raw[0] == "&" else ""


def _tokenize(html: str) -> list[_Atom]:
    atoms: list[_Atom] = []

    def add_text(chunk: str) -> None:
        for ch in chunk:
            atoms.append(_Atom(_TEXT, ch, char=ch, size=_u16(ch)))

    pos = 0
    for m in _TOKEN_RE.finditer(html):
        add_text(html[pos : m.start()])
        raw = m.group(0)
        if raw[0] == "&":
            ch = _html.unescape(raw)
            atoms.append(_Atom(_TEXT, raw, char=ch, size=_u16(ch)))
        else:
            name = m.group("name").lower()
            if m.group("close"):
                kind = _CLOSE
            elif m.group("attrs").rstrip().endswith("/"):
                kind = _VOID
            else:
                kind = _OPEN
            atoms.append(_Atom(kind, raw, name=name))
        pos = m.end()
    add_text(html[pos:])
    return atoms


def visible_length(html: str) -> int:
    """Length Telegram counts for ``html``: tags removed, entities decoded, UTF-16 units."""
    return _u16(_TOKEN_RE.sub(_visible_text, html))


def _fits(html: str, limit: int) -> bool:
    """Whether ``html`` is one message as it is, without taking it apart. Nearly every
    message is: its own length already bounds what Telegram counts, since removing tags
    and decoding entities only ever shortens it."""
    return _u16(html) <= limit or visible_length(html) <= limit


def _open_stacks(atoms: list[_Atom]) -> list[tuple[_Atom, ...]]:
    """stacks[i] holds the tags open just before atoms[i]; stacks[-1] those open at the end."""
    stacks: list[tuple[_Atom, ...]] = []
    stack: tuple[_Atom, ...] = ()
    for atom in atoms:
        stacks.append(stack)
        if atom.kind == _OPEN:
            stack = stack + (atom,)
        elif atom.kind == _CLOSE:
            # Tolerate sloppy nesting: close up to the innermost tag of that name.
            for k in range(len(stack) - 1, -1, -1):
                if stack[k].name == atom.name:
                    stack = stack[:k]
                    break
    stacks.append(stack)
    return stacks


def _is_extend(ch: str) -> bool:
    """Characters that attach to the previous one (combining marks, emoji modifiers)."""
    cp = ord(ch)
    return (
        unicodedata.category(ch) in ("Mn", "Me", "Mc")
        or cp == 0x200D  # zero-width joiner
        or 0x1F3FB <= cp <= 0x1F3FF  # skin tones
        or 0xE0020 <= cp <= 0xE007F  # tag characters in flag sequences
    )


def _is_regional(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def _is_boundary(chars: list[str], j: int) -> bool:
    """Whether cutting between chars[j-1] and chars[j] keeps grapheme clusters whole."""
    if j <= 0 or j >= len(chars):
        return True
    before, after = chars[j - 1], chars[j]
    if before == "\r" and after == "\n":
        return False
    if _is_extend(after) or before == "\u200d":
        return False
    if _is_regional(before) and _is_regional(after):
        # Flags are pairs of regional indicators: cut only after an even count.
        k, run = j - 1, 0
        while k >= 0 and _is_regional(chars[k]):
            run += 1
            k -= 1
        return run % 2 == 0
    return True


def _cut_classes(chars: list[str]) -> list[int]:
    """classes[j] rates a cut between chars[j-1] and chars[j] (0 = no natural break)."""
    n = len(chars)
    classes = [0] * (n + 1)
    j = 0
    while j < n:
        if not chars[j].isspace():
            j += 1
            continue
        end, newlines = j, 0
        while end < n and chars[end].isspace():
            newlines += chars[end] == "\n"
            end += 1
        # The whole whitespace run is dropped, so the cut is placed at its start.
        if j > 0:
            classes[j] = _PARA if newlines >= 2 else _NEWLINE if newlines else _SPACE
        j = end
    for j in range(1, n):
        after = chars[j]
        # Never split "?!", "..." or a closing quote from its stop.
        if after in _CLOSERS or after in _STOPS:
            continue
        k = j - 1
        while k >= 0 and chars[k] in _CLOSERS:
            k -= 1
        if k < 0:
            continue
        stop = chars[k]
        if stop in _CJK_STOPS or (stop in _ASCII_STOPS and after.isspace()):
            classes[j] = max(classes[j], _SENTENCE)
    for j in range(1, n):
        if classes[j] and not _is_boundary(chars, j):
            classes[j] = 0
    return classes


def _choose_cut(
    classes: list[int], chars: list[str], cum: list[int], start: int, first: int, end: int, limit: int
) -> int:
    """Pick the visible index to cut at within (first, end]."""
    latest: dict[int, int] = {}
    for j in range(end, first, -1):
        cls = classes[j]
        if cls and cls not in latest:
            latest[cls] = j
            if len(latest) == len(_CLASS_ORDER):
                break
    base = cum[start]
    # A good break in the second half of the window wins; otherwise accept an earlier
    # one unless it would leave a tiny part, in which case a hard cut is better.
    for min_len in (limit / 2, limit / 10):
        for cls in _CLASS_ORDER:
            j = latest.get(cls)
            if j is not None and cum[j] - base >= min_len:
                return j
    j = end
    while j > first + 1 and not _is_boundary(chars, j):
        j -= 1
    return j if _is_boundary(chars, j) else end


def _render(atoms: list[_Atom], stacks: list[tuple[_Atom, ...]], begin: int, stop: int) -> str:
    reopen = "".join(tag.raw for tag in stacks[begin])
    body = "".join(a.raw for a in atoms[begin:stop])
    close = "".join(f"</{tag.name}>" for tag in reversed(stacks[stop]))
    return reopen + body + close


def _in_pre(stack: tuple[_Atom, ...]) -> bool:
    return any(tag.name == "pre" for tag in stack)


def split_html(html: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Split Telegram HTML into self-contained parts of at most ``limit`` visible UTF-16 units.

    Tags open at a cut are closed at the end of the part and reopened, with the same
    attributes, at the start of the next one. Whitespace at cut points is dropped,
    except indentation inside <pre>. Text that already fits is returned unchanged;
    whitespace-only text over the limit yields no parts.
    """
    if limit < 2:
        raise ValueError("limit must be at least 2 (a non-BMP character takes 2 units)")
    if _fits(html, limit):
        return [html]
    atoms = _tokenize(html)
    vis_atom = [i for i, a in enumerate(atoms) if a.kind == _TEXT]
    chars = [atoms[i].char for i in vis_atom]
    cum = [0]
    for i in vis_atom:
        cum.append(cum[-1] + atoms[i].size)
    n = len(chars)
    if cum[n] <= limit:
        return [html]

    stacks = _open_stacks(atoms)
    classes = _cut_classes(chars)
    parts: list[str] = []
    start, begin = 0, 0  # visible index and atom index where the current part starts
    while True:
        first = start
        while first < n and chars[first].isspace():
            first += 1
        if first == n:
            break
        if cum[first + 1] - cum[start] > limit:
            # Kept indentation would not leave room for any text: drop it after all.
            start, begin = first, vis_atom[first]
        if cum[n] - cum[start] <= limit:
            parts.append(_render(atoms, stacks, begin, len(atoms)))
            break

        end = bisect_right(cum, cum[start] + limit) - 1
        cut = _choose_cut(classes, chars, cum, start, first, end, limit)

        # Drop trailing whitespace; trailing tags are dropped too, the closing
        # sequence and the next part's reopening stand for them.
        stop = vis_atom[cut]
        while stop > begin and (atoms[stop - 1].kind != _TEXT or atoms[stop - 1].char.isspace()):
            stop -= 1
        parts.append(_render(atoms, stacks, begin, stop))

        nxt = cut
        while nxt < n and chars[nxt].isspace():
            if chars[nxt] not in "\r\n" and _in_pre(stacks[vis_atom[nxt]]):
                break  # keep code indentation
            nxt += 1
        if nxt == n:
            break
        start, begin = nxt, vis_atom[nxt]
    return parts


def truncate_html(html: str, limit: int = TELEGRAM_TEXT_LIMIT, ellipsis: str = "…") -> str:
    """``html`` cut to one message of at most ``limit`` visible UTF-16 units, ending in
    ``ellipsis`` when cut (for messages that must stay one message, such as a case card)."""
    if _fits(html, limit):
        return html
    parts = split_html(html, limit - _u16(ellipsis))
    return (parts[0] if parts else "") + ellipsis
