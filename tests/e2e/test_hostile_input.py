"""Hostile text through the real process: markup, lone `<` and `&`, invisible and
right-to-left characters, emoji and combining marks, a NUL byte, 5000 characters, and
words that look like the bot's own notices, in every free-text field and in names.

Every message the bot sends must be accepted by the (strict) fake Bot API server, the
reader must see the text as written (plain, not markup; long texts whole, split over
several messages), and the database must hold exactly what was sent.

NUL: Telegram's clients and Bot API server (tdlib) turn control characters into spaces,
so a bot never receives a NUL in practice; the fake server passes it through, and the
bot must neither fail nor drop the text after it.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, AsyncIterator

import opencc
import pytest

from tests.e2e.conversation import Conversation
from tests.e2e.harness import wait_outbox_settled
from tests.e2e.staffed import Staffed, case_row, file_complaint, filed_case, query_dicts, running, setup_staffed, staff_post
from tests.e2e.test_lifecycle import press_in_group

pytestmark = pytest.mark.e2e

NUMBER = re.compile(r"KS-\d{8}-\d{4}")
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024


def u16(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def fit(text: str, units: int) -> str:
    """The longest start of `text` within `units` UTF-16 code units, ending in a non-space."""
    while u16(text) > units or text[-1:].isspace():
        text = text[:-1]
    return text


_UNIT = "The lid <b>cracked</b> &amp; & < > 👍🏽 e\u0301 a\u200bb \u202eevil; *x* [l](http://x). "
_BODY = (_UNIT * (5000 // len(_UNIT) + 1))[:4999].rstrip()
LONG = _BODY + "x" * (4999 - len(_BODY)) + "!"
assert len(LONG) == 5000

HOSTILE = [
    ("open_tag", "<b>x"),
    ("close_tag", "</i>"),
    ("js_link", '<a href="javascript:x">y</a>'),
    ("markdown", "*bold* _it_ [l](http://x)"),
    ("lt", "<"),
    ("amp", "&"),
    ("entity", "&amp;"),
    ("zero_width", "zero\u200bwidth\u200djoin"),
    ("rtl", "invoice\u202efdp.exe"),
    ("emoji", "👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 🇨🇳"),
    ("combining", "e\u0301 Z\u0335\u0321\u034e\u0306 ก\u0e34\u0e49"),
    ("nul", "before\x00after"),
    ("format", "{number} {text} {0} %s {{x}}"),
    ("mimic_notice", "✅ 客户接受了解决方案。"),
    ("mimic_proposal", "💡 KS-20261125-0001 · our proposed solution:"),
    ("long", LONG),
]
SHORT = [text for name, text in HOSTILE if name != "long"]
# Also used as first names: within Telegram's 64 characters.
NAMES = SHORT
assert all(u16(name) <= 64 for name in NAMES)
LONG_CAPTION = fit(LONG, CAPTION_LIMIT)

FORMATTING = {
    "bold", "italic", "underline", "strikethrough", "spoiler", "text_link", "text_mention",
    "code", "pre", "blockquote", "expandable_blockquote", "custom_emoji",
}


# --- the deployment -----------------------------------------------------------------------

def references_toml(count: int) -> str:
    """`count` optional free-text reference fields, r0, r1, ... (no pattern: up to 200 characters)."""
    lines = ["", "[intake]", "max_statement_messages = 40", ""]
    for i in range(count):
        lines += [
            "[[intake.references]]",
            f'key = "r{i}"',
            "required = false",
            f'label = {{ zh_Hans = "R{i}", zh_Hant = "R{i}", en = "R{i}" }}',
            f'prompt = {{ zh_Hans = "请发送参考 {i}。", zh_Hant = "請傳送參考 {i}。", en = "Please send reference {i}." }}',
            "",
        ]
    return "\n".join(lines)


@pytest.fixture
async def desk(fake_server, tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[Staffed]:
    """A forum handler group; with param True, one free-text reference field per short hostile text."""
    staffed = setup_staffed(fake_server, tmp_path, forum=True)
    config = tmp_path / "kesu.toml"
    # One customer here sends far more than a person would in a minute.
    extra = "\n[abuse]\nmessages_per_minute = 10000\n"
    if getattr(request, "param", False):
        extra += references_toml(len(SHORT))
    config.write_text(config.read_text(encoding="utf-8") + extra, encoding="utf-8")
    async with running(staffed):
        yield staffed


# --- what the reader sees -----------------------------------------------------------------

def shown(message: dict[str, Any]) -> str:
    return message.get("text") or message.get("caption") or ""


def assert_unformatted(message: dict[str, Any], start: int, end: int) -> None:
    """No formatting entity touches shown(message)[start:end]: the text was not taken as markup."""
    body = shown(message)
    lo, hi = u16(body[:start]), u16(body[:end])
    entities = message.get("entities") or message.get("caption_entities") or []
    for entity in entities:
        if entity["type"] in FORMATTING:
            assert entity["offset"] + entity["length"] <= lo or entity["offset"] >= hi, (entity, body[start:end][:80])


def assert_plain(message: dict[str, Any], text: str, context: str = "") -> None:
    """`context + text` is in the message verbatim, and `text` is plain text there."""
    body = shown(message)
    index = body.find(context + text)
    assert index >= 0, f"{(context + text)[:80]!r} not in {body[:300]!r}"
    start = index + len(context)
    assert_unformatted(message, start, start + len(text))


def assert_shows(messages: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    """`text` is shown as written: in one message, or split over consecutive ones whose
    parts join up to it (only whitespace at the cuts dropped). Returns the messages used."""
    bodies = [shown(m) for m in messages]
    for message, body in zip(messages, bodies):
        if text in body:
            assert_plain(message, text)
            return [message]
    head = text[:40]
    first = next((i for i, body in enumerate(bodies) if head in body), None)
    assert first is not None, f"{head!r} not shown in {[b[:80] for b in bodies]}"
    position, used = 0, []
    for k in range(first, len(messages)):
        body = bodies[k]
        start = body.index(head) if k == first else 0
        piece = body[start:]
        while position < len(text) and text[position].isspace():
            position += 1
        rest = text[position:]
        used.append(messages[k])
        assert u16(body) <= (TEXT_LIMIT if "text" in messages[k] else CAPTION_LIMIT)
        if piece.startswith(rest):
            assert_unformatted(messages[k], start, start + len(rest))
            return used
        assert rest.startswith(piece), f"part {k - first} is not the next piece: {piece[:60]!r} vs {rest[:60]!r}"
        assert_unformatted(messages[k], start, len(body))
        position += len(piece)
    raise AssertionError(f"the text stops after {position} of {len(text)} characters")


def squash(text: str) -> str:
    return "".join(text.split())


async def bot_said(desk: Staffed, chat_id: int, after: int, text: str, timeout: float = 20) -> list[dict[str, Any]]:
    """Waits until the bot's messages in the chat after index `after` show all of `text`."""
    wanted = squash(text)

    def done() -> list[dict[str, Any]] | None:
        messages = desk.server.bot_messages(chat_id)[after:]
        return messages if wanted in squash("".join(shown(m) for m in messages)) else None

    try:
        return await desk.server.wait_for(done, timeout=timeout)
    except TimeoutError as error:
        got = [shown(m)[:200] for m in desk.server.bot_messages(chat_id)[after:]]
        raise AssertionError(f"{text[:60]!r} not shown in chat {chat_id}; got {got}; {error}") from None


