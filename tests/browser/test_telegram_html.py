"""The page renders bot text as Telegram does: the allowed tags become elements, everything else
stays visible text, and nothing in it can run."""
from __future__ import annotations

from typing import AsyncIterator

import pytest
from aiohttp import web

from demo.web import STATIC

RENDER = """async (html) => {
  const { renderTelegramHtml } = await import("/static/telegram_html.js");
  const holder = document.createElement("div");
  holder.append(renderTelegramHtml(html));
  document.body.append(holder);
  const elements = [...holder.querySelectorAll("*")].map((node) => ({
    tag: node.tagName.toLowerCase(),
    attributes: Object.fromEntries([...node.attributes].map((a) => [a.name, a.value])),
    text: node.textContent,
  }));
  return { elements, text: holder.textContent, pwned: Boolean(window.pwned) };
}"""


@pytest.fixture
async def static_site() -> AsyncIterator[str]:
    """Only the page's static files: rendering needs no bot."""
    app = web.Application()
    app.router.add_static("/static/", STATIC)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


@pytest.fixture
async def page(browser, static_site):
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{static_site}/static/i18n/en.json")
    yield page
    await context.close()


async def render(page, html: str) -> dict:
    return await page.evaluate(RENDER, html)


async def test_every_tag_telegram_allows_becomes_an_element(page) -> None:
    html = ("<b>b</b><strong>strong</strong><i>i</i><em>em</em><u>u</u><ins>ins</ins><s>s</s><strike>strike</strike>"
            "<del>del</del><code>code</code><pre>pre</pre><blockquote>quote</blockquote><tg-spoiler>t</tg-spoiler>"
            '<span class="tg-spoiler">span</span><a href="https://example.com/x?a=1&amp;b=2">link</a>')
    result = await render(page, html)
    tags = [e["tag"] for e in result["elements"]]
    assert tags == ["b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "code", "pre", "blockquote",
                    "span", "span", "a"]
    assert [e["attributes"] for e in result["elements"] if e["tag"] == "span"] == [{"class": "tg-spoiler"}] * 2
    [link] = [e for e in result["elements"] if e["tag"] == "a"]
    assert link["attributes"] == {"href": "https://example.com/x?a=1&b=2", "target": "_blank",
                                  "rel": "noopener noreferrer"}
    assert result["text"] == "bstrongiemuinssstrikedelcodeprequotetspanlink"


HOSTILE = [
    ('<script>window.pwned = 1</script>', '<script>window.pwned = 1</script>'),
    ('<img src="x" onerror="window.pwned = 1">', '<img src="x" onerror="window.pwned = 1">'),
    ('<svg onload="window.pwned = 1"></svg>', '<svg onload="window.pwned = 1"></svg>'),
    ('<span style="color:red" onclick="window.pwned = 1">t</span>', '<span style="color:red" onclick="window.pwned = 1">t</span>'),
    ('<iframe src="javascript:window.pwned = 1"></iframe>', '<iframe src="javascript:window.pwned = 1"></iframe>'),
    ('&lt;b&gt;not bold&lt;/b&gt; &amp;amp; &#60;i&#62;', '<b>not bold</b> &amp; <i>'),
]


async def test_anything_else_stays_text_and_never_runs(page) -> None:
    for html, shown in HOSTILE:
        result = await render(page, html)
        assert (result["elements"], result["text"], result["pwned"]) == ([], shown, False), html


async def test_attributes_are_kept_only_where_telegram_has_them(page) -> None:
    result = await render(page, '<a href="javascript:window.pwned=1" onclick="window.pwned=1">x</a>'
                                '<a href="tg://user?id=1">Ann</a><b class="x" onmouseover="y">b</b>'
                                '<pre><code class="language-python">print()</code></pre>')
    anchors = [e["attributes"] for e in result["elements"] if e["tag"] == "a"]
    assert anchors == [{"class": "tg-mention"}, {"class": "tg-mention"}]
    assert [e["attributes"] for e in result["elements"] if e["tag"] == "b"] == [{}]
    assert [e["attributes"] for e in result["elements"] if e["tag"] == "code"] == [{"class": "language-python"}]
    assert result["pwned"] is False


async def test_misnested_and_unclosed_tags_keep_their_text(page) -> None:
    result = await render(page, "<b>bold <i>both</b> after</i> <u>open to the end")
    assert result["text"] == "bold both after</i> open to the end"
    assert [(e["tag"], e["text"]) for e in result["elements"]] == [("b", "bold both"), ("i", "both"),
                                                                   ("u", "open to the end")]
