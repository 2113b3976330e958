"""Repeat complaints: the statements' likeness on realistic pairs in every script, the
decision, and the [repeats] table."""
from __future__ import annotations

import pytest

from core.domain.config_errors import DeploymentConfigError
from core.domain.deployment import config_from_mapping
from core.domain.repeats import (
    CATEGORY_LIKENESS,
    STATEMENT_LIKENESS,
    Complaint,
    Reason,
    RepeatsConfig,
    judge,
    likeliest,
    likeness,
    normalized_reference,
)

LEAK_HANS = "我上周买的洗衣机一开机就漏水，地板全湿了，希望尽快派人上门维修。"
LEAK_HANT = "洗衣機還是漏水，上次投訴到現在都沒人聯絡我上門維修，地板又濕了。"

# The same matter told again, as customers who were not answered write it.
REPEATS = [
    pytest.param(LEAK_HANS, "洗衣机还是漏水，上次投诉到现在都没人联系我上门维修，地板又湿了。", id="zh_Hans-leak"),
    pytest.param(
        "快递员态度很差，把包裹直接扔在小区门口，还挂我电话。",
        "我之前投诉过快递员态度差的问题，今天包裹又被扔在小区门口，电话也不接。",
        id="zh_Hans-courier",
    ),
    pytest.param("我的订单一直没有发货，已经过了一个星期了。", "订单还是没有发货，客服说会催但一直没消息。", id="zh_Hans-not-shipped"),
    pytest.param("我上週買的洗衣機一開機就漏水，地板全濕了，希望盡快派人上門維修。", LEAK_HANT, id="zh_Hant-leak"),
    pytest.param("這個月的帳單多扣了兩次月費，請退還多收的費用。", "帳單多扣月費的事還沒處理，這個月又多扣了一次，請盡快退還費用。", id="zh_Hant-billing"),
    pytest.param(
        "The washing machine I bought last week leaks water every time I start it. Please send a technician to repair it.",
        "My washing machine still leaks water and nobody has come to repair it since my complaint. Please send the technician.",
        id="en-leak",
    ),
    pytest.param(
        "I was charged twice for my monthly subscription on the November bill. Please refund the extra charge.",
        "Still no refund for the double charge on my November bill, I was charged twice for the subscription.",
        id="en-billing",
    ),
    pytest.param("My order has not shipped after a week.", "Order still not shipped, support said they would chase it but nothing happened.", id="en-short"),
    # A customer who switched to Traditional between the two.
    pytest.param(LEAK_HANS, LEAK_HANT, id="zh_Hans-then-zh_Hant"),
]

# One customer's different matters, some in the same category and with the same request words.
DIFFERENT = [
    pytest.param(LEAK_HANS, "快递员态度很差，把包裹直接扔在小区门口，还挂我电话。", id="zh_Hans-leak-courier"),
    pytest.param(LEAK_HANS, "我买的电视机屏幕有一条竖线，看不清画面，希望换一台新的。", id="zh_Hans-two-products"),
    pytest.param(LEAK_HANS, "我上个月买的冰箱晚上噪音很大，希望尽快派人上门维修。", id="zh_Hans-same-request"),
    pytest.param("这个月的账单多扣了两次月费，请退还多收的费用。", "门店店员说话很不礼貌，问了几次都不理我。", id="zh_Hans-billing-staff"),
    pytest.param("我上週買的洗衣機一開機就漏水，地板全濕了，希望盡快派人上門維修。", "我買的電視機螢幕有一條直線，看不清畫面，希望換一台新的。", id="zh_Hant-two-products"),
    pytest.param("這個月的帳單多扣了兩次月費，請退還多收的費用。", "上個月的帳單收了我沒有使用的國際漫遊費用，請說明原因。", id="zh_Hant-two-charges"),
    pytest.param("這個月的帳單多扣了兩次月費，請退還多收的費用。", "App 一直閃退，登入之後就沒辦法使用，重新安裝軟體也沒用。", id="zh_Hant-billing-app"),
    pytest.param(
        "The washing machine I bought last week leaks water every time I start it. Please send a technician to repair it.",
        "The fridge I bought last month makes a loud noise at night. Please send someone to repair it.",
        id="en-same-request",
    ),
    pytest.param(
        "The washing machine I bought last week leaks water every time I start it. Please send a technician to repair it.",
        "The television I bought has a vertical line across the screen. Please replace it with a new one.",
        id="en-two-products",
    ),
    pytest.param(
        "I was charged twice for my monthly subscription on the November bill. Please refund the extra charge.",
        "The app keeps crashing after I log in and reinstalling it did not help.",
        id="en-billing-app",
    ),
]