async def group_said(desk: Staffed, after: int, text: str) -> list[dict[str, Any]]:
    return await bot_said(desk, desk.group_id, after, text)


async def customer_got(desk: Staffed, talk: Conversation, text: str) -> list[dict[str, Any]]:
    """The customer's new messages once they show all of `text`; the cursor moves past them."""
    messages = await bot_said(desk, talk.user.chat_id, talk.cursor, text)
    talk.cursor += len(messages)
    return messages


async def group_message(desk: Staffed, after: int, predicate) -> dict[str, Any]:
    def found() -> dict[str, Any] | None:
        return next((m for m in desk.group_messages()[after:] if predicate(shown(m))), None)

    return await desk.server.wait_for(found, timeout=20)


# --- what is stored -----------------------------------------------------------------------

def event_details(desk: Staffed, case_id: int, action: str) -> list[dict[str, Any]]:
    found = query_dicts(desk, "SELECT detail FROM case_events WHERE case_id = ? AND action = ? ORDER BY id", case_id, action)
    return [json.loads(r["detail"]) for r in found]


def first_name(desk: Staffed, user_id: int) -> str:
    return query_dicts(desk, "SELECT first_name FROM users WHERE id = ?", user_id)[0]["first_name"]


async def assert_nothing_refused(desk: Staffed) -> None:
    """Every call the bot made was accepted; no outbox row failed; no update failed."""
    await wait_outbox_settled(desk.database_url)
    refused = [
        (c.method, c.outcome, str(c.params.get("text") or c.params.get("caption") or "")[:120])
        for c in desk.server.calls
        # An unchanged card edit is answered "not modified"; the bot takes that as done.
        if c.method != "getUpdates" and c.outcome != "ok" and "message is not modified" not in c.outcome
    ]
    assert not refused, refused
    assert not query_dicts(desk, "SELECT method, last_error FROM outbox WHERE status = 'failed'")
    errors = [r for r in desk.bot.log_records() if r.get("level") in ("ERROR", "CRITICAL")]
    assert not errors, errors


