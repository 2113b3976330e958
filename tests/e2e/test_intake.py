"""Filing a complaint through the real process, as a customer would."""
from __future__ import annotations

import json
import re
import sqlite3

import pytest

from tests.e2e.conversation import Conversation, button_texts

HAPPY = {
    "zh_Hans": {
        "language_code": "zh-cn",
        "intro": "很抱歉给您带来了不好的体验。我们来登记您的投诉：大约需要两分钟，您随时可以发送 /cancel 取消。",
        "category_prompt": "首先，您的投诉是关于哪方面的？请选择最接近的类别。",
        "category": "产品质量",
        "statement_prompt": "请告诉我们发生了什么：什么事、什么时间、在哪里、涉及哪些人。您可以分几条消息发送，也可以发送照片、文件、语音或视频作为证据。写完后请点完成。",
        "statement": "我5月3日买的水壶，收到时盖子裂开了，联系店家也没有回复。",
        "progress": "已记下（目前共 1 条消息、0 个附件）。您可以继续补充，写完后请点完成。",
        "done": "完成",
        "reference_prompt": "请发送您的订单号，可在订单确认短信或邮件中找到。如没有，可以跳过。\n例如：SO-20240501-0032",
        "contact_prompt": "我们怎样联系您？请点下方按钮分享您的手机号码，或直接输入电话号码。如果只希望通过 Telegram 联系，请输入“跳过”。",
        "phone": "138 0013 8000",
        "saved": "谢谢，已记下您的电话号码。",
        "summary": "请确认我们是否理解正确：\n\n类别：产品质量\n经过：我5月3日买的水壶，收到时盖子裂开了，联系店家也没有回复。\n证据：0 个附件\n订单号：SO-20261101-0001\n联系方式：+86 138••••8000\n\n以上内容正确吗？",
        "confirm": "确认",
        "resolution_prompt": "谢谢您的确认。您希望我们怎样解决这个问题？",
        "refund": "退款",
        "note_prompt": "您选择了：退款。如有需要，可以补充您的具体期望（例如金额、日期），然后点提交。",
        "submit": "提交",
        "submitted": r"谢谢您。您的投诉已登记，编号为 (KS-\d{8}-0001)。\n\n给您带来不便，我们深表歉意。接下来：我们的同事会审阅您的投诉，并在 \d{4}年\d+月\d+日周. \d\d:\d\d 前回复您。每个处理阶段我们都会通知您；您也可以随时发送 /status 查看进展。",
    },
    "zh_Hant": {
        "language_code": "zh-hk",
        "intro": "很抱歉造成您不好的體驗。我們來登記您的客訴：大約需要兩分鐘，您隨時可以傳送 /cancel 取消。",
        "category_prompt": "首先，您的客訴是關於哪方面的？請選擇最接近的類別。",
        "category": "產品品質",
        "statement_prompt": "請告訴我們發生了什麼：什麼事、什麼時間、在哪裡、涉及哪些人。您可以分幾則訊息傳送，也可以傳送照片、檔案、語音或影片作為證據。寫完後請點完成。",
        "statement": "我5月3日買的水壺，收到時蓋子裂開了，聯絡店家也沒有回覆。",
        "progress": "已記下（目前共 1 則訊息、0 個附件）。您可以繼續補充，寫完後請點完成。",
        "done": "完成",
        "reference_prompt": None,  # the deployment's own wording, checked in zh_Hans and en
        "contact_prompt": "我們怎麼聯絡您？請點下方按鈕分享您的手機號碼，或直接輸入電話號碼。如果只希望透過 Telegram 聯絡，請輸入「跳過」。",
        "phone": "+852 6123 4567",
        "saved": "謝謝，已記下您的電話號碼。",
        "summary": "請確認我們是否理解正確：\n\n類別：產品品質\n經過：我5月3日買的水壺，收到時蓋子裂開了，聯絡店家也沒有回覆。\n證據：0 個附件\n訂單編號：SO-20261101-0001\n聯絡方式：+852 ••••4567\n\n以上內容正確嗎？",
        "confirm": "確認",
        "resolution_prompt": "謝謝您的確認。您希望我們怎麼解決這個問題？",
        "refund": "退款",
        "note_prompt": "您選擇了：退款。如有需要，可以補充您的具體期望（例如金額、日期），然後點送出。",
        "submit": "送出",
        "submitted": r"謝謝您。您的客訴已登記，案件編號為 (KS-\d{8}-0001)。\n\n造成您的不便，我們深感抱歉。接下來：我們的同仁會審閱您的客訴，並在 \d{4}年\d+月\d+日 週. \d\d:\d\d 前回覆您。每個處理階段我們都會通知您；您也可以隨時傳送 /status 查看進度。",
    },
    "en": {
        "language_code": "en",
        "intro": "I am sorry something went wrong. Let's record your complaint: it takes about two minutes, and you can send /cancel at any time.",
        "category_prompt": "First, what is your complaint about? Choose the closest category.",
        "category": "Product quality",
        "statement_prompt": "Please tell us what happened: what, when, where and who was involved. You can send several messages, and photos, documents, voice messages or videos as evidence. Press Done when you have finished.",
        "statement": "The kettle I ordered on 3 May arrived with a cracked lid and the shop does not answer.",
        "progress": "Noted. So far: 1 text message(s), 0 file(s). Add more, or press Done when you have finished.",
        "done": "Done",
        "reference_prompt": "Please send your order number; you can find it in the order confirmation message or email. If you don't have one, you can skip this step.\nFor example: SO-20240501-0032",
        "contact_prompt": "How can we reach you? Press the button below to share your phone number, or type it. If you prefer to be contacted only here in Telegram, type \"skip\".",
        "phone": "0912 345 678",
        "saved": "Thank you, we have your number.",
        "summary": "Please check that we have understood you correctly:\n\nCategory: Product quality\nWhat happened: The kettle I ordered on 3 May arrived with a cracked lid and the shop does not answer.\nEvidence: 0 file(s)\nOrder number: SO-20261101-0001\nContact: +886 9••••5678\n\nIs this right?",
        "confirm": "confirm",
        "resolution_prompt": "Thank you for confirming. What would you like us to do to put things right?",
        "refund": "Refund",
        "note_prompt": "You chose: Refund. If you like, add a few words about what you expect (an amount, a date...), then press Submit.",
        "submit": "Submit",
        "submitted": r"Thank you. Your complaint has been filed as (KS-\d{8}-0001).\n\nWe are sorry for the trouble this has caused you. What happens next: a member of our team will review your complaint and get back to you by \w{3}, \w{3} \d+, \d{4} \d\d:\d\d. We will keep you informed at every stage; send /status at any time to see where it stands.",
    },
}


