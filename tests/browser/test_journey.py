"""A visitor takes a complaint through the demo page by clicking and typing, as a new staff member
would in training: filed by a zh-hant customer, seen as a topic, claimed and answered in
Simplified, read in Traditional, and told it is late once the clock moves."""
from __future__ import annotations

import re

from playwright.async_api import Page, expect

from core.domain.scripts import for_reader
from tests.browser.conftest import LAPTOP, PHONE, open_page, screenshot


NUMBER = re.compile(r"KS-\d{8}-\d{4}")
STATEMENT = "電熱水壺送到時壺蓋就裂了，完全不能用。"
# Simplified words whose Taiwan forms differ in wording, not only in characters.
REPLY = "您好，我们会检查软件和信息，今天给您回复。"
LATE = "處理時間超出了我們的承諾"
PROPOSAL = "我们为您全额退款，并寄送一个新的壶盖。"
STEP = 30_000  # ms: one bot round trip on a busy machine


def customer_bot_messages(page: Page):
    return page.locator("#customer-messages .msg.in")


async def press(page: Page, pane: str, text: str) -> None:
    """The newest inline button with this text in a pane's chat."""
    await page.locator(f"#{pane}-messages .inline-button", has_text=text).last.click()


async def customer_says(page: Page, text: str) -> None:
    await page.fill("#customer-text", text)
    await page.press("#customer-text", "Enter")
    await expect(page.locator("#customer-messages .msg.out").last).to_contain_text(text, timeout=STEP)


async def file_complaint(page: Page) -> str:
    await page.select_option("#customer-language", "zh-hant")
    await page.click("#new-customer")
    await expect(page.locator("#customer-select option:checked")).to_contain_text("zh-hant")
    await customer_says(page, "/start")
    await press(page, "customer", "產品品質")
    await expect(customer_bot_messages(page).last).to_contain_text("請告訴我們發生了什麼", timeout=STEP)
    await customer_says(page, STATEMENT)
    await expect(customer_bot_messages(page).last).to_contain_text("1 則訊息、0 個附件", timeout=STEP)
    await page.click("#customer-attach")
    await page.click("[data-attach='photo']")
    await expect(page.locator("#customer-messages .msg.out img.photo")).to_be_visible(timeout=STEP)
    await expect(customer_bot_messages(page).last).to_contain_text("1 個附件", timeout=STEP)
    await press(page, "customer", "完成")
    await expect(customer_bot_messages(page).last).to_contain_text("訂單編號", timeout=STEP)
    await customer_says(page, "SO-20261130-0042")
    share = page.locator("#customer-keyboard button", has_text="分享我的手機號碼")
    await share.click(timeout=STEP)
    await expect(page.locator("#customer-messages .msg.out").last).to_contain_text("+886912345678", timeout=STEP)
    await expect(page.locator("#customer-keyboard")).to_be_hidden(timeout=STEP)
    await expect(customer_bot_messages(page).last).to_contain_text("以上內容正確嗎", timeout=STEP)
    await press(page, "customer", "正確，繼續")
    await press(page, "customer", "退款")
    # The choice is read back with the button that files the case.
    submit = customer_bot_messages(page).last.locator(".inline-button", has_text="送出")
    await expect(submit).to_be_visible(timeout=STEP)
    await submit.click()
    filed = customer_bot_messages(page).filter(has_text="案件編號為").last
    await expect(filed).to_be_visible(timeout=STEP)
    number = NUMBER.search(await filed.inner_text())
    assert number, await filed.inner_text()
    return number.group()


