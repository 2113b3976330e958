"""The page's own controls: its language, the tour, files, sending as another staff member, the
clock, a new customer and reset."""
from __future__ import annotations

from playwright.async_api import expect

from tests.browser.conftest import LAPTOP, PHONE, open_page, screenshot

STEP = 30_000


async def test_language_tour_files_roles_clock_and_reset(demo, browser) -> None:
    # A visitor whose browser reads Traditional Chinese (Taiwan) gets the page and its tour in it.
    page = await open_page(browser, demo, PHONE, locale="zh-TW")
    await expect(page.locator("#reset")).to_have_text("重設")
    await expect(page.locator("#tour-title")).to_have_text("一個客訴櫃檯的兩端")
    await page.click("#tour-next")
    await expect(page.locator("#tour-count")).to_have_text("第 2 步，共 10 步")
    await expect(page.locator("[data-tour='customer-composer']")).to_have_class("composer tour-target")
    await screenshot(page, "phone-0-tour")
    for _ in range(2):
        await page.click("#tour-next")
    # The tour's staff step shows the staff tab at phone width.
    await expect(page.locator("#staff-pane")).to_be_visible()
    await page.click("#tour-close")
    await expect(page.locator(".tour-target")).to_have_count(0)
    await page.click("[data-tab-button='customer']")

    # The page's language is the visitor's choice, and stays chosen.
    await page.select_option("#page-locale", "zh_Hans")
    await expect(page.locator("#reset")).to_have_text("重置")
    await page.reload()
    await page.wait_for_selector("body[data-ready='true']")
    await expect(page.locator("#reset")).to_have_text("重置")
    await expect(page.locator("#tour")).to_be_hidden()

    # The command menu lists the bot's commands in the customer's language; one press sends one.
    await page.click("#customer-commands")
    await expect(page.locator("#commands-menu button", has_text="/status")).to_be_visible(timeout=STEP)
    await screenshot(page, "phone-5-commands")
    await page.locator("#commands-menu button", has_text="/start").click()
    await expect(page.locator("#commands-menu")).to_be_hidden()
    await expect(page.locator("#customer-messages .msg.out").last).to_have_text("/start")

    # A document from the visitor's computer reaches the bot, which answers it.
    await expect(page.locator("#customer-messages .msg.in").first).to_be_visible(timeout=STEP)
    answered = await page.locator("#customer-messages .msg.in").count()
    await page.click("#customer-attach")
    async with page.expect_file_chooser() as chooser:
        await page.click("[data-attach='file']")
    await (await chooser.value).set_files(files=[{"name": "发票.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4"}])
    await expect(page.locator("#customer-messages .msg.out .file-chip", has_text="发票.pdf")).to_be_visible(timeout=STEP)
    await expect(page.locator("#customer-messages .msg.in")).not_to_have_count(answered, timeout=STEP)

    # Staff write in General as the supervisor.
    await page.click("[data-tab-button='staff']")
    await page.click("#topic-list .topic[data-thread-id='0']")
    await page.select_option("#staff-role", "supervisor")
    await page.fill("#staff-text", "/id")
    await page.press("#staff-text", "Enter")
    await expect(page.locator("#staff-messages .msg", has_text="/id")).to_contain_text("Sam Sun · 主管", timeout=STEP)
    await expect(page.locator("#staff-messages .msg.in .sender.bot").last).to_be_visible(timeout=STEP)
    await screenshot(page, "phone-4-general")

    # The clock moves an hour.
    await page.set_viewport_size(LAPTOP)
    before, shown = demo.clock.now(), await page.locator("#clock-now").inner_text()
    await page.click("#clock-hour")
    await expect(page.locator("#clock-now")).not_to_have_text(shown, timeout=STEP)
    assert 3590 < (demo.clock.now() - before).total_seconds() < 3700

    # The customer switches their Telegram to English; a new customer starts in it, with an empty chat.
    await page.select_option("#customer-language", "en")
    await expect(page.locator("#customer-select option:checked")).to_contain_text("(en)")
    await page.click("#new-customer")
    await expect(page.locator("#customer-select option")).to_have_count(2)
    await expect(page.locator("#customer-empty")).to_be_visible()
    assert [c["language_code"] for c in demo.state()["customers"]] == ["en", "en"]

    # Reset: everything is gone, and the restarted bot answers again.
    page.once("dialog", lambda dialog: dialog.accept())
    await page.click("#reset")
    await expect(page.locator("body")).to_have_attribute("data-generation", "1", timeout=STEP)
    await expect(page.locator("#starting")).to_be_hidden(timeout=120_000)
    await expect(page.locator("#customer-select option")).to_have_count(1)
    await expect(page.locator("#topic-list .topic")).to_have_count(1)
    await expect(page.locator("#customer-messages .msg")).to_have_count(0)
    assert demo.state()["generation"] == 1 and demo.state()["ready"]
    await page.fill("#customer-text", "/start")
    await page.press("#customer-text", "Enter")
    await expect(page.locator("#customer-messages .msg.in").first).to_be_visible(timeout=STEP)
    await screenshot(page, "laptop-6-after-reset")

    # The staff group's language is the deployment file's; changing it starts the desk again in it.
    page.once("dialog", lambda dialog: dialog.accept())
    await page.select_option("#group-locale", "en")
    await expect(page.locator("#starting")).to_be_visible()
    await expect(page.locator("body")).to_have_attribute("data-generation", "2", timeout=STEP)
    await expect(page.locator("#starting")).to_be_hidden(timeout=120_000)
    await expect(page.locator("#group-locale")).to_have_value("en")
    assert demo.state()["generation"] == 2 and demo.state()["group_locale"] == "en"
    assert 'group_locale = "en"' in (demo.workdir / "kesu.toml").read_text(encoding="utf-8")
    assert page.errors == []  # type: ignore[attr-defined]