def stored_cases(kesu) -> list[dict]:
    path = kesu.database_url.split("///", 1)[1]
    with sqlite3.connect(path) as connection:
        connection.row_factory = sqlite3.Row
        cases = [dict(row) for row in connection.execute("SELECT * FROM cases ORDER BY id")]
        for case in cases:
            case["evidence"] = [dict(r) for r in connection.execute("SELECT * FROM case_evidence WHERE case_id = ? ORDER BY id", (case["id"],))]
            case["reference_values"] = json.loads(case["reference_values"])
    return cases


@pytest.mark.parametrize("locale", ["zh_Hans", "zh_Hant", "en"])
async def test_happy_path_in_each_locale(kesu, locale: str) -> None:
    script = HAPPY[locale]
    user = kesu.server.create_user(first_name="Wei", language_code=script["language_code"])
    talk = Conversation(kesu.server, user)
    _greeting, intro, category_prompt = await talk.send("/start", replies=3)
    assert intro["text"] == script["intro"]
    assert category_prompt["text"] == script["category_prompt"]
    [statement_prompt] = await talk.press(category_prompt, script["category"])
    assert statement_prompt["text"] == script["statement_prompt"]
    [progress] = await talk.send(script["statement"])
    assert progress["text"] == script["progress"]
    [reference_prompt] = await talk.press(progress, script["done"])
    if script["reference_prompt"]:
        assert reference_prompt["text"] == script["reference_prompt"]
    [contact_prompt] = await talk.send("SO-20261101-0001")
    assert contact_prompt["text"] == script["contact_prompt"]
    assert contact_prompt["_reply_markup"]["keyboard"][0][0]["request_contact"] is True
    saved, summary = await talk.send(script["phone"], replies=2)
    assert saved["text"] == script["saved"] and saved["_reply_markup"] == {"remove_keyboard": True}
    assert summary["text"] == script["summary"]
    [resolution_prompt] = await talk.send(script["confirm"])  # typed, not pressed
    assert resolution_prompt["text"] == script["resolution_prompt"]
    [note_prompt] = await talk.press(resolution_prompt, script["refund"])
    assert note_prompt["text"] == script["note_prompt"]
    [submitted] = await talk.press(note_prompt, script["submit"])
    match = re.fullmatch(script["submitted"], submitted["text"])
    assert match, submitted["text"]
    [case] = stored_cases(kesu)
    assert case["number"] == match.group(1)
    assert (case["category"], case["resolution"], case["locale"], case["stage"]) == ("product_quality", "refund", locale, "received")
    assert case["reference_values"] == {"order_number": "SO-20261101-0001"}
    assert case["statement"] == script["statement"]
    assert case["contact_phone"].startswith("+")


