"""A case's whole life through the real process, in each of the three locales, its clock
moved by the test: filed, reminder, breach with an update and escalation, claimed,
proposed, rejected, reopened one tier up, proposed again, accepted, rated, recorded,
followed up, closed. The customer's transcript must tell that story, once, in their script."""
from __future__ import annotations

import re
from dataclasses import dataclass

import opencc
import pytest

from tests.e2e.conversation import Conversation
from tests.e2e.staffed import Staffed, case_row, query, wait_linked
from tests.e2e.test_deadlines import deadlines, move_clock_past
from tests.e2e.test_lifecycle import answer_prompt, press_in_group

NUMBER = re.compile(r"KS-\d{8}-\d{4}")


@dataclass(frozen=True)
class Script:
    """What a customer of one locale types and presses, and what they must read."""

    language_code: str
    category: str
    done: str
    skip: str
    confirm: str
    resolution: str
    submit: str
    statement: str
    reject_reason: str
    first_proposal: str
    second_proposal: str
    comment: str
    still_solved: str
    # Fragments of each expected message, in order.
    story: tuple[str, ...]


EN = Script(
    "en", "Product quality", "Done", "skip", "confirm", "Refund", "submit",
    "The kettle arrived broken and the lid is cracked.",
    "I want a replacement kettle, not a voucher.",
    "We offer a voucher of 50 yuan.",
    "We will send a new kettle tomorrow and collect the broken one.",
    "Quick and polite, thank you.",
    "Yes, it is solved",
    story=(
        "has been filed as",
        "it is taking longer than we promised",
        "has been accepted",
        "our proposed solution:\nWe offer a voucher of 50 yuan.",
        "Please tell us why",
        "has been reopened",
        "our proposed solution:\nWe will send a new kettle tomorrow",
        "How satisfied are you",
        "Thank you for rating",
        "is recorded with your rating",
        "we will check with you that the problem stays solved",
        "has the problem stayed solved?",
        "We are glad the problem is solved",
    ),
)
ZH_HANS = Script(
    "zh-cn", "产品质量", "完成", "跳过", "确认", "退款", "提交",
    "收到的水壶是坏的，盖子有裂缝。",
    "我要换一个新水壶，不要代金券。",
    "我们提供 50 元代金券。",
    "我们明天寄出新水壶，并取回坏的那个。",
    "处理很快，态度很好，谢谢。",
    "是的，已解决",
    story=(
        "编号为",
        "处理时间超出了我们的承诺",
        "我们的同事正在处理",
        "我们提供 50 元代金券。",
        "请用一条消息告诉我们原因",
        "已重新处理，并转交",
        "我们明天寄出新水壶，并取回坏的那个。",
        "您对这次处理满意吗",
        "谢谢您为",
        "意见已随评分记录下来",
        "我们会再向您确认问题是否已彻底解决",
        "问题是否已经彻底解决",
        "很高兴问题已经解决",
    ),
)
ZH_HANT = Script(
    "zh-hk", "產品品質", "完成", "跳過", "確認", "退款", "送出",
    "收到的水壺是壞的，蓋子有裂縫。",
    "我要換一個新水壺，不要禮券。",
    # Staff write in Simplified; the customer reads it in Traditional.
    "我们提供 50 元代金券。",
    "我们明天寄出新水壶，并取回坏的那个。",
    "處理很快，態度很好，謝謝。",
    "是的，已解決",
    story=(
        "編號為",
        "處理時間超出了我們的承諾",
        "我們的同仁正在處理",
        "我們提供 50 元代金券。",
        "請用一則訊息告訴我們原因",
        "已重新處理，並轉交",
        "我們明天寄出新水壺，並取回壞的那個。",
        "您對這次處理滿意嗎",
        "謝謝您為",
        "意見已隨評分記錄下來",
        "我們會再向您確認問題是否已徹底解決",
        "問題是否已經徹底解決",
        "很高興問題已經解決",
    ),
)


async def file_in_own_language(talk: Conversation, script: Script) -> str:
    first = await talk.send("/new", replies=2)
    await talk.press(first[-1], script.category)
    [progress] = await talk.send(script.statement)
    await talk.press(progress, script.done)
    await talk.send(script.skip)  # order number
    _saved, _summary = await talk.send(script.skip, replies=2)  # contact
    [resolution] = await talk.send(script.confirm)
    await talk.press(resolution, script.resolution)
    [submitted] = await talk.send(script.submit)
    match = NUMBER.search(submitted["text"])
    assert match, submitted["text"]
    return match.group(0)


def group_message(desk: Staffed, starts: str) -> dict | None:
    return next((m for m in reversed(desk.group_messages()) if (m.get("text") or "").startswith(starts)), None)


