"""Which of our catalogs a Telegram language_code reads.

An explicit table rather than Babel negotiation: Telegram sends zh-cn / zh-tw / zh-hk
style codes that generic negotiation maps to the wrong script or to nothing.
"""
from __future__ import annotations

SUPPORTED_LOCALES: tuple[str, ...] = ("zh_Hans", "zh_Hant", "en")

_SIMPLIFIED = ("zh-hans", "zh-cn", "zh-sg", "zh-my")
_TRADITIONAL = ("zh-hant", "zh-tw", "zh-hk", "zh-mo")


def locale_for(language_code: str | None, default: str = "en") -> str:
    """Map a Telegram language_code to one of SUPPORTED_LOCALES."""
    if default not in SUPPORTED_LOCALES:
        raise ValueError(f"unsupported default locale {default!r}")
    if not language_code:
        return default
    code = language_code.strip().lower().replace("_", "-")
    if code.startswith(_TRADITIONAL):
        return "zh_Hant"
    if code == "zh" or code.startswith(_SIMPLIFIED):
        return "zh_Hans"
    if code == "en" or code.startswith("en-"):
        return "en"
    return default


def command_scope_language(locale: str) -> str | None:
    """The two-letter code Telegram's setMyCommands accepts for a locale.

    Telegram cannot tell Simplified from Traditional here ("zh" only), so "zh" carries
    zh_Hans and zh_Hant readers get their commands per chat.
    """
    return {"zh_Hans": "zh", "en": "en"}.get(locale)
