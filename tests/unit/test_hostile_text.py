"""Helpers that keep hostile text intact: one-message cards, conversion around a NUL."""
from bot.delivery.split import TELEGRAM_TEXT_LIMIT, truncate_html, visible_length
from core.domain.scripts import for_reader
from fake_telegram.html_check import parse_html


def test_a_text_that_fits_is_unchanged() -> None:
    text = "📋 <b>KS-1</b>\n" + "&lt;b&gt; " * 100
    assert truncate_html(text) == text


def test_a_long_text_becomes_one_valid_message_ending_in_an_ellipsis() -> None:
    text = "📋 <b>KS-1</b>\n<b>" + "&amp;lt; 👍🏽 e\u0301 " * 1000 + "</b>\nlast line"
    cut = truncate_html(text)
    assert visible_length(cut) <= TELEGRAM_TEXT_LIMIT and cut.endswith("…")
    plain, _ = parse_html(cut)  # tags still balanced, entities whole
    assert plain.startswith("📋 KS-1\n&lt; 👍🏽")


def test_conversion_keeps_the_text_after_a_nul() -> None:
    assert for_reader("后来\x00后来", "zh_Hant") == "後來\x00後來"
    assert for_reader("後來\x00後來", "zh_Hans") == "后来\x00后来"
