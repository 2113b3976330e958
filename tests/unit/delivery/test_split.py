import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.delivery.split import TELEGRAM_TEXT_LIMIT, split_html, visible_length


class _Reader(HTMLParser):
    """Independent reading of Telegram HTML: visible characters with the tags around them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, tuple]] = []
        self.chars: list[tuple[str, tuple]] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.stack.append((tag, tuple(attrs)))

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1][0] != tag:
            self.errors.append(f"unexpected </{tag}> with {self.stack}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        context = tuple(self.stack)
        self.chars.extend((ch, context) for ch in data)


def read(html: str) -> _Reader:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader


def text_of(html: str) -> str:
    return "".join(ch for ch, _ in read(html).chars)


def u16(text: str) -> int:
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)


def check_parts(html: str, parts: list[str], limit: int) -> None:
    """Invariants every split must satisfy."""
    assert parts, "no parts"
    original = read(html)
    for part in parts:
        reader = read(part)
        assert not reader.errors and not reader.stack, f"unbalanced part {part!r}"
        text = "".join(ch for ch, _ in reader.chars)
        assert u16(text) <= limit, f"part too long: {u16(text)} > {limit}"
        assert visible_length(part) == u16(text)
        assert text.strip(), f"empty part {part!r}"
    # Every non-whitespace character survives, in order, with the same formatting around it.
    kept = [c for part in parts for c in read(part).chars if not c[0].isspace()]
    assert kept == [c for c in original.chars if not c[0].isspace()]


# --- basics -----------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        "",
        "hello",
        "<b>bold</b> and <i>italic</i> &amp; &lt;tags&gt;",
        "  leading and trailing whitespace kept  \n",
        "x" * TELEGRAM_TEXT_LIMIT,
        "<b>" + "y" * TELEGRAM_TEXT_LIMIT + "</b>",
    ],
)
def test_text_within_limit_is_unchanged(html):
    assert split_html(html) == [html]


def test_limit_counts_visible_text_only():
    html = '<a href="https://example.com/a/very/long/path">' + "z" * 10 + "</a>"
    assert split_html(html, limit=10) == [html]


def test_limit_must_fit_a_surrogate_pair():
    with pytest.raises(ValueError):
        split_html("abc", limit=1)


def test_visible_length():
    assert visible_length("") == 0
    assert visible_length("<b>ab</b><i>c</i>") == 3
    assert visible_length("&lt;&gt;&amp;&quot;&#39;&#x41;") == 6
    assert visible_length("😀") == 2
    assert visible_length("&#128512;&#x1F600;") == 4
    assert visible_length("中文") == 2
    assert visible_length('<a href="x?a=1&amp;b=2>3">link</a>') == 4


# --- where to cut -----------------------------------------------------------


def test_long_chinese_text_splits_at_sentence_ends():
    sentences = []
    i = 0
    while sum(map(len, sentences)) < 6000:
        i += 1
        sentences.append(f"这是第{i}句话，用来测试长消息的分割是否发生在句子结尾" + "！？。"[i % 3])
    html = "".join(sentences)
    assert len(html) >= 6000 and "\n" not in html and " " not in html
    parts = split_html(html)
    check_parts(html, parts, TELEGRAM_TEXT_LIMIT)
    assert len(parts) == 2
    assert "".join(parts) == html
    assert parts[0][-1] in "。！？"
    assert len(parts[0]) > TELEGRAM_TEXT_LIMIT - 40  # the last sentence end, not an early one


def test_chinese_stop_followed_by_closing_quote():
    html = "他说：“今天不行。”明天再来吧。" * 3
    parts = split_html(html, limit=20)
    check_parts(html, parts, 20)
    assert all(p.endswith("。”") or p.endswith("吧。") for p in parts)


def test_paragraphs_split_at_paragraph_breaks():
    paragraphs = [
        f"Paragraph {i}. " + " ".join(["word"] * (40 + 37 * (i % 5))) + ".\nA second line of it."
        for i in range(40)
    ]
    html = "\n\n".join(paragraphs)
    parts = split_html(html, limit=1000)
    check_parts(html, parts, 1000)
    assert len(parts) > 3
    remaining = list(paragraphs)
    for part in parts:
        chunk = part.split("\n\n")
        assert chunk == remaining[: len(chunk)], "a part is not a run of whole paragraphs"
        remaining = remaining[len(chunk) :]
    assert not remaining


def test_newline_preferred_over_sentence_end():
    lines = [f"Line {i}: first sentence. Second sentence here." for i in range(30)]
    html = "\n".join(lines)
    parts = split_html(html, limit=200)
    check_parts(html, parts, 200)
    for part in parts:
        assert part.startswith("Line ") and part.endswith("here.")


def test_sentence_end_preferred_over_plain_space():
    html = " ".join(f"Sentence number {i} has several words in it." for i in range(50))
    parts = split_html(html, limit=300)
    check_parts(html, parts, 300)
    assert all(p.endswith(".") and p.startswith("Sentence") for p in parts)


def test_ascii_stops_need_following_space():
    html = "version 3.14.159 and e.g.nothing " * 20
    parts = split_html(html, limit=60)
    check_parts(html, parts, 60)
    assert not any(re.search(r"\d\.$|\.\d", p[-2:]) for p in parts[:-1])
    assert all(p.endswith(("and", "e.g.nothing", "version", "3.14.159")) for p in parts[:-1])


def test_early_paragraph_break_does_not_make_a_tiny_part():
    html = "Title\n\n" + " ".join(f"Sentence {i} goes on for a while." for i in range(40))
    parts = split_html(html, limit=400)
    check_parts(html, parts, 400)
    assert visible_length(parts[0]) > 200
    assert parts[0].startswith("Title\n\n")


def test_single_long_word_is_hard_cut():
    html = "a" * 10_000
    parts = split_html(html)
    assert [len(p) for p in parts] == [4096, 4096, 1808]
    assert "".join(parts) == html


def test_short_word_before_a_huge_one_is_not_left_alone():
    html = "see " + "x" * 10_000
    parts = split_html(html)
    check_parts(html, parts, TELEGRAM_TEXT_LIMIT)
    assert len(parts) == 3
    assert parts[0].startswith("see x")


def test_whitespace_at_cuts_is_dropped():
    html = "alpha   beta\n\n\n   gamma  \n delta"
    parts = split_html(html, limit=12)
    check_parts(html, parts, 12)
    assert parts == ["alpha   beta", "gamma", "delta"]


def test_whitespace_only_text_over_the_limit_gives_no_parts():
    assert split_html(" \n" * 20, limit=10) == []


# --- tags -------------------------------------------------------------------


def test_bold_span_crossing_a_cut_is_closed_and_reopened():
    body = " ".join(f"word{i}" for i in range(1200))
    html = "Intro <b>" + body + "</b> outro"
    parts = split_html(html)
    check_parts(html, parts, TELEGRAM_TEXT_LIMIT)
    assert len(parts) == 3
    assert parts[0].startswith("Intro <b>word0") and parts[0].endswith("</b>")
    assert parts[1].startswith("<b>") and parts[1].endswith("</b>")
    assert parts[2].startswith("<b>") and parts[2].endswith("</b> outro")


def test_nested_tags_with_attributes_are_reopened():
    href = "https://example.com/complaints?id=7&amp;lang=zh"
    inner = " ".join(["long text"] * 40)
    html = f'<i>Before <a href="{href}"><b>{inner}</b></a> after</i>'
    parts = split_html(html, limit=100)
    check_parts(html, parts, 100)
    assert len(parts) >= 4
    opening = f'<i><a href="{href}"><b>'
    for part in parts[1:-1]:
        assert part.startswith(opening) and part.endswith("</b></a></i>")


def test_spoilers_blockquotes_and_code_are_reopened():
    html = (
        '<blockquote expandable>Quote <span class="tg-spoiler">'
        + "secret " * 30
        + '</span><tg-spoiler>hidden</tg-spoiler></blockquote><pre><code class="language-python">'
        + "x = 1\n" * 30
        + "</code></pre>"
    )
    parts = split_html(html, limit=70)
    check_parts(html, parts, 70)
    assert parts[1].startswith('<blockquote expandable><span class="tg-spoiler">secret')
    assert parts[-1].startswith('<pre><code class="language-python">x = 1')


def test_code_indentation_survives_a_cut():
    lines = [f"{'    ' * (i % 3)}statement_{i}()" for i in range(40)]
    html = "<pre>" + "\n".join(lines) + "</pre>"
    parts = split_html(html, limit=120)
    check_parts(html, parts, 120)
    got = [line for part in parts for line in text_of(part).split("\n")]
    assert got == lines


def test_attribute_with_angle_bracket_is_one_tag():
    html = '<a href="https://x.test/?q=a>b">' + "click here " * 10 + "</a>"
    parts = split_html(html, limit=30)
    check_parts(html, parts, 30)
    assert all(p.startswith('<a href="https://x.test/?q=a>b">') for p in parts)


# --- entities and code units --------------------------------------------------


def test_entities_are_not_split_and_count_as_one():
    html = "&amp;" * 5000
    parts = split_html(html)
    assert [visible_length(p) for p in parts] == [4096, 904]
    assert all(re.fullmatch(r"(&amp;)+", p) for p in parts)


def test_mixed_entities_are_never_split():
    html = "a&lt;b&gt;c&quot;d&#39;e&#x1F600;f" * 100
    parts = split_html(html, limit=37)
    check_parts(html, parts, 37)
    entity = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|lt|gt|amp|quot);")
    for part in parts:
        assert "&" not in entity.sub("", part)


def test_emoji_count_two_and_are_not_split():
    html = "😀" * 3000
    parts = split_html(html)
    assert [len(p) for p in parts] == [2048, 952]
    assert [visible_length(p) for p in parts] == [4096, 1904]


def test_odd_limit_never_halves_an_emoji():
    html = "😀" * 50
    parts = split_html(html, limit=7)
    check_parts(html, parts, 7)
    assert all(len(p) == 3 for p in parts[:-1])


def test_combining_marks_stay_with_their_base():
    html = "e\u0301" * 100  # "é" as base + combining acute
    parts = split_html(html, limit=9)
    check_parts(html, parts, 9)
    assert all(not p.startswith("\u0301") for p in parts)


def test_emoji_sequences_stay_whole():
    family = "👨\u200d👩\u200d👧"  # 8 UTF-16 units
    flag = "🇨🇳"  # two regional indicators
    html = (family + flag) * 10
    parts = split_html(html, limit=20)
    check_parts(html, parts, 20)
    assert all(p.replace(family, "").replace(flag, "") == "" for p in parts)


# --- properties ---------------------------------------------------------------

_PIECES = [
    "a", "b", "Z", "word", " ", "  ", "\n", "\n\n", "\t", "\u3000",
    "。", "！", "？", "；", ".", "!", "?", ";", ",", "，", "”", "」", ")",
    "中", "文", "字", "😀", "é", "e\u0301", "👍🏽",
    "&lt;", "&gt;", "&amp;", "&quot;", "&#39;", "&#x1F600;", "&#10;",
]  # fmt: skip
_TAGS = [
    ("b", ""), ("strong", ""), ("i", ""), ("em", ""), ("u", ""), ("ins", ""), ("s", ""),
    ("strike", ""), ("del", ""), ("code", ""), ("pre", ""),
    ("a", ' href="https://e.test/p?a=1&amp;b=2"'), ("a", " href='tg://user?id=5'"),
    ("span", ' class="tg-spoiler"'), ("tg-spoiler", ""), ("blockquote", ""), ("blockquote", " expandable"),
]  # fmt: skip

_text = st.lists(st.sampled_from(_PIECES), min_size=1, max_size=25).map("".join)


def _extend(children):
    element = st.tuples(st.sampled_from(_TAGS), st.lists(children, min_size=0, max_size=4)).map(
        lambda t: f"<{t[0][0]}{t[0][1]}>{''.join(t[1])}</{t[0][0]}>"
    )
    return st.one_of(element, st.lists(children, min_size=2, max_size=5).map("".join))


_html = st.recursive(_text, _extend, max_leaves=40)


@settings(max_examples=400, deadline=None)
@given(html=_html, limit=st.integers(2, 120))
def test_random_html_always_splits_cleanly(html, limit):
    original = read(html)
    assert not original.errors and not original.stack
    assert visible_length(html) == u16(text_of(html))

    parts = split_html(html, limit)
    if visible_length(html) <= limit:
        assert parts == [html]
        return
    if not text_of(html).strip():
        assert parts == []
        return
    check_parts(html, parts, limit)
    for i, part in enumerate(parts):
        chars = read(part).chars
        if i < len(parts) - 1:
            assert not chars[-1][0].isspace(), "trailing whitespace at a cut"
        if i > 0:
            first, context = chars[0]
            in_pre = any(tag == "pre" for tag, _ in context)
            assert not first.isspace() or (in_pre and first not in "\r\n"), "leading whitespace at a cut"


@settings(max_examples=100, deadline=None)
@given(words=st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=60), limit=st.integers(2, 50))
def test_arbitrary_unicode_text(words, limit):
    # Plain text escaped as the bot would do it, with arbitrary code points.
    from html import escape

    html = escape(" ".join(words), quote=False)
    parts = split_html(html, limit)
    if visible_length(html) <= limit:
        assert parts == [html]
    elif text_of(html).strip():
        check_parts(html, parts, limit)
