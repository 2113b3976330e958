"""Callback data: every family round-trips, prefixes are unique, data fits Telegram's 64
bytes, and the strings of buttons already sent still decode to the same thing."""
from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest

from core.services.callbacks import (
    FAMILIES, MAX_BYTES, CallbackData, CustomerButton, IntakeButton, LanguageButton, PrivacyButton, RelayChoice, StaffButton,
)

BIGGEST_ID = 2**63 - 1  # a BigInteger; case and draft ids are smaller
LONGEST_KEY = "k" * 31  # deployment keys: a-z, 0-9 and _, at most 31 characters
FINGERPRINT = "0123456789"

EXAMPLES: list[CallbackData] = [
    StaffButton(7, "claim"),
    StaffButton(7, "severity", "urgent"),
    StaffButton(7, "approve", FINGERPRINT),
    CustomerButton(12, "accept"),
    CustomerButton(12, "rate", "0.5"),
    CustomerButton(12, "asp", "1.quality.3"),
    CustomerButton(12, "note", "with:colons:inside"),
    IntakeButton(3, "cat", "delivery"),
    IntakeButton(3, "edit", "ref.order_number"),
    IntakeButton(0, "new"),
    PrivacyButton("forget"),
    RelayChoice(5, 9),
    RelayChoice(5, 9, media=True),
    LanguageButton("zh_Hant"),
    LanguageButton("menu"),
]

# The longest data each family writes for the deployment's longest keys and the biggest ids.
WORST_CASES: list[CallbackData] = [
    StaffButton(BIGGEST_ID, "setcat", LONGEST_KEY),
    StaffButton(BIGGEST_ID, "approve", FINGERPRINT),
    CustomerButton(BIGGEST_ID, "asp", f"{BIGGEST_ID}.attitude.5"),
    CustomerButton(BIGGEST_ID, "withdraw_yes"),
    IntakeButton(BIGGEST_ID, "edit", "ref." + LONGEST_KEY),
    PrivacyButton("forget"),
    RelayChoice(BIGGEST_ID, BIGGEST_ID, media=True),
    LanguageButton("zh_Hans"),
]

# Data as the previous version wrote it, in users' chats now: it must keep its meaning.
SENT_BEFORE: list[tuple[str, CallbackData]] = [
    ("s:3:claim", StaffButton(3, "claim")),
    ("s:3:severity:major", StaffButton(3, "severity", "major")),
    ("s:3:setcat:billing", StaffButton(3, "setcat", "billing")),
    ("s:3:party:third_party", StaffButton(3, "party", "third_party")),
    ("s:3:approve:a1b2c3d4e5", StaffButton(3, "approve", "a1b2c3d4e5")),
    ("s:3:sendback", StaffButton(3, "sendback")),
    ("c:8:accept", CustomerButton(8, "accept")),
    ("c:8:fu_no", CustomerButton(8, "fu_no")),
    ("c:8:withdraw_yes", CustomerButton(8, "withdraw_yes")),
    ("c:8:rate:0.4", CustomerButton(8, "rate", "0.4")),
    ("c:8:asp:2.price.1", CustomerButton(8, "asp", "2.price.1")),
    ("i:1:res:refund", IntakeButton(1, "res", "refund")),
    ("i:14:edit:ref.order_number", IntakeButton(14, "edit", "ref.order_number")),
    ("i:0:new", IntakeButton(0, "new")),
    ("p:0:forget", PrivacyButton("forget")),
    ("r:21:8", RelayChoice(21, 8)),
    ("r:21:8:m", RelayChoice(21, 8, media=True)),
    ("lang:menu", LanguageButton("menu")),
    ("lang:zh_Hans", LanguageButton("zh_Hans")),
]


def test_the_examples_cover_every_family() -> None:
    for table in (EXAMPLES, WORST_CASES, [button for _, button in SENT_BEFORE]):
        assert {type(button) for button in table} == set(FAMILIES.values())


@pytest.mark.parametrize("button", EXAMPLES, ids=repr)
def test_every_family_round_trips(button: CallbackData) -> None:
    data = button.encode()
    assert type(button).matches(data)
    assert type(button).decode(data) == button


@pytest.mark.parametrize("button", EXAMPLES, ids=repr)
def test_a_family_reads_only_its_own_data(button: CallbackData) -> None:
    data = button.encode()
    for family in FAMILIES.values():
        if family is not type(button):
            assert not family.matches(data)
            assert family.decode(data) is None


def test_prefixes_are_unique_words() -> None:
    assert {family.prefix: family for family in FAMILIES.values()} == FAMILIES
    assert all(prefix and ":" not in prefix for prefix in FAMILIES)


def test_a_second_family_with_a_taken_prefix_is_refused() -> None:
    before = dict(FAMILIES)
    with pytest.raises(ValueError, match="prefix 's'"):
        class Impostor(CallbackData, prefix="s"):
            pass
    with pytest.raises(ValueError):
        class Colon(CallbackData, prefix="x:y"):
            pass
    assert FAMILIES == before


@pytest.mark.parametrize("button", WORST_CASES, ids=repr)
def test_the_longest_data_fits_telegrams_limit(button: CallbackData) -> None:
    assert len(button.encode().encode()) <= MAX_BYTES


def test_data_over_the_limit_is_refused_when_encoded() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        StaffButton(1, "setcat", "é" * 30).encode()


@pytest.mark.parametrize(("data", "button"), SENT_BEFORE, ids=[data for data, _ in SENT_BEFORE])
def test_data_already_sent_still_decodes_and_is_written_the_same(data: str, button: CallbackData) -> None:
    family = type(button)
    assert family.matches(data)
    assert family.decode(data) == button
    assert button.encode() == data


@pytest.mark.parametrize(
    ("family", "data"),
    [
        (StaffButton, "s:x:claim"),
        (StaffButton, "s:3"),
        (StaffButton, "s:"),
        (StaffButton, "s:²:claim"),  # isdigit() but not a number int() reads
        (CustomerButton, "c:-1:accept"),
        (IntakeButton, "i::new"),
        (PrivacyButton, "p:forget"),
        (RelayChoice, "r:1"),
        (RelayChoice, "r:1:x"),
        (RelayChoice, "r:1:2:m:m"),
    ],
)
def test_malformed_data_of_a_family_decodes_to_nothing(family: type[CallbackData], data: str) -> None:
    assert family.matches(data)  # still routed to the family's handler, which calls it stale
    assert family.decode(data) is None


def test_nothing_and_foreign_data_match_no_family() -> None:
    for family in FAMILIES.values():
        assert not family.matches(None)
        assert family.decode(None) is None
        assert not family.matches("")
        assert not family.matches("lang")  # a prefix without its separator


def test_an_unrecognised_relay_marker_is_a_text_message_as_before() -> None:
    assert RelayChoice.decode("r:1:2:x") == RelayChoice(1, 2, media=False)


def test_families_are_frozen() -> None:
    button = StaffButton(1, "claim")
    with pytest.raises(FrozenInstanceError):
        button.action = "reveal"  # type: ignore[misc]
