"""Repeat complaints (docs/process.md §4, 001 call-centre art. 10(9)): whether a new
complaint is likely the same matter as one of the customer's earlier cases, and the
[repeats] table that says how far back to look.

Statements are compared without a word segmenter: both are folded to Simplified Chinese
(OpenCC), half-width and lower case; the words every complaint uses (requests such as
"please repair it as soon as possible", pronouns, times, particles) are cut out; what is
left becomes features: every pair of adjacent Han characters (a lone character stands for
itself) and every other Latin word or number, without a plural s. Likeness is the cosine
of the two feature sets, |A ∩ B| / sqrt(|A| |B|): 1 for the same words, and fair when one
statement is much shorter than the other, as a customer's second message often is.

Thresholds, set on the pairs of tests/unit/test_repeats.py (zh_Hans, zh_Hant, English and
across scripts): the same matter reworded scores 0.45–0.86, different matters of one
customer 0.00–0.21, even with the same request words. STATEMENT_LIKENESS (0.40) is a repeat
on its own; within the same category CATEGORY_LIKENESS (0.30) is enough. A category alone
is not: one customer may well have two product faults. The same reference (an order
number) is a repeat whatever the words.
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar

from core.domain.config_errors import Count, Table
from core.domain.scripts import for_reader

STATEMENT_LIKENESS = 0.40
CATEGORY_LIKENESS = 0.30
# Categories that say nothing about the matter.
VAGUE_CATEGORIES = frozenset({"unsure", "other"})


@dataclass(frozen=True)
class RepeatsConfig:
    # A closed (or otherwise concluded) case still counts as the same matter this many days
    # after it ended; an open case always counts.
    recent_days: int = 30
    # The same reference from this many other customers within shared_reference_days of
    # each other's filing is flagged to staff as possibly one problem.
    shared_reference_customers: int = 2
    shared_reference_days: int = 30


class RepeatsTable(Table):
    """The [repeats] table of the deployment file; its fields are RepeatsConfig's."""

    recent_days: Count = RepeatsConfig.recent_days
    shared_reference_customers: Count = RepeatsConfig.shared_reference_customers
    shared_reference_days: Count = RepeatsConfig.shared_reference_days


class Reason(str, Enum):
    REFERENCE = "reference"  # the same reference value (e.g. order number)
    STATEMENT = "statement"  # the statements alike
    CATEGORY = "category"  # the same category and statements somewhat alike


@dataclass(frozen=True)
class Complaint:
    """What a repeat is judged on."""

    category: str
    statement: str
    references: Mapping[str, str]


@dataclass(frozen=True)
class Match:
    reason: Reason
    likeness: float
    reference: str | None = None  # the reference field's key, for Reason.REFERENCE


_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(rf"[{_HAN}]+|[a-z0-9]+")
_HAN_RUN = re.compile(rf"[{_HAN}]")
# Words every complaint uses (requests, pronouns, times, particles): they say nothing
# about the matter, and two different faults asked to be "repaired as soon as possible"
# must not look alike. Chinese ones are cut out of the text, in Simplified, before the
# characters are paired, so they split runs instead of joining them.
STOP_WORDS = frozenset(
    "a an and are as at be been but by did do does for from had has have he her his i in is it its me my no not "
    "of on or our she so than that the their them then there they this to too up us was we were what when which "
    "who will with you your yet just still also very please send someone somebody nobody anyone bought buy "
    "last week month day today yesterday time every since complaint complained again help need want thank thanks "
    "hello hi would could can get got after before ago new about because all any out into over now one".split()
)
ZH_STOP_PHRASES = sorted(
    (
        "希望 尽快 派人 上门 处理 投诉 联系 客服 谢谢 麻烦 请问 请 上周 上个月 这个月 本月 上次 之前 以前 一直 已经 "
        "现在 到现在 还是 还 没有 没人 问题 事情 你们 我们 他们 我 你 他 她 的 了 吗 呢 吧 啊 就 都 又 也 很 买 "
        "今天 昨天 时候 一下 一个 这个 那个 什么 怎么 为什么 可以 能 会 要 想 说 在 是 和 与 把 被 给 让 对"
    ).split(),
    key=len,
    reverse=True,
)
_ZH_STOP = re.compile("|".join(map(re.escape, ZH_STOP_PHRASES)))


def features(text: str) -> frozenset[str]:
    folded = _ZH_STOP.sub(" ", unicodedata.normalize("NFKC", for_reader(text, "zh_Hans")).lower())
    found: set[str] = set()
    for run in _RUNS.findall(folded):
        if _HAN_RUN.match(run):
            found.update(run if len(run) == 1 else (run[i : i + 2] for i in range(len(run) - 1)))
        elif run not in STOP_WORDS:
            found.add(_singular(run))
    return frozenset(found)


def _singular(word: str) -> str:
    """"leaks" and "leak", "charges" and "charge" are one feature: a plural or third-person s goes."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def likeness(a: str, b: str) -> float:
    """Cosine of the two statements' feature sets, 0 to 1."""
    return _cosine(features(a), features(b))


def _cosine(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / math.sqrt(len(a) * len(b))


def normalized_reference(value: str) -> str:
    """References compare without case, spaces or full-width forms: "so-1234 " is SO-1234."""
    return "".join(unicodedata.normalize("NFKC", value).split()).upper()


def shared_reference(new: Complaint, earlier: Complaint) -> str | None:
    """The first reference field whose value both complaints gave, or None."""
    for key, value in new.references.items():
        other = earlier.references.get(key)
        if value and other and normalized_reference(value) == normalized_reference(other):
            return key
    return None


def judge(new: Complaint, earlier: Complaint) -> Match | None:
    """Whether `new` is likely the same matter as `earlier` (the same customer's)."""
    score = likeness(new.statement, earlier.statement)
    reference = shared_reference(new, earlier)
    if reference is not None:
        return Match(Reason.REFERENCE, score, reference)
    if score >= STATEMENT_LIKENESS:
        return Match(Reason.STATEMENT, score)
    same_category = new.category == earlier.category and new.category not in VAGUE_CATEGORIES
    if same_category and score >= CATEGORY_LIKENESS:
        return Match(Reason.CATEGORY, score)
    return None


Key = TypeVar("Key")
_STRENGTH = {Reason.REFERENCE: 2, Reason.STATEMENT: 1, Reason.CATEGORY: 0}


def likeliest(new: Complaint, earlier: Iterable[tuple[Key, Complaint]]) -> tuple[Key, Match] | None:
    """The earlier complaint `new` most likely repeats: a shared reference first, then the
    highest likeness; among equals the first given (callers give the newest first)."""
    best: tuple[Key, Match] | None = None
    for key, complaint in earlier:
        match = judge(new, complaint)
        if match is None:
            continue
        if best is None or (_STRENGTH[match.reason], match.likeness) > (_STRENGTH[best[1].reason], best[1].likeness):
            best = (key, match)
    return best