# --- the intake ---------------------------------------------------------------------------

CUSTOMER_NAME = '<b>Li</b> & "Wu" \u202e😀'


@pytest.mark.parametrize("desk", [True], ids=["free_text_references"], indirect=True)
async def test_intake_fields_are_stored_and_shown_as_written(desk: Staffed) -> None:
    server = desk.server
    customer = server.create_user(first_name=CUSTOMER_NAME, language_code="en")
    talk = Conversation(server, customer)
    first = await talk.send("/new", replies=2)
    await talk.press(first[-1], "Product quality")

    # The statement: one message per hostile text, then evidence with hostile captions.
    for text in [t for _, t in HOSTILE]:
        [progress] = await talk.send(text)
        assert "reply_markup" in progress
    captions = [*SHORT, LONG_CAPTION]
    for caption in captions:
        [progress] = await talk.act(lambda caption=caption: customer.send_photo(caption=caption))
    [reference] = await talk.press(progress, "Done")
    assert reference["text"].startswith("Please send reference 0.")

    # Reference fields: too long is refused (and nothing kept), the rest kept as written.
    [refused] = await talk.send(LONG)
    assert "R0" in refused["text"]
    draft = json.loads(query_dicts(desk, "SELECT data FROM intake_drafts WHERE user_id = ?", customer.id)[0]["data"])
    assert draft["references"] == {}
    for i, text in enumerate(SHORT):
        [reply] = await talk.send(text)
        draft = json.loads(query_dicts(desk, "SELECT data FROM intake_drafts WHERE user_id = ?", customer.id)[0]["data"])
        assert draft["references"][f"r{i}"] == text
        if i + 1 < len(SHORT):
            assert reply["text"].startswith(f"Please send reference {i + 1}.")
    assert "contact" in reply["text"].lower()
    _saved, summary = await talk.send("skip", replies=2)
    for i, text in enumerate(SHORT):
        assert_plain(summary, text, context=f"R{i}: ")
    assert_plain(summary, "\n".join(SHORT[:3]))  # the statement's start, read back

    # The "other" resolution's note: each text read back whole, and kept in the draft.
    [resolution] = await talk.send("confirm")
    await talk.press(resolution, "Something else")
    for _, text in HOSTILE:
        customer.send_text(text)
        echo = await customer_got(desk, talk, text)
        assert "reply_markup" in echo[-1]  # submit / change, under the last part
        assert_shows(echo, text)
        draft = json.loads(query_dicts(desk, "SELECT data FROM intake_drafts WHERE user_id = ?", customer.id)[0]["data"])
        assert draft["resolution_note"] == text
    [submitted] = await talk.send("submit")
    number = NUMBER.search(submitted["text"]).group(0)

    # The card and the evidence in the case's topic.
    await server.wait_for(lambda: case_row(desk, number)["card_message_id"] is not None and len(desk.group_messages()) >= 1 + len(captions))
    case = case_row(desk, number)
    [card] = [m for m in desk.group_messages() if m["message_id"] == case["card_message_id"]]
    assert card.get("reply_markup"), "the card is one message, with its buttons"
    assert u16(card["text"]) <= TEXT_LIMIT
    assert_plain(card, CUSTOMER_NAME, context="客户：")
    assert_plain(card, "\n".join(SHORT))  # the statement, as far as the card shows it
    for i, text in enumerate(SHORT):
        assert_plain(card, text, context=f"R{i}：")
    assert_plain(card, LONG[:200], context="期望的解决方式：其他 ")
    # Edited in place after a claim: still one message, buttons and all.
    await press_in_group(desk, desk.agent, card, "认领")
    await server.wait_for(lambda: "负责人：Agent Ann" in next(m["text"] for m in desk.group_messages() if m["message_id"] == card["message_id"]))
    [card] = [m for m in desk.group_messages() if m["message_id"] == card["message_id"]]
    assert card.get("reply_markup") and u16(card["text"]) <= TEXT_LIMIT
    assert_plain(card, "\n".join(SHORT))
    copies = [m for m in desk.group_messages() if "photo" in m]
    assert [m.get("caption") for m in copies] == captions
    for copy, caption in zip(copies, captions):
        assert_plain(copy, caption)

    # Stored byte for byte.
    assert case["statement"] == "\n".join(t for _, t in HOSTILE)
    assert json.loads(case["reference_values"]) == {f"r{i}": text for i, text in enumerate(SHORT)}
    assert (case["resolution"], case["resolution_note"]) == ("other", LONG)
    stored = query_dicts(desk, "SELECT caption FROM case_evidence WHERE case_id = ? ORDER BY id", case["id"])
    assert [r["caption"] for r in stored] == captions
    assert first_name(desk, customer.id) == CUSTOMER_NAME
    await assert_nothing_refused(desk)


