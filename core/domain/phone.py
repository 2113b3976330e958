"""Phone numbers as customers type them, normalised to E.164 ("+<digits>").

The rules are written for the bot's customers (mainland China, Hong Kong, Macau, Taiwan)
and stay deliberately narrow: a number we cannot place is refused, so the customer is
asked again instead of staff calling a wrong number.

Without a country code:
- 11 digits 1[3-9]... is a mainland mobile.
- A leading 0 is a trunk prefix; the length tells the two places apart, since mainland
  landlines with area code have 11-12 digits and Taiwan numbers 9-10:
  0XX-XXXXXXXX / 0XXX-XXXXXXX(X) -> +86, 09XXXXXXXX and 0X-XXXXXXX(X) -> +886.
- A bare 8-digit number is taken as a Hong Kong mobile only when it is unambiguous:
  it starts with 5, 6 or 9 (the long-standing mobile blocks) and is written as those
  8 digits alone, contiguous or grouped 4+4 ("9123 4567", "9123-4567"). Other 8-digit
  numbers (HK landlines 2/3, the newer 4/7/8 blocks) are refused without +852 because
  mainland and Macau local numbers look the same; Macau mobiles (6...) must be typed
  with +853 or they are read as Hong Kong.
- 86 followed by a mobile, and 852 / 853 / 886 followed by a number valid there, are
  accepted without "+", as Telegram's shared contacts come ("8613800138000").
With "+" or "00": the four regions above are checked by their own rules; any other
country takes 8-15 digits in all (E.164's maximum), plus a check of +1 (NANP) numbers.
"""
from __future__ import annotations

import re

# Chinese keyboards produce full-width digits and signs; iOS wraps copied numbers in
# direction marks. Map the former to ASCII and drop the latter.
_FULLWIDTH = {0xFF10 + i: str(i) for i in range(10)}
_TRANSLATION = {
    **_FULLWIDTH,
    0xFF0B: "+", 0xFE62: "+",  # full-width and small plus
    0xFF08: "(", 0xFF09: ")",
    0xFF0D: "-", 0xFE63: "-", 0x2010: "-", 0x2011: "-", 0x2012: "-", 0x2013: "-",
    0x2014: "-", 0x2015: "-", 0x2212: "-",
    0xFF0E: ".",
    0x3000: " ", 0x00A0: " ", 0x2007: " ", 0x202F: " ",
    **{cp: None for cp in (0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0xFEFF)},
    **{cp: None for cp in range(0x202A, 0x202F)},
    **{cp: None for cp in range(0x2060, 0x206A)},
}
_TRANSLATE = str.maketrans(_TRANSLATION)

_SEPARATORS = re.compile(r"[\s\-.()]")
_MAX_INPUT = 64

_CN_MOBILE = re.compile(r"1[3-9]\d{9}")
# Beijing 10 and 2X: 8-digit subscriber numbers; 3-digit codes: 7 or 8 digits.
# Subscriber numbers never start with 0 or 1.
_CN_LANDLINE = re.compile(r"(?:10|2\d)[2-9]\d{7}|[3-9]\d{2}[2-9]\d{6,7}")
_TW_MOBILE = re.compile(r"9\d{8}")
_TW_LANDLINE = re.compile(r"[2-8][2-9]\d{6,7}")
# With +852 every block but 0/1 is in use (4, 7 and 8 were opened to mobiles in 2018).
_HK_ANY = re.compile(r"[2-9]\d{7}")
_HK_BARE = re.compile(r"[569]\d{3}[ -]?\d{4}")
_MO = re.compile(r"[268]\d{7}")
_NANP = re.compile(r"[2-9]\d{2}[2-9]\d{6}")

# E.164 country codes are prefix-free: these are the 1- and 2-digit ones, all others
# have 3 digits.
_CC_1 = frozenset({"1", "7"})
_CC_2 = frozenset({
    "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45",
    "46", "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61",
    "62", "63", "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94",
    "95", "98",
})
# Spare zones and non-personal services; also what Taiwan's own IDD "002" turns
# into when read as "00" + "2...".
_NOT_A_SUBSCRIBER = ("0", "28", "80", "83", "89")