async def _reach_summary(talk: Conversation, statement: str = "My order arrived damaged and nobody replies to my emails.") -> dict:
    _greeting, _intro, category_prompt = await talk.send("/start", replies=3)
    [statement_prompt] = await talk.press(category_prompt, "Product quality")
    [progress] = await talk.send(statement)
    [reference_prompt] = await talk.press(progress, "Done")
    [contact_prompt] = await talk.send("SO-20261101-0001")
    _saved, summary = await talk.send("skip", replies=2)
    return summary


async def test_edits_from_the_summary_return_to_it_and_are_stored(kesu) -> None:
    user = kesu.server.create_user(first_name="Ed", language_code="en")
    talk = Conversation(kesu.server, user)
    summary = await _reach_summary(talk)
    assert "Contact: here in Telegram" in summary["text"]

    [category_prompt] = await talk.press(summary, "Category")
    assert category_prompt["text"] == "First, what is your complaint about? Choose the closest category."
    [summary] = await talk.press(category_prompt, "After-sales")
    assert "Category: After-sales service" in summary["text"]

    hint, progress = await talk.press(summary, "What happened", replies=2)
    assert hint["text"].startswith("This is what you wrote so far:\n\nMy order arrived damaged")
    [progress] = await talk.send("I ordered it on 1 November; the box was crushed.")
    [summary] = await talk.press(progress, "Done")
    assert "What happened: My order arrived damaged and nobody replies to my emails.\nI ordered it on 1 November; the box was crushed." in summary["text"]

    [reference_prompt] = await talk.press(summary, "Order number")
    [invalid] = await talk.send("??")
    assert invalid["text"].startswith("That does not look like a valid Order number.")
    [summary] = await talk.send("SO-20261101-0099")
    assert "Order number: SO-20261101-0099" in summary["text"]

    [resolution_prompt] = await talk.press(summary, "Yes, that is right")
    [note_prompt] = await talk.press(resolution_prompt, "Something else")
    assert note_prompt["text"] == "You chose: Something else. Please tell us in a few words what you would like us to do."
    assert button_texts(note_prompt) == ["↩️ Choose another"]  # "other" needs text before Submit
    [note_saved] = await talk.send("Please collect the broken kettle from my home.")
    [submitted] = await talk.press(note_saved, "Submit")
    assert submitted["text"].startswith("Thank you. Your complaint has been filed as KS-")
    [case] = stored_cases(kesu)
    assert case["category"] == "after_sales"
    assert case["statement"].endswith("I ordered it on 1 November; the box was crushed.")
    assert case["reference_values"] == {"order_number": "SO-20261101-0099"}
    assert (case["resolution"], case["resolution_note"]) == ("other", "Please collect the broken kettle from my home.")
    assert case["contact_phone"] is None