# --- relays both ways, notes, names and staff commands -----------------------------------

async def test_relays_notes_and_names_arrive_whole_and_unchanged(desk: Staffed) -> None:
    server = desk.server
    customer, talk, number, card = await filed_case(desk)
    case = case_row(desk, number)
    texts = [t for _, t in HOSTILE]
    thread = {"message_thread_id": case["thread_id"]}

    # Customer -> thread, under a new hostile name each time.
    name = customer.first_name
    for text in texts:
        if text in NAMES:
            name = customer.first_name = text
        before = len(desk.group_messages())
        [passed] = await talk.send(text)
        assert passed["text"] == f"✓ Passed on to the team handling {number}."
        relayed = await group_said(desk, before, text)
        assert_plain(relayed[0], name, context="👤 ")
        assert_shows(relayed, text)
        if text != LONG:
            assert [shown(m) for m in relayed] == [f"👤 {name} · {number}：\n{text}"]
        assert first_name(desk, customer.id) == name
    # Media after filing: the caption reaches the thread too.
    for caption in [*SHORT, LONG_CAPTION]:
        before = len(desk.group_messages())
        await talk.act(lambda caption=caption: customer.send_photo(caption=caption))
        relayed = await group_said(desk, before, caption)
        assert "photo" in relayed[0]
        assert_shows(relayed, caption)
    # The card, edited after a claim, names the customer as they are called now.
    await press_in_group(desk, desk.agent, card, "认领")
    await customer_got(desk, talk, f"Your complaint {number} has been accepted")
    await server.wait_for(lambda: "负责人：Agent Ann" in next(shown(m) for m in desk.group_messages() if m["message_id"] == card["message_id"]))
    assert_plain(next(m for m in desk.group_messages() if m["message_id"] == card["message_id"]), name, context="客户：")

    # With two open cases the message waits for the customer to say which: nothing is lost.
    second = await file_complaint(talk, "A second complaint, about the delivery.")
    held_caption, held_text = "<i>held</i> & \x00 ✅ 客户接受了解决方案。", "<b>held</b> &amp; \u202e"
    for act, words in ((lambda: customer.send_photo(caption=held_caption), held_caption), (lambda: customer.send_text(held_text), held_text)):
        [question] = await talk.act(act)
        assert question["text"] == "You have more than one open complaint. Which one is this message about?"
        before = len(desk.group_messages())
        await talk.press(question, number)
        relayed = await group_said(desk, before, words)
        assert ("photo" in relayed[0]) == (words == held_caption)
        assert_shows(relayed, words)
    [which] = await talk.send("/withdraw")
    [confirm] = await talk.press(which, second)
    await talk.press(confirm, "Yes, withdraw it")
    customer_texts = [d.get("text") for d in event_details(desk, case["id"], "customer_message")]
    assert customer_texts == [*texts, *SHORT, LONG_CAPTION, held_caption, held_text]

    # Staff -> customer (who reads English: no conversion), text and captions.
    for text in texts:
        staff_post(desk, desk.agent, text, case, card)
        got = await customer_got(desk, talk, text)
        assert shown(got[0]).startswith(f"💬 {number} · from our team:\n")
        assert_shows(got, text)
        if text != LONG:
            assert [shown(m) for m in got] == [f"💬 {number} · from our team:\n{text}"]
    for caption in [*SHORT, LONG_CAPTION]:
        desk.agent.send_photo(caption=caption, chat=desk.group, **thread)
        got = await customer_got(desk, talk, caption)
        assert "photo" in got[0] and shown(got[0]).startswith(f"💬 {number} · from our team\n")
        assert_shows(got, caption)
    staff_texts = [d.get("text") for d in event_details(desk, case["id"], "staff_reply")]
    assert staff_texts == [*texts, *SHORT, LONG_CAPTION]

    # Internal notes, both ways of writing them: kept as written, shown by /case.
    for text in texts:
        staff_post(desk, desk.agent, f"/note {text}", case, card)
        staff_post(desk, desk.agent, f"#note {text}", case, card)
    before = len(desk.group_messages())
    staff_post(desk, desk.agent, "/case", case, card)
    header = await group_message(desk, before, lambda body: body.startswith(f"📋 {number}"))
    await wait_outbox_settled(desk.database_url)  # /case is one outbox row: all its parts are out
    history = desk.group_messages()[desk.group_messages().index(header):]
    assert all(m.get("message_thread_id") == case["thread_id"] for m in history)
    lines = [line for m in history for line in shown(m).split("\n")]
    for text in SHORT:
        # customer message, caption, staff reply, staff caption, /note, #note
        assert sum(line.endswith(" " + text) for line in lines) >= 6, text
    for k, message in enumerate(history):
        body = shown(message)
        start = body.index("处理记录\n") + len("处理记录\n") if k == 0 else 0  # the headings aside
        assert_unformatted(message, start, len(body))
    assert squash("".join(shown(m) for m in history)).count(squash(LONG)) == 4  # message, reply, two notes
    assert sum(f" · {name} · " in line for line in lines) >= len(texts) + len(SHORT) + 3  # the customer's lines
    notes = [d["text"] for d in event_details(desk, case["id"], "note")]
    assert notes == [t for t in texts for _ in range(2)]

    # /find echoes the query as written.
    for text in texts:
        before = len(desk.group_messages())
        staff_post(desk, desk.agent, f"/find {text}", case, card)
        got = await group_said(desk, before, text)
        assert_shows(got, text)
        if text != LONG:
            assert [shown(m) for m in got] == [f"没有与“{text}”相符的案件。"]

    # A customer reading Traditional Chinese: staff text converted, nothing else changed.
    customer.language_code = "zh-hk"
    [menu] = await talk.send("/language")
    await talk.press(menu, "繁體中文")
    to_traditional = opencc.OpenCC("s2twp")
    for text in texts:
        staff_post(desk, desk.agent, text, case, card)
        expected = "\x00".join(to_traditional.convert(piece) for piece in text.split("\x00"))
        got = await customer_got(desk, talk, expected)
        assert shown(got[0]).startswith(f"💬 {number} · 客服回覆：\n")
        assert_shows(got, expected)
    traditional = "<b>後來</b> & 謝謝 \x00 帳戶"
    before = len(desk.group_messages())
    await talk.send(traditional)
    relayed = await group_said(desk, before, traditional)
    assert [shown(m) for m in relayed] == [f"👤 {name} · {number}：\n{traditional}\n（转换）<b>后来</b> & 谢谢 \x00 帐户"]
    assert_plain(relayed[0], traditional)
    assert_plain(relayed[0], "<b>后来</b> & 谢谢 \x00 帐户")
    await assert_nothing_refused(desk)