async def test_a_complaint_from_filing_to_a_late_notice(demo, browser) -> None:
    page = await open_page(browser, demo, LAPTOP)
    # (0) A first visit opens the tour in the browser's language.
    await expect(page.locator("#tour")).to_be_visible()
    await expect(page.locator("#tour-title")).to_have_text("Both sides of one desk")
    await screenshot(page, "laptop-0-tour")
    await page.click("#tour-close")

    # (1) The complaint, filed by clicking and typing.
    number = await file_complaint(page)
    await screenshot(page, "laptop-1-filed")

    # (2) Its topic appears in the staff pane, named with the number.
    topic = page.locator("#topic-list .topic", has_text=number)
    await expect(topic).to_be_visible(timeout=STEP)
    await topic.click()
    await expect(page.locator("#thread-name")).to_contain_text(number)
    card = page.locator("#staff-messages .msg", has_text=number).filter(has=page.locator(".inline-button")).first
    await expect(card).to_be_visible(timeout=STEP)

    # (3) Claimed and answered by the agent, in Simplified.
    await expect(page.locator("#staff-role")).to_have_value("agent")
    await card.locator(".inline-button", has_text="认领").click()
    # The card is edited in place to name its owner.
    await expect(card).to_contain_text("Ann", timeout=STEP)
    await page.fill("#staff-text", REPLY)
    await page.press("#staff-text", "Enter")
    await expect(page.locator("#staff-messages .msg").filter(has_text=REPLY).last).to_contain_text("Ann Lee · Agent", timeout=STEP)

    # (4) The customer reads it in Traditional, with Taiwan wording.
    converted = for_reader(REPLY, "zh_Hant", "tw")
    assert "軟體" in converted and "資訊" in converted, converted
    await expect(customer_bot_messages(page).filter(has_text=converted)).to_have_count(1, timeout=STEP)
    await screenshot(page, "laptop-2-answered")

    # (5) A working day later the case is late, and the customer is told.
    before = await page.locator("#clock-now").inner_text()
    await page.click("#clock-day")
    await expect(page.locator("#clock-now")).not_to_have_text(before)
    late = customer_bot_messages(page).filter(has_text=LATE)
    await expect(late).to_have_count(1, timeout=STEP)
    await expect(late).to_contain_text(number)
    await screenshot(page, "laptop-3-late")

    # (6) The agent proposes a solution by answering the bot's force-reply prompt, which the
    # page opens as a reply; the customer accepts and rates it, and the thread hears of it.
    await card.locator(".inline-button", has_text="提出方案").click()
    prompt = page.locator("#staff-messages .msg", has_text="请回复这条消息")
    await expect(prompt).to_be_visible(timeout=STEP)
    await expect(page.locator("#replying")).to_be_visible()
    await expect(page.locator("#replying-text")).to_contain_text("请回复这条消息")
    await page.fill("#staff-text", PROPOSAL)
    await page.press("#staff-text", "Enter")
    await expect(page.locator("#staff-messages .msg", has_text=PROPOSAL).locator(".reply-quote")).to_contain_text("请回复这条消息", timeout=STEP)
    proposal = customer_bot_messages(page).filter(has_text=for_reader(PROPOSAL, "zh_Hant", "tw"))
    await expect(proposal).to_have_count(1, timeout=STEP)
    await proposal.locator(".inline-button", has_text="接受").first.click()
    stars = customer_bot_messages(page).last.locator(".inline-button", has_text="⭐⭐⭐⭐⭐")
    await expect(stars).to_be_visible(timeout=STEP)
    await stars.click()
    await expect(page.locator("#toast")).to_contain_text("⭐⭐⭐⭐⭐", timeout=STEP)
    await expect(page.locator("#staff-messages .msg", has_text="客户对处理的评分：5/5")).to_be_visible(timeout=STEP)
    await screenshot(page, "laptop-4-rated")

    # (7) The resolution record: two buttons, then four answers to the bot's prompts.
    await press(page, "staff", "员工个人")
    await press(page, "staff", "直接责任")
    for step, answer in (("3/6", "包装太薄"), ("4/6", "全额退款并补寄壶盖"), ("5/6", "199"), ("6/6", "改用加厚包装")):
        await expect(page.locator("#replying-text")).to_contain_text(f"（{step}）", timeout=STEP)
        await page.fill("#staff-text", answer)
        await page.press("#staff-text", "Enter")
        await expect(page.locator("#staff-messages .msg", has_text=answer).last).to_be_visible(timeout=STEP)
    await expect(page.locator("#staff-messages .msg", has_text="的处理记录已保存")).to_be_visible(timeout=STEP)

    # (8) A week later the customer is asked whether the problem stayed solved; yes closes the case.
    told = await customer_bot_messages(page).count()
    await page.click("#clock-week")
    await expect(customer_bot_messages(page)).not_to_have_count(told, timeout=STEP)
    still = customer_bot_messages(page).last.locator(".inline-button", has_text="是的，已解決")
    await expect(still).to_be_visible(timeout=STEP)
    await still.click()
    await expect(page.locator("#topic-list .topic", has_text=number)).to_contain_text("已结案", timeout=STEP)
    await screenshot(page, "laptop-5-closed")

    # The same page at phone width: one side at a time, switched by tabs.
    await page.set_viewport_size(PHONE)
    await expect(page.locator(".tabs")).to_be_visible()
    await expect(page.locator("#customer-pane")).to_be_visible()
    await expect(page.locator("#staff-pane")).to_be_hidden()
    await page.locator("#customer-messages .msg").last.scroll_into_view_if_needed()
    await screenshot(page, "phone-1-customer")
    await page.click("[data-tab-button='staff']")
    await expect(page.locator("#staff-messages .msg").filter(has_text=REPLY)).to_be_visible()
    await screenshot(page, "phone-2-staff-thread")
    await page.click("#thread-back")
    await expect(page.locator("#topic-list .topic", has_text=number)).to_be_visible()
    await screenshot(page, "phone-3-topics")
    assert page.errors == []  # type: ignore[attr-defined]
