"""The demo page's own texts: every one the page uses is in all three catalogs, translated, and
written for its locale (Traditional with Taiwan wording, not Simplified with its characters swapped)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import opencc
import pytest

STATIC = Path(__file__).resolve().parents[2] / "demo" / "static"
LOCALES = ("zh_Hans", "zh_Hant", "en")
CATALOGS = {locale: json.loads((STATIC / "i18n" / f"{locale}.json").read_text(encoding="utf-8")) for locale in LOCALES}
PLACEHOLDER = re.compile(r"\{(\w+)\}")
HAN = re.compile(r"[\u4e00-\u9fff]")
# Mainland words whose Taiwan equivalents differ (message, video, software, data, user, file,
# default, information, quality, support): a character swap would leave them in.
MAINLAND_WORDS = ("消息", "視頻", "視频", "軟件", "數據", "用戶", "文件", "默認", "信息", "質量", "支持", "菜單")
# Words a Traditional catalog may share with Simplified, and the English ones kept as they are.
SAME_IN_EVERY_LOCALE = {"clock.week"}


def used_keys() -> set[str]:
    """Keys named in the page: data-i18n* attributes, t("...") calls, and the tour's steps."""
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    keys = set(re.findall(r'data-i18n(?:-title|-placeholder|-label)?="([^"]+)"', html))
    for script in STATIC.glob("*.js"):
        source = script.read_text(encoding="utf-8")
        keys |= set(re.findall(r'\bt\("([\w.]+)"', source))
        # Keys built from parts: t(`role.${...}`) and the like name a family, checked below.
        keys |= {f"family:{prefix}" for prefix in re.findall(r"\bt\(`([\w.]+)\$\{", source)}
    steps = (STATIC / "tour.js").read_text(encoding="utf-8").count("{ target:")
    keys |= {f"tour.{n}.{part}" for n in range(1, steps + 1) for part in ("title", "body")}
    return keys


FAMILIES = {"role.": ("agent", "supervisor", "director"),
            "media.": ("photo", "document", "voice", "video", "sticker")}


def expected_keys() -> set[str]:
    keys = set()
    for key in used_keys():
        if key.startswith("family:"):
            prefix = key.removeprefix("family:")
            if prefix == "tour.":
                continue  # the tour's steps are counted in used_keys()
            assert prefix in FAMILIES, f"the page builds keys from {prefix!r}; name its members in FAMILIES"
            keys |= {prefix + member for member in FAMILIES[prefix]}
        else:
            keys.add(key)
    return keys


def test_the_page_uses_many_texts_and_a_tour() -> None:
    keys = expected_keys()
    assert {"reset.button", "clock.working_day", "tour.1.title", "role.director"} <= keys
    assert len(keys) > 50


@pytest.mark.parametrize("locale", LOCALES)
def test_every_page_text_is_in_the_catalog(locale: str) -> None:
    catalog = CATALOGS[locale]
    missing = sorted(key for key in expected_keys() if not str(catalog.get(key, "")).strip())
    assert missing == [], f"{locale}.json lacks {missing}"


@pytest.mark.parametrize("locale", LOCALES)
def test_no_catalog_entry_is_unused(locale: str) -> None:
    assert sorted(set(CATALOGS[locale]) - expected_keys()) == []


@pytest.mark.parametrize("locale", ["zh_Hans", "zh_Hant"])
def test_chinese_texts_are_translated_with_the_same_placeholders(locale: str) -> None:
    for key, english in CATALOGS["en"].items():
        text = CATALOGS[locale][key]
        assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(english)), key
        if key not in SAME_IN_EVERY_LOCALE:
            assert text != english and HAN.search(text), f"{locale}: {key!r} is not translated: {text!r}"


def test_each_script_is_its_own() -> None:
    to_traditional, to_simplified = opencc.OpenCC("s2twp"), opencc.OpenCC("tw2s")
    for key, text in CATALOGS["zh_Hans"].items():
        assert to_simplified.convert(text) == text, f"zh_Hans {key!r} has Traditional characters: {text!r}"
    for key, text in CATALOGS["zh_Hant"].items():
        assert to_traditional.convert(text) == text, f"zh_Hant {key!r} has Simplified characters: {text!r}"


def test_traditional_uses_taiwan_wording() -> None:
    found = {key: word for key, text in CATALOGS["zh_Hant"].items() for word in MAINLAND_WORDS if word in text}
    assert found == {}
    # Not a swap: many texts differ from the Simplified ones by more than their characters.
    swapped = opencc.OpenCC("s2tw")
    reworded = [key for key, text in CATALOGS["zh_Hant"].items() if swapped.convert(CATALOGS["zh_Hans"][key]) != text]
    assert len(reworded) > len(CATALOGS["zh_Hant"]) // 3, reworded