def parse_phone(text: str) -> str | None:
    """The E.164 form of a typed phone number, or None if it is not one we accept."""
    if not isinstance(text, str) or len(text) > _MAX_INPUT:
        return None
    cleaned = text.translate(_TRANSLATE).strip()
    if not cleaned or not _parentheses_balanced(cleaned):
        return None
    compact = _SEPARATORS.sub("", cleaned)
    if compact.startswith("+"):
        digits, international = compact[1:], True
    elif compact.startswith("00"):
        digits, international = compact[2:], True
    else:
        digits, international = compact, False
    # ASCII digits only: str.isdigit would let other scripts' digits through.
    if not re.fullmatch(r"[0-9]+", digits):
        return None
    if international:
        return _international(digits)
    return _national(digits, cleaned)


def _parentheses_balanced(text: str) -> bool:
    depth = 0
    for char in text:
        if char == "(":
            depth += 1
            if depth > 1:
                return False
        elif char == ")":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def _international(digits: str) -> str | None:
    if digits.startswith("86"):
        return _china(digits[2:], trunk_optional=True)
    if digits.startswith("852"):
        return "+852" + digits[3:] if _HK_ANY.fullmatch(digits[3:]) else None
    if digits.startswith("853"):
        return "+853" + digits[3:] if _MO.fullmatch(digits[3:]) else None
    if digits.startswith("886"):
        return _taiwan(digits[3:], trunk_optional=True)
    if digits.startswith("1"):
        return "+" + digits if _NANP.fullmatch(digits[1:]) else None
    if digits.startswith(_NOT_A_SUBSCRIBER):
        return None
    return "+" + digits if 8 <= len(digits) <= 15 else None


def _china(national: str, trunk_optional: bool) -> str | None:
    # "+86 (0)755 ..." and "+86 0755 ..." keep the trunk 0 by habit; it is not dialled.
    if trunk_optional and national.startswith("0"):
        national = national[1:]
    if _CN_MOBILE.fullmatch(national) or _CN_LANDLINE.fullmatch(national):
        return "+86" + national
    return None


def _taiwan(national: str, trunk_optional: bool) -> str | None:
    if trunk_optional and national.startswith("0"):
        national = national[1:]
    if _TW_MOBILE.fullmatch(national) or _TW_LANDLINE.fullmatch(national):
        return "+886" + national
    return None


def _national(digits: str, cleaned: str) -> str | None:
    if _CN_MOBILE.fullmatch(digits):
        return "+86" + digits
    if digits.startswith("0"):
        if len(digits) in (11, 12):
            return _china(digits[1:], trunk_optional=False)
        if len(digits) in (9, 10):
            return _taiwan(digits[1:], trunk_optional=False)
        return None
    if len(digits) == 8:
        return "+852" + digits if _HK_BARE.fullmatch(cleaned) else None
    # Country code without "+", as in Telegram's shared contacts.
    if digits.startswith("86") and _CN_MOBILE.fullmatch(digits[2:]):
        return "+" + digits
    if digits.startswith(("852", "853", "886")):
        return _international(digits)
    return None


def _country_code(digits: str) -> str:
    if digits[:1] in _CC_1:
        return digits[:1]
    if digits[:2] in _CC_2:
        return digits[:2]
    return digits[:3]


def mask_phone(e164: str) -> str:
    """Country code and last 4 digits shown, e.g. "+86 138••••8000".

    Long national numbers also keep up to 3 leading digits (the mobile block or area
    code, as Chinese services show them) as long as at least 4 digits stay hidden.
    Anything that is not E.164 (a raw number kept as given) is masked whole but for its
    last digits rather than refused: masking runs while rendering, where an exception
    would cost the customer the message.
    """
    if re.fullmatch(r"\+[1-9][0-9]{6,14}", e164):
        digits = e164[1:]
        code = _country_code(digits)
        return f"+{code} {_mask_digits(digits[len(code):], lead_allowed=True)}"
    digits = "".join(c for c in e164.translate(_TRANSLATE) if "0" <= c <= "9")
    return _mask_digits(digits, lead_allowed=False)


def _mask_digits(digits: str, lead_allowed: bool) -> str:
    # At least 4 digits stay hidden, however short the number.
    lead = max(0, min(3, len(digits) - 8)) if lead_allowed else 0
    tail = max(0, min(4, len(digits) - 4))
    hidden = max(len(digits) - lead - tail, 4)
    return f"{digits[:lead]}{'•' * hidden}{digits[len(digits) - tail:] if tail else ''}"