@pytest.mark.parametrize(("first", "again"), REPEATS)
def test_the_same_matter_told_again_is_alike_in_both_directions(first: str, again: str) -> None:
    assert likeness(first, again) == likeness(again, first)
    assert likeness(first, again) >= STATEMENT_LIKENESS
    # And so it is a repeat in any category, without a reference.
    assert judge(Complaint("other", again, {}), Complaint("unsure", first, {})) is not None


@pytest.mark.parametrize(("first", "other"), DIFFERENT)
def test_different_matters_are_not_alike_even_in_the_same_category(first: str, other: str) -> None:
    assert likeness(first, other) < CATEGORY_LIKENESS
    assert judge(Complaint("product_quality", other, {}), Complaint("product_quality", first, {})) is None
    assert judge(Complaint("product_quality", first, {}), Complaint("product_quality", other, {})) is None


def test_likeness_bounds() -> None:
    assert likeness(LEAK_HANS, LEAK_HANS) == pytest.approx(1.0)
    assert likeness("", LEAK_HANS) == 0.0
    # Only the words every complaint uses: nothing to compare.
    assert likeness("请尽快处理，谢谢", "希望尽快处理，谢谢") == 0.0


def test_the_same_reference_is_a_repeat_whatever_the_words() -> None:
    earlier = Complaint("product_quality", LEAK_HANS, {"order_number": "SO-20261101-0032"})
    new = Complaint("after_sales", "The delivery was late.", {"order_number": " so-20261101-0032"})
    match = judge(new, earlier)
    assert match is not None and match.reason is Reason.REFERENCE and match.reference == "order_number"
    # A different order number and different words: not the same matter.
    assert judge(Complaint("after_sales", "The delivery was late.", {"order_number": "SO-9"}), earlier) is None
    assert normalized_reference("ｓｏ-1234 ") == "SO-1234"


def test_the_category_lowers_the_bar_but_is_not_enough_alone() -> None:
    # Short and worded apart: alike enough only for the same category.
    first = "账单上多收了一笔漫游费，我这个月没有出国。"
    again = "为什么扣我漫游费？请退回。"
    score = likeness(first, again)
    assert CATEGORY_LIKENESS <= score < STATEMENT_LIKENESS
    same = judge(Complaint("price_billing", again, {}), Complaint("price_billing", first, {}))
    assert same is not None and same.reason is Reason.CATEGORY
    assert judge(Complaint("other", again, {}), Complaint("other", first, {})) is None  # "other" says nothing
    assert judge(Complaint("price_billing", again, {}), Complaint("service_quality", first, {})) is None
    # The same category with nothing alike is not a repeat.
    assert judge(Complaint("price_billing", "门店店员说话很不礼貌", {}), Complaint("price_billing", first, {})) is None
    english = ("Your store charged me a service fee that was never mentioned at checkout.", "Why is there a hidden service fee on my receipt? Refund it.")
    assert CATEGORY_LIKENESS <= likeness(*english) < STATEMENT_LIKENESS
    assert judge(Complaint("price_billing", english[1], {}), Complaint("price_billing", english[0], {})) is not None


def test_the_likeliest_prefers_a_reference_then_the_closest_statement() -> None:
    new = Complaint("product_quality", LEAK_HANT, {"order_number": "SO-1"})
    earlier = [
        ("alike", Complaint("product_quality", LEAK_HANS, {})),
        ("unrelated", Complaint("staff_attitude", "快递员态度很差，把包裹扔在门口。", {})),
        ("same order", Complaint("price_billing", "多收了运费。", {"order_number": "so-1"})),
    ]
    key, match = likeliest(new, earlier)
    assert key == "same order" and match.reason is Reason.REFERENCE
    key, match = likeliest(Complaint("product_quality", LEAK_HANT, {}), earlier)
    assert key == "alike" and match.reason is Reason.STATEMENT
    assert likeliest(Complaint("other", "The app crashes at login.", {}), earlier) is None


def test_the_repeats_table() -> None:
    assert config_from_mapping({}).repeats == RepeatsConfig()
    config = config_from_mapping({"repeats": {"recent_days": 7, "shared_reference_customers": 3}})
    assert config.repeats == RepeatsConfig(recent_days=7, shared_reference_customers=3, shared_reference_days=30)
    for bad, problem in (({"recent_days": 0}, "must be at least 1"), ({"recent_days": "7"}, "expected an integer"), ({"days": 7}, "")):
        with pytest.raises(DeploymentConfigError) as raised:
            config_from_mapping({"repeats": bad})
        assert str(raised.value).startswith("repeats.") and problem in str(raised.value)