# --- prompts, the customer's answers, ratings and the resolution record --------------------

async def next_group_message(desk: Staffed, after: int, starts: str) -> tuple[int, dict[str, Any]]:
    """The first bot message in the group from index `after` whose text starts with `starts`."""
    def found() -> tuple[int, dict[str, Any]] | None:
        messages = desk.group_messages()
        return next(((i, m) for i, m in enumerate(messages) if i >= after and shown(m).startswith(starts)), None)

    return await desk.server.wait_for(found, timeout=20)


async def reply_to_prompt(desk: Staffed, staff, prompt: dict[str, Any], text: str, case: dict[str, Any]) -> None:
    # The prompt's link to the case is written when its send is recorded, just after
    # Telegram accepted it; a reply faster than that would be taken as words for the customer.
    await wait_outbox_settled(desk.database_url)
    staff.send_text_in(desk.group, text, reply_to_message_id=prompt["message_id"], message_thread_id=case["thread_id"])


async def prompted(desk: Staffed, staff, card: dict[str, Any], action_label: str, text: str, case: dict[str, Any]) -> None:
    """A card button that asks for a text, and the staff member's reply to the question."""
    before = len(desk.group_messages())
    await press_in_group(desk, staff, card, action_label)
    prompt = await desk.server.wait_for(
        lambda: next((m for m in desk.group_messages()[before:] if m.get("_reply_markup") == {"force_reply": True}), None)
    )
    await reply_to_prompt(desk, staff, prompt, text, case)