async def test_cancel_then_new_starts_clean(kesu) -> None:
    user = kesu.server.create_user(first_name="Can", language_code="zh-cn")
    talk = Conversation(kesu.server, user)
    _greeting, _intro, category_prompt = await talk.send("/start", replies=3)
    [statement_prompt] = await talk.press(category_prompt, "服务质量")
    [progress] = await talk.send("排队两个小时没有人理我，非常失望。")
    [question] = await talk.send("/cancel")
    assert question["text"] == "确定要放弃这份投诉吗？您已填写的内容将被删除。"
    [cancelled] = await talk.press(question, "是的，放弃")
    assert cancelled["text"] == "您未完成的投诉已放弃。需要时随时发送 /new 重新开始。"
    intro, category_prompt = await talk.send("/new", replies=2)
    assert category_prompt["text"] == "首先，您的投诉是关于哪方面的？请选择最接近的类别。"  # nothing carried over
    [statement_prompt] = await talk.press(category_prompt, "服务质量")
    assert statement_prompt["text"].startswith("请告诉我们发生了什么")
    [nothing] = await talk.send("/status")
    assert nothing["text"] == "您还没有投诉记录。发送 /new 即可提交投诉。"


async def test_unfinished_draft_can_be_continued_or_discarded(kesu) -> None:
    user = kesu.server.create_user(first_name="Dra", language_code="zh-tw")
    talk = Conversation(kesu.server, user)
    _greeting, _intro, category_prompt = await talk.send("/start", replies=3)
    [statement_prompt] = await talk.press(category_prompt, "技術支援")
    [progress] = await talk.send("軟體更新之後就無法登入，已經三天了。")
    [offer] = await talk.send("/new")
    assert offer["text"] == "您有一份未完成的客訴（上次停在：描述經過）。要繼續填寫還是重新開始？"
    [again] = await talk.press(offer, "繼續填寫")
    assert again["text"] == "已記下（目前共 1 則訊息、0 個附件）。您可以繼續補充，寫完後請點完成。"
    [offer] = await talk.send("/new")
    intro, category_prompt = await talk.press(offer, "重新開始", replies=2)
    assert category_prompt["text"] == "首先，您的客訴是關於哪方面的？請選擇最接近的類別。"
    [statement_prompt] = await talk.press(category_prompt, "其他")
    assert statement_prompt["text"].startswith("請告訴我們發生了什麼")  # the old statement is gone


async def test_killed_mid_dialog_resumes_at_the_same_step(kesu) -> None:
    user = kesu.server.create_user(first_name="Res", language_code="en")
    talk = Conversation(kesu.server, user)
    _greeting, _intro, category_prompt = await talk.send("/start", replies=3)
    [statement_prompt] = await talk.press(category_prompt, "Prices and billing")
    [progress] = await talk.send("I was charged twice for the same order in October.")
    await kesu.wait_outbox_settled()
    await kesu.restart(kill=True)
    [progress] = await talk.send("Both charges are on my card statement.")
    assert progress["text"] == "Noted. So far: 2 text message(s), 0 file(s). Add more, or press Done when you have finished."
    [reference_prompt] = await talk.press(progress, "Done")  # the button from before the restart still works
    assert reference_prompt["text"].startswith("Please send your order number")


