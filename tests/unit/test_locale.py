import pytest

from core.locale import command_scope_language, locale_for


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("zh-hans", "zh_Hans"), ("zh-cn", "zh_Hans"), ("zh-sg", "zh_Hans"), ("zh", "zh_Hans"), ("zh-Hans-CN", "zh_Hans"),
        ("zh-hant", "zh_Hant"), ("zh-tw", "zh_Hant"), ("zh-hk", "zh_Hant"), ("zh-mo", "zh_Hant"), ("zh_TW", "zh_Hant"),
        ("en", "en"), ("en-GB", "en"),
        ("de", "en"), (None, "en"), ("", "en"),
    ],
)
def test_language_code_maps_to_a_catalog(code: str | None, expected: str) -> None:
    assert locale_for(code) == expected


def test_unknown_languages_follow_the_default_locale() -> None:
    assert locale_for("fr", default="zh_Hant") == "zh_Hant"
    assert locale_for("en", default="zh_Hant") == "en"


def test_unsupported_default_is_refused() -> None:
    with pytest.raises(ValueError):
        locale_for("en", default="fr")


def test_telegram_menus_cannot_tell_the_chinese_scripts_apart() -> None:
    assert command_scope_language("zh_Hans") == "zh"
    assert command_scope_language("zh_Hant") is None
    assert command_scope_language("en") == "en"
