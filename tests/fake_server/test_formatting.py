"""Entity parsing gives Telegram's visible text and UTF-16 based entities."""
from __future__ import annotations

from fake_telegram.formatting import parse_formatted
from fake_telegram.html_check import parse_html
from fake_telegram.markdown_check import parse_markdown_v2
from fake_telegram.text import detect_entities, utf16_len


def test_utf16_offsets_after_astral_characters() -> None:
    text, entities = parse_html("😀 <b>中文</b> <i>x</i>")
    assert text == "😀 中文 x"
    assert entities == [{"type": "bold", "offset": 3, "length": 2}, {"type": "italic", "offset": 6, "length": 1}]
    assert utf16_len("😀") == 2


def test_html_tags_and_arguments() -> None:
    text, entities = parse_html(
        '<strong>s</strong><em>e</em><ins>u</ins><del>d</del><a href="https://a.b/?x=1&amp;y=2">l</a>'
        '<pre><code class="language-python">p</code></pre><code>c</code><blockquote expandable>q</blockquote>'
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji><A HREF=\'https://c.d\'>U</A>'
    )
    assert text == "seudlpcq👍U"
    assert entities == [
        {"type": "bold", "offset": 0, "length": 1},
        {"type": "italic", "offset": 1, "length": 1},
        {"type": "underline", "offset": 2, "length": 1},
        {"type": "strikethrough", "offset": 3, "length": 1},
        {"type": "text_link", "offset": 4, "length": 1, "url": "https://a.b/?x=1&y=2"},
        {"type": "pre", "offset": 5, "length": 1, "language": "python"},
        {"type": "code", "offset": 6, "length": 1},
        {"type": "expandable_blockquote", "offset": 7, "length": 1},
        {"type": "custom_emoji", "offset": 8, "length": 2, "custom_emoji_id": "5368324170671202286"},
        {"type": "text_link", "offset": 10, "length": 1, "url": "https://c.d"},
    ]


def test_nested_entities_are_sorted_like_telegram() -> None:
    _, entities = parse_html("<b>bold <i>both</i></b>")
    assert entities == [{"type": "bold", "offset": 0, "length": 9}, {"type": "italic", "offset": 5, "length": 4}]


def test_surrounding_whitespace_is_trimmed_and_entities_clipped() -> None:
    text, entities = parse_formatted("<b>  padded </b>\n", "HTML", None)
    assert text == "padded" and entities == [{"type": "bold", "offset": 0, "length": 6}]


def test_markdown_v2() -> None:
    text, entities = parse_markdown_v2(
        "*b* _i_ __u__ ~s~ ||sp|| [l](https://x.y/\\)) `c` ```py\nx\n``` \\*not\\*")
    assert text == "b i u s sp l c x\n *not*"
    assert [(e["type"], e["offset"], e["length"]) for e in entities] == [
        ("bold", 0, 1), ("italic", 2, 1), ("underline", 4, 1), ("strikethrough", 6, 1), ("spoiler", 8, 2),
        ("text_link", 11, 1), ("code", 13, 1), ("pre", 15, 2)]
    assert entities[5]["url"] == "https://x.y/)" and entities[7]["language"] == "py"


def test_user_text_auto_entities() -> None:
    entities = detect_entities("/help@kesu_bot see https://t.me/x, @support_team #late")
    assert [e["type"] for e in entities] == ["bot_command", "url", "mention", "hashtag"]
    assert entities[0] == {"type": "bot_command", "offset": 0, "length": 14}