async def group_notice(desk: Staffed, after: int, starts: str, text: str) -> list[dict[str, Any]]:
    """The bot's notice starting with `starts` (from index `after`) and what follows it,
    once `text` is shown whole there."""
    at, _ = await next_group_message(desk, after, starts)
    messages = await group_said(desk, at, text)
    assert shown(messages[0]).startswith(starts)
    return messages


async def test_prompt_answers_ratings_and_records_round_by_round(desk: Staffed) -> None:
    """One round per hostile text: staff ask and propose with it (under it as their name),
    the customer rejects with it, staff propose again, the customer accepts, rates low and
    comments with it, staff fill the record with it, the customer reopens."""
    server, group = desk.server, desk.group
    customer, talk, number, card = await filed_case(desk)
    case = case_row(desk, number)
    thread = {"message_thread_id": case["thread_id"]}
    texts = [t for _, t in HOSTILE]

    def card_text() -> str:
        return next(shown(m) for m in desk.group_messages() if m["message_id"] == card["message_id"])

    await press_in_group(desk, desk.agent, card, "认领")
    await customer_got(desk, talk, f"Your complaint {number} has been accepted")
    for round_no, text in enumerate(texts):
        if text in NAMES:
            desk.agent.first_name = text
        name = desk.agent.first_name

        # Asked and proposed with it; the notice and the card carry the staff member's name.
        before = len(desk.group_messages())
        await prompted(desk, desk.agent, card, "询问", text, case)
        got = await customer_got(desk, talk, text)
        assert shown(got[0]).startswith(f"❓ {number} · we need a little more information to handle your complaint:\n")
        assert_shows(got, text)
        _, notice = await next_group_message(desk, before, "✓ ")
        assert shown(notice) == f"✓ {name} 已发送给客户。"
        assert_plain(notice, name)
        await server.wait_for(lambda: f"负责人：{name}\n" in card_text())
        assert first_name(desk, desk.agent.id) == name

        await prompted(desk, desk.agent, card, "提出方案", text, case)
        got = await customer_got(desk, talk, text)
        assert shown(got[0]).startswith(f"💡 {number} · our proposed solution:\n")
        assert_shows(got, text)

        # The customer says why not, in it.
        await talk.press(got[-1], "Not acceptable")
        before = len(desk.group_messages())
        [reopened] = await talk.send(text)
        assert reopened["text"].startswith(f"Thank you for telling us. Complaint {number} has been reopened")
        assert_shows(await group_notice(desk, before, "✖️ 客户不接受解决方案：", text), text)

        # Proposed again and accepted; rated low, with it as the comment.
        await prompted(desk, desk.agent, card, "提出方案", text, case)
        got = await customer_got(desk, talk, text)
        before = len(desk.group_messages())
        [rate] = await talk.press(got[-1], "Accept")
        assert rate["text"].startswith(f"Thank you. We have noted that you accept the solution for {number}")
        two_stars = rate["reply_markup"]["inline_keyboard"][0][1]["callback_data"]
        [sorry] = await talk.act(lambda: customer.press_button(rate["message_id"], two_stars))
        assert sorry["text"].startswith(f"We are sorry that we did not do better with {number}.")
        [noted] = await talk.send(text)
        assert noted["text"] == f"Thank you, your comment on {number} is recorded with your rating."
        assert_shows(await group_notice(desk, before, "💬 客户评分（2/5）附带的意见：", text), text)

        # The record, with it as every text answer (as a cost it is refused and echoed).
        at, prompt = await next_group_message(desk, before, f"📝 {number} 处理记录（1/6）")
        await press_in_group(desk, desk.agent, prompt, "部门")
        at, prompt = await next_group_message(desk, at, f"📝 {number} 处理记录（2/6）")
        await press_in_group(desk, desk.agent, prompt, "直接责任")
        if round_no == 0:
            # A staff message dressed as the bot's question, and a reply to it: words for the
            # customer, not an answer to the record.
            look_alike = f"📝 {number} 处理记录。（3/6）请回复这条消息，写下根本原因。"
            posted = desk.agent2.send_text_in(group, look_alike, **thread)
            desk.agent.send_text_in(group, "a fake cause", reply_to_message_id=posted["message"]["message_id"], **thread)
            got = await customer_got(desk, talk, "a fake cause")
            assert [shown(m) for m in got] == [f"💬 {number} · from our team:\n{look_alike}", f"💬 {number} · from our team:\na fake cause"]
            assert query_dicts(desk, "SELECT root_cause FROM resolution_records WHERE case_id = ?", case["id"]) == [{"root_cause": None}]
        for step, answer in (("（3/6）", text), ("（4/6）", text), ("（5/6）", text), ("（5/6）", "0"), ("（6/6）", text)):
            at, prompt = await next_group_message(desk, at, f"📝 {number} 处理记录。{step}")
            await reply_to_prompt(desk, desk.agent, prompt, answer, case)
            at += 1
            if answer == text and step == "（5/6）":
                assert_shows(await group_notice(desk, at, "无法识别“", text), text)
        _, done = await next_group_message(desk, at, f"✅ {number} 的处理记录已保存。")
        if text != LONG:
            for label in ("根本原因：", "补救：", "改进措施："):
                assert_plain(done, text, context=label)
        else:
            record = await group_notice(desk, at, f"✅ {number} 的处理记录已保存。", f"改进措施：{LONG}")
            assert squash("".join(shown(m) for m in record)).count(squash(LONG)) == 3
        await customer_got(desk, talk, f"Complaint {number} is resolved")

        # The customer reopens: the next round.
        [again] = await talk.press(noted, "Reopen")
        assert again["text"].startswith(f"Thank you for telling us. Complaint {number} has been reopened")

    # A supervisor rejects (the customer appeals), then terminates; each with hostile reasons.
    joined = "\n".join(SHORT)
    await prompted(desk, desk.supervisor, card, "不予受理", joined, case)
    got = await customer_got(desk, talk, joined)
    assert shown(got[0]).startswith(f"We are sorry: we cannot take up complaint {number}.\nThe reason: ")
    assert_shows(got, joined)
    await talk.press(got[-1], "Appeal")
    desk.supervisor.send_text_in(group, f"/terminate {LONG}", **thread)
    got = await customer_got(desk, talk, LONG)
    assert shown(got[0]).startswith(f"We have stopped handling complaint {number}.\nReason: ")
    assert_shows(got, LONG)
    assert case_row(desk, number)["stage"] == "terminated"

    # /case names the staff member as they are called now, on each of their lines.
    before = len(desk.group_messages())
    desk.agent.send_text_in(group, "/case", **thread)
    header = await group_message(desk, before, lambda body: body.startswith(f"📋 {number}"))
    await wait_outbox_settled(desk.database_url)
    history = desk.group_messages()[desk.group_messages().index(header):]
    lines = [line for m in history for line in shown(m).split("\n")]
    assert sum(f" · {desk.agent.first_name} · " in line for line in lines) >= 3 * len(texts)  # asked, proposed twice
    assert_plain(header, desk.agent.first_name, context="负责人：")

    # Stored byte for byte; the look-alike texts never passed for the bot's own notices.
    case_id = case["id"]
    assert [d["text"] for d in event_details(desk, case_id, "asked")] == texts
    assert [d["text"] for d in event_details(desk, case_id, "proposed")] == [t for t in texts for _ in range(2)]
    assert [d["reason"] for d in event_details(desk, case_id, "solution_rejected")] == texts
    assert [d["text"] for d in event_details(desk, case_id, "rating_comment")] == texts
    assert [d["text"] for d in event_details(desk, case_id, "rejected")] == [joined]
    assert [d["text"] for d in event_details(desk, case_id, "terminated")] == [LONG]
    ratings = query_dicts(desk, "SELECT round, stars, comment FROM case_ratings WHERE case_id = ? ORDER BY round", case_id)
    assert ratings == [{"round": 2 * i + 1, "stars": 2, "comment": t} for i, t in enumerate(texts)]
    records = query_dicts(desk, "SELECT root_cause, remedy, cost_cents, improvement FROM resolution_records WHERE case_id = ? ORDER BY round", case_id)
    assert records == [{"root_cause": t, "remedy": t, "cost_cents": 0, "improvement": t} for t in texts]
    assert sum(shown(m) == "✅ 客户接受了解决方案。" for m in desk.group_messages()) == len(texts)
    await assert_nothing_refused(desk)