async def test_hostile_and_odd_inputs_lose_nothing(kesu) -> None:
    server = kesu.server
    user = server.create_user(first_name="Odd", language_code="en")
    talk = Conversation(server, user)
    _greeting, _intro, category_prompt = await talk.send("/start", replies=3)
    [statement_prompt] = await talk.press(category_prompt, "Product quality")

    sorry, prompt = await talk.act(lambda: user.send_sticker(), replies=2)
    assert sorry["text"] == "Sorry, I cannot use that here, but nothing you have written is lost. Let's continue:"
    assert prompt["text"] == statement_prompt["text"]

    long_statement = "\n".join(f"Paragraph {n}: " + "the device overheats and shuts down. " * 5 for n in range(35))
    assert len(long_statement) > 6000
    await talk.send(long_statement)
    for n in range(3):
        await talk.act(lambda n=n: user.send_photo(caption=f"photo {n}"))
    [progress] = await talk.act(lambda: user.send_document(file_name="receipt.pdf"))
    assert progress["text"] == "Noted. So far: 1 text message(s), 4 file(s). Add more, or press Done when you have finished."

    # A duplicate update changes nothing and sends nothing.
    duplicate = user.send_text("It also smells of burnt plastic.")
    server.deliver_twice(duplicate)
    [progress] = await talk._replies(1, 15)
    assert "2 text message(s)" in progress["text"]

    # A stale button: the category prompt from the previous step.
    stale_notice, current = await talk.press(category_prompt, "Service quality", replies=2)
    assert stale_notice["text"] == "That button belongs to an earlier step. Here is where we are now:"
    assert current["text"] == progress["text"]
    await server.wait_for(lambda: any(a.get("text") == "This button is no longer active. Please use the latest message." for a in server.callback_answers))

    [reference_prompt] = await talk.press(progress, "Done")
    [contact_prompt] = await talk.send("skip")
    _saved, summary = await talk.send("skip", replies=2)
    assert "Evidence: 4 file(s)" in summary["text"] and "…" in summary["text"]  # the read-back shortens

    # Two quick presses of "confirm": one step forward, one case.
    confirm = next(b["callback_data"] for row in summary["reply_markup"]["inline_keyboard"] for b in row if "Yes" in b["text"])
    user.press_button(summary["message_id"], confirm)
    user.press_button(summary["message_id"], confirm)
    [resolution_prompt] = await talk._replies(1, 15)
    [note_prompt] = await talk.press(resolution_prompt, "Repair")
    submit = next(b["callback_data"] for row in note_prompt["reply_markup"]["inline_keyboard"] for b in row if "Submit" in b["text"])
    user.press_button(note_prompt["message_id"], submit)
    user.press_button(note_prompt["message_id"], submit)
    [submitted] = await talk._replies(1, 15)
    assert submitted["text"].startswith("Thank you. Your complaint has been filed as KS-")
    await kesu.wait_outbox_settled()
    assert len(server.bot_messages(user.chat_id)) == talk.cursor  # nothing extra was sent

    [case] = stored_cases(kesu)
    assert case["statement"] == long_statement + "\nIt also smells of burnt plastic."
    assert [e["kind"] for e in case["evidence"]] == ["photo", "photo", "photo", "document"]
    assert [e["caption"] for e in case["evidence"]] == ["photo 0", "photo 1", "photo 2", None]
    assert case["evidence"][3]["file_name"] == "receipt.pdf"


async def test_edited_statement_messages_update_the_statement(kesu) -> None:
    user = kesu.server.create_user(first_name="Edit", language_code="en")
    talk = Conversation(kesu.server, user)
    _greeting, _intro, category_prompt = await talk.send("/start", replies=3)
    await talk.press(category_prompt, "Staff attitude")
    sent = user.send_text("The cashier was rude to me on Monday.")
    await talk._replies(1, 15)
    [updated] = await talk.act(lambda: user.edit_message(sent["message"]["message_id"], "The cashier was rude to me on Tuesday evening."))
    assert updated["text"] == "I have updated that part of your statement."
    [reference_prompt] = await talk.send("done")
    await talk.send("skip")
    _saved, summary = await talk.send("skip", replies=2)
    assert "What happened: The cashier was rude to me on Tuesday evening." in summary["text"]
