"""Typed equivalents of the dialog's buttons, in the three scripts and English.

Customers often type instead of pressing: "确认", "確認", "ok" must act like the button.
"""
from __future__ import annotations

import unicodedata

TYPED_ACTIONS: dict[str, frozenset[str]] = {
    "done": frozenset({"done", "finish", "finished", "that's all", "完成", "好了", "写完了", "寫完了", "结束", "結束", "就这些", "就這些"}),
    "confirm": frozenset({"confirm", "yes", "correct", "right", "ok", "okay", "确认", "確認", "正确", "正確", "对", "對", "是", "没错", "沒錯", "确定", "確定"}),
    "cancel": frozenset({"cancel", "取消", "不投诉了", "不投訴了"}),
    "skip": frozenset({"skip", "跳过", "跳過", "略过", "略過", "不填", "没有", "沒有", "无", "無"}),
    "submit": frozenset({"submit", "send", "提交", "送出", "递交", "遞交"}),
    "continue": frozenset({"continue", "继续", "繼續"}),
    "restart": frozenset({"start over", "restart", "discard", "重新开始", "重新開始", "重来", "重來", "放弃", "放棄"}),
    "not_sure": frozenset({"not sure", "unsure", "don't know", "不确定", "不確定", "不知道"}),
}


def normalize(text: str) -> str:
    """Case-, width- and punctuation-insensitive form of a short answer."""
    folded = unicodedata.normalize("NFKC", text).strip().lower()
    return folded.strip(" .。!！?？~～,，")


def typed_action(text: str) -> str | None:
    """The button action a short typed answer stands for, if any."""
    if len(text) > 30:
        return None
    answer = normalize(text)
    for action, words in TYPED_ACTIONS.items():
        if answer in words:
            return action
    return None


def matches_label(text: str, labels: dict[str, str]) -> bool:
    """True when the text is one of a deployment label's translations (any locale)."""
    answer = normalize(text)
    return any(answer == normalize(label) for label in labels.values())
