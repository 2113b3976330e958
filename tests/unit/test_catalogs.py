"""The catalogs are complete, consistent and written for each locale."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import opencc
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from core.locale import SUPPORTED_LOCALES

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def extracted_ids() -> set[str]:
    ids: set[str] = set()
    for package in ("core", "bot"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / package, method_map=[("**.py", "python")], keywords={"Phrase": None}
        ):
            ids.add(message if isinstance(message, str) else message[0])
    return ids


def catalog(locale: str) -> dict[str, str]:
    with open(ROOT / "locales" / locale / "LC_MESSAGES" / "messages.po", "rb") as po_file:
        parsed = read_po(po_file, locale=locale)
    for message in parsed:
        assert not message.fuzzy or not message.id, f"{locale}: fuzzy entry {message.id!r}"
    return {message.id: message.string for message in parsed if message.id}


CATALOGS = {locale: catalog(locale) for locale in SUPPORTED_LOCALES}
USED = extracted_ids()


def test_code_uses_message_ids() -> None:
    assert "start.greeting" in USED and len(USED) > 10


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_used_message_is_translated(locale: str) -> None:
    missing = sorted(code for code in USED if not CATALOGS[locale].get(code, "").strip())
    assert missing == [], f"{locale} lacks translations for {missing}"


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_no_catalog_entry_is_unused(locale: str) -> None:
    assert sorted(set(CATALOGS[locale]) - USED) == []


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_translations_are_not_the_message_ids(locale: str) -> None:
    assert [code for code, text in CATALOGS[locale].items() if text == code] == []


@pytest.mark.parametrize("locale", ["zh_Hans", "zh_Hant"])
def test_placeholders_match_english(locale: str) -> None:
    for code, text in CATALOGS["en"].items():
        assert set(PLACEHOLDER.findall(CATALOGS[locale][code])) == set(PLACEHOLDER.findall(text)), code


class _TagBalance(HTMLParser):
    ALLOWED = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "code", "pre", "a", "blockquote", "tg-spoiler"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        assert tag in self.ALLOWED, f"tag <{tag}> is not Telegram HTML"
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag, f"unbalanced </{tag}>"


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_translations_are_valid_telegram_html(locale: str) -> None:
    for code, text in CATALOGS[locale].items():
        assert "&" not in re.sub(r"&(lt|gt|amp|quot);", "", text), f"{code}: bare &"
        parser = _TagBalance()
        parser.feed(text)
        parser.close()
        assert parser.stack == [], f"{code}: unclosed {parser.stack}"


def test_simplified_catalog_is_in_simplified_script() -> None:
    to_simplified = opencc.OpenCC("t2s")
    for code, text in CATALOGS["zh_Hans"].items():
        if code.startswith("language.name."):
            continue  # each language is named in its own script
        assert to_simplified.convert(text) == text, code


# Mainland words that a character swap leaves behind; Taiwan/Hong Kong readers expect
# 訊息/資訊, 影片, 軟體, 網路, 預設, 設定, 螢幕, 簡訊, 信箱, 登入, 檔案, 程式, 伺服器, 品質, 支援.
MAINLAND_WORDS = ("信息", "視頻", "軟件", "網絡", "默認", "設置", "屏幕", "短信", "郵箱", "登錄", "文件", "程序", "服務器", "質量", "支持")


def test_traditional_catalog_is_written_for_traditional_readers() -> None:
    to_traditional = opencc.OpenCC("s2tw")
    for code, text in CATALOGS["zh_Hant"].items():
        if code.startswith("language.name."):
            continue
        assert to_traditional.convert(text) == text, f"{code}: not in Traditional script"
        assert [w for w in MAINLAND_WORDS if w in text] == [], f"{code}: mainland wording"


def test_english_catalog_has_no_chinese() -> None:
    for code, text in CATALOGS["en"].items():
        if code.startswith("language.name."):
            continue
        assert not re.search(r"[\u4e00-\u9fff]", text), code
