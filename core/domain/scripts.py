"""Simplified / Traditional conversion of free text between customers and staff (OpenCC)."""
from __future__ import annotations

from functools import lru_cache

import opencc


@lru_cache(maxsize=None)
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def for_reader(text: str, reader_locale: str, traditional_standard: str = "tw") -> str:
    """Text as a reader of `reader_locale` should see it; English readers get it unchanged."""
    if reader_locale == "zh_Hant":
        return _converter("s2twp" if traditional_standard == "tw" else "s2hk").convert(text)
    if reader_locale == "zh_Hans":
        return _converter("t2s").convert(text)
    return text
