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
        converter = _converter("s2twp" if traditional_standard == "tw" else "s2hk")
    elif reader_locale == "zh_Hans":
        converter = _converter("t2s")
    else:
        return text
    # OpenCC stops at a NUL (its C strings end there): convert around it, keep the rest.
    return "\0".join(converter.convert(piece) for piece in text.split("\0"))
