"""What the simulated customers type, in each of their languages."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Speech:
    """One locale's typed answers and texts, and how its "case accepted" message reads."""

    language_code: str
    skip: str
    confirm: str
    submit: str
    accepted_marker: str
    statements: tuple[str, ...]
    questions: tuple[str, ...]
    comments: tuple[str, ...]
    reasons: tuple[str, ...]


SPEECHES = (
    Speech(
        "en", "skip", "confirm", "submit", "has been accepted and a member of our team",
        statements=("The kettle I ordered arrived broken and the lid is cracked.",
                    "The courier left my parcel in the rain and everything inside is wet.",
                    "I was charged twice for the same order last week."),
        questions=("Is there any news about my complaint?", "I can send more photos if that helps."),
        comments=("Quick and polite, thank you.", "Fine, but it took a while."),
        reasons=("I would rather have a replacement than a voucher.", "The amount does not cover what I paid."),
    ),
    Speech(
        "zh-cn", "跳过", "确认", "提交", "已受理，我们的同事正在处理",
        statements=("收到的水壶是坏的，盖子有裂缝。", "快递员把包裹放在雨里，里面的东西全湿了。", "上周同一笔订单被扣了两次款。"),
        questions=("我的投诉有进展吗？", "如果需要，我可以再发几张照片。"),
        comments=("处理很快，态度很好，谢谢。", "还可以，就是等得有点久。"),
        reasons=("我想要换新的，不要代金券。", "这个金额不够赔偿我的损失。"),
    ),
    Speech(
        "zh-hk", "跳過", "確認", "送出", "已受理，我們的同仁正在處理",
        statements=("收到的水壺是壞的，蓋子有裂縫。", "快遞員把包裹放在雨裡，裡面的東西全濕了。", "上週同一筆訂單被扣了兩次款。"),
        questions=("我的客訴有進度嗎？", "如果需要，我可以再傳幾張照片。"),
        comments=("處理很快，態度很好，謝謝。", "還可以，就是等得有點久。"),
        reasons=("我想要換新的，不要禮券。", "這個金額不夠賠償我的損失。"),
    ),
)