async def fill_resolution_record(desk: Staffed, number: str, case: dict) -> None:
    server = desk.server
    await server.wait_for(lambda: group_message(desk, f"📝 {number} 处理记录（1/6）") is not None)
    await press_in_group(desk, desk.agent, group_message(desk, f"📝 {number} 处理记录（1/6）"), "部门")
    await server.wait_for(lambda: group_message(desk, f"📝 {number} 处理记录（2/6）") is not None)
    await press_in_group(desk, desk.agent, group_message(desk, f"📝 {number} 处理记录（2/6）"), "直接责任")
    answers = {"（3/6）": "仓库包装不当", "（4/6）": "换新并上门取回", "（5/6）": "¥1,299.50", "（6/6）": "易碎品改用双层包装"}
    for step, text in answers.items():
        prefix = f"📝 {number} 处理记录。{step}"
        await server.wait_for(lambda prefix=prefix: group_message(desk, prefix) is not None)
        prompt = group_message(desk, prefix)
        assert prompt is not None and prompt.get("_reply_markup") == {"force_reply": True}
        await wait_linked(desk, prompt)
        desk.agent.send_text_in(desk.group, text, reply_to_message_id=prompt["message_id"], message_thread_id=case["thread_id"])
    await server.wait_for(lambda: group_message(desk, f"✅ {number} 的处理记录已保存。") is not None)


def in_script(text: str, language_code: str) -> bool:
    """The text is written in the reader's script (digits, names and emoji aside)."""
    if language_code == "en":
        return not re.search(r"[\u4e00-\u9fff]", text)
    if language_code == "zh-cn":
        return opencc.OpenCC("t2s").convert(text) == text and bool(re.search(r"[\u4e00-\u9fff]", text))
    return opencc.OpenCC("s2tw").convert(text) == text and bool(re.search(r"[\u4e00-\u9fff]", text))


@pytest.mark.parametrize("script", [EN, ZH_HANS, ZH_HANT], ids=["en", "zh_Hans", "zh_Hant"])
async def test_a_case_from_filing_to_closing(timed, script: Script) -> None:
    desk, clock_file = timed
    server = desk.server
    customer = server.create_user(first_name="Cust", language_code=script.language_code)
    talk = Conversation(server, customer)
    start = talk.cursor
    number = await file_in_own_language(talk, script)
    await server.wait_for(lambda: any(number in (m.get("text") or "") and m.get("reply_markup") for m in desk.group_messages()))
    card = next(m for m in desk.group_messages() if number in (m.get("text") or "") and m.get("reply_markup"))
    case = case_row(desk, number)

    # Before the first deadline staff are reminded; at it, the customer hears and tier 2 is called.
    remind, breach = deadlines(desk, case["id"])
    move_clock_past(clock_file, remind["due_at"])
    await server.wait_for(lambda: group_message(desk, f"⏰ 提醒：{number}") is not None, timeout=20)
    move_clock_past(clock_file, breach["due_at"])
    await talk._replies(1, 20)
    await server.wait_for(lambda: group_message(desk, f"🚨 {number} 已超过期限，升至第 2 级。") is not None)

    await press_in_group(desk, desk.agent, card, "认领")
    await talk._replies(1, 15)
    await answer_prompt(desk, desk.agent, card, "提出方案", script.first_proposal, case)
    [proposal] = await talk._replies(1, 15)
    await talk.press(proposal, proposal["reply_markup"]["inline_keyboard"][0][1]["text"])  # not acceptable
    await talk.send(script.reject_reason)
    stored = case_row(desk, number)
    assert (stored["stage"], stored["tier"], stored["reopen_count"]) == ("investigating", 3, 1)

    await answer_prompt(desk, desk.supervisor, card, "提出方案", script.second_proposal, case)
    [second] = await talk._replies(1, 15)
    [accepted] = await talk.press(second, second["reply_markup"]["inline_keyboard"][0][0]["text"])
    assert [b["text"] for b in accepted["reply_markup"]["inline_keyboard"][0]] == ["⭐" * n for n in range(1, 6)]
    [thanks] = await talk.press(accepted, "⭐⭐⭐⭐⭐")
    quality_four = thanks["reply_markup"]["inline_keyboard"][0][4]
    answered = len(server.callback_answers)
    customer.press_button(thanks["message_id"], quality_four["callback_data"])
    await server.wait_for(lambda: len(server.callback_answers) > answered)
    await talk.send(script.comment)
    await server.wait_for(lambda: group_message(desk, "💬 客户评分（5/5）附带的意见") is not None)

    await fill_resolution_record(desk, number, case)
    await talk._replies(1, 15)  # when we will check back
    assert case_row(desk, number)["stage"] == "follow_up"
    [follow_up] = [r for r in deadlines(desk, case["id"]) if r["status"] == "pending"]
    assert follow_up["kind"] == "follow_up"

    move_clock_past(clock_file, follow_up["due_at"])
    [question] = await talk._replies(1, 20)
    await talk.press(question, script.still_solved)
    assert case_row(desk, number)["stage"] == "closed"
    await server.wait_for(lambda: desk.group.topics[0].closed)

    [rating] = query(desk, "SELECT stars, aspects, comment FROM case_ratings")
    [record] = query(desk, "SELECT responsible_party, responsibility_kind, cost_cents, improvement FROM resolution_records")
    assert rating == (5, '{"quality": 4}', script.comment)
    assert record == ("department", "direct", 129950, "易碎品改用双层包装")

    transcript = [m.get("text") or "" for m in server.bot_messages(customer.chat_id)[start:]]
    # The story, in order; the intake dialog's own prompts come before it.
    positions = []
    for fragment in script.story:
        hits = [i for i, text in enumerate(transcript) if fragment in text]
        assert len(hits) == 1, (fragment, hits, transcript)
        positions.append(hits[0])
    assert positions == sorted(positions), transcript
    assert len(transcript) == positions[0] + len(script.story), transcript[positions[0]:]
    for text in transcript:
        assert in_script(text, script.language_code), text
