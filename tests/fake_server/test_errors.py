"""Error responses carry Telegram's real status codes and descriptions."""
from __future__ import annotations

import aiohttp
import pytest

from .conftest import TOKEN
from .images import jpeg_header, png


def bad(description: str) -> tuple[int, dict]:
    return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {description}"}


NOT_MODIFIED = ("message is not modified: specified new message content and reply markup are exactly the same "
                "as a current content and reply markup of the message")


async def test_text_length_counts_visible_utf16_units(server, api) -> None:
    user = server.create_user()
    # Markup does not count; an emoji outside the BMP counts twice.
    assert (await api("sendMessage", chat_id=user.chat_id, text="<b>" + "x" * 4096 + "</b>",
                      parse_mode="HTML"))[0] == 200
    assert (await api("sendMessage", chat_id=user.chat_id, text="😀" * 2048))[0] == 200
    assert await api("sendMessage", chat_id=user.chat_id, text="😀" * 2048 + "x") == bad("message is too long")
    assert await api("sendMessage", chat_id=user.chat_id, text="x" * 4097) == bad("message is too long")
    long_caption = "c" * 1025
    _, photo = await api("sendPhoto", chat_id=user.chat_id, photo=user.send_photo()["message"]["photo"][0]["file_id"])
    assert photo["ok"]
    fid = photo["result"]["photo"][-1]["file_id"]
    assert await api("sendPhoto", chat_id=user.chat_id, photo=fid, caption=long_caption) == bad(
        "message caption is too long")
    assert (await api("sendPhoto", chat_id=user.chat_id, photo=fid, caption="<i>" + "c" * 1024 + "</i>",
                      parse_mode="HTML"))[0] == 200


@pytest.mark.parametrize(("text", "error"), [
    ("<b>unclosed", 'Can\'t find end tag corresponding to start tag "b"'),
    ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
    ("hi <br> there", 'Unsupported start tag "br" at byte offset 3'),
    ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
    ("price<5", "Unclosed start tag at byte offset 5"),
    ("日本 <x>", 'Unsupported start tag "x" at byte offset 7'),
    ("x</b>", "Unexpected end tag at byte offset 1"),
    ('<span class="bold">x</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ("Tom & Jerry", 'Unescaped "&" at byte offset 4; use "&amp;"'),
    ("&foo; bar", 'Unescaped "&" at byte offset 0; use "&amp;"'),
])
async def test_broken_html(server, api, text: str, error: str) -> None:
    user = server.create_user()
    assert await api("sendMessage", chat_id=user.chat_id, text=text, parse_mode="HTML") == bad(
        f"can't parse entities: {error}")
    assert server.bot_messages(user.chat_id) == []


async def test_valid_html_entities_and_lenient_ampersand(server, api) -> None:
    user = server.create_user()
    ok = "&lt;a&gt; &amp; &quot;q&quot; &#169; &#x1F600; <tg-spoiler>s</tg-spoiler> <span class=\"tg-spoiler\">t</span>"
    status, body = await api("sendMessage", chat_id=user.chat_id, text=ok, parse_mode="HTML")
    assert status == 200 and body["result"]["text"] == '<a> & "q" © 😀 s t'
    assert [e["type"] for e in body["result"]["entities"]] == ["spoiler", "spoiler"]
    server.strict_html_ampersand = False  # the real Bot API keeps a bare "&"
    status, body = await api("sendMessage", chat_id=user.chat_id, text="Tom & Jerry", parse_mode="HTML")
    assert status == 200 and body["result"]["text"] == "Tom & Jerry"


@pytest.mark.parametrize(("text", "error"), [
    ("Order 42.", "Character '.' is reserved and must be escaped with the preceding '\\'"),
    ("*bold", "Can't find end of Bold entity at byte offset 0"),
    ("[link](https://x", "Can't find end of a URL at byte offset 7"),
])
async def test_broken_markdown_v2(server, api, text: str, error: str) -> None:
    user = server.create_user()
    assert await api("sendMessage", chat_id=user.chat_id, text=text, parse_mode="MarkdownV2") == bad(
        f"can't parse entities: {error}")


async def test_broken_legacy_markdown(server, api) -> None:
    user = server.create_user()
    assert await api("sendMessage", chat_id=user.chat_id, text="a *b", parse_mode="Markdown") == bad(
        "can't parse entities: Can't find end of the entity starting at byte offset 2")


async def test_message_errors(server, api) -> None:
    user = server.create_user()
    assert await api("sendMessage", chat_id=user.chat_id, text="") == bad("message text is empty")
    assert await api("sendMessage", chat_id=user.chat_id, text=" \n ") == bad("message text is empty")
    assert await api("sendMessage", chat_id=user.chat_id, text="<b></b>", parse_mode="HTML") == bad(
        "message text is empty")
    assert await api("sendMessage", chat_id=999, text="hi") == bad("chat not found")
    assert await api("sendMessage", chat_id="@nobody", text="hi") == bad("chat not found")
    assert await api("sendMessage", chat_id=user.chat_id, text="hi", parse_mode="BBCode") == bad(
        "unsupported parse_mode")
    assert await api("sendMessage", chat_id=user.chat_id, text="hi",
                     reply_parameters={"message_id": 77}) == bad("message to be replied not found")
    status, _ = await api("sendMessage", chat_id=user.chat_id, text="hi",
                          reply_parameters={"message_id": 77, "allow_sending_without_reply": True})
    assert status == 200


async def test_button_errors(server, api) -> None:
    user = server.create_user()

    def keyboard(button: dict) -> dict:
        return {"inline_keyboard": [[{"text": "b", **button}]]}

    assert await api("sendMessage", chat_id=user.chat_id, text="x",
                     reply_markup=keyboard({"callback_data": "d" * 65})) == bad("BUTTON_DATA_INVALID")
    # 64 bytes is the limit in bytes, not characters.
    assert await api("sendMessage", chat_id=user.chat_id, text="x",
                     reply_markup=keyboard({"callback_data": "投" * 22})) == bad("BUTTON_DATA_INVALID")
    assert (await api("sendMessage", chat_id=user.chat_id, text="x",
                      reply_markup=keyboard({"callback_data": "d" * 64})))[0] == 200
    assert await api("sendMessage", chat_id=user.chat_id, text="x", reply_markup=keyboard({})) == bad(
        "text buttons are unallowed in the inline keyboard")


async def test_edit_and_delete_errors(server, api) -> None:
    user = server.create_user()
    markup = {"inline_keyboard": [[{"text": "a", "callback_data": "a"}]]}
    _, sent = await api("sendMessage", chat_id=user.chat_id, text="<b>Same</b>", parse_mode="HTML",
                        reply_markup=markup)
    mid = sent["result"]["message_id"]
    assert await api("editMessageText", chat_id=user.chat_id, message_id=mid, text="<b>Same</b>",
                     parse_mode="HTML", reply_markup=markup) == bad(NOT_MODIFIED)
    assert await api("editMessageReplyMarkup", chat_id=user.chat_id, message_id=mid,
                     reply_markup=markup) == bad(NOT_MODIFIED)
    # Same text but without the keyboard is a modification (it removes the keyboard).
    assert (await api("editMessageText", chat_id=user.chat_id, message_id=mid, text="<b>Same</b>",
                      parse_mode="HTML"))[0] == 200
    assert await api("editMessageText", chat_id=user.chat_id, message_id=999, text="x") == bad(
        "message to edit not found")
    own = user.send_text("mine")["message"]["message_id"]
    assert await api("editMessageText", chat_id=user.chat_id, message_id=own, text="x") == bad(
        "message can't be edited")
    assert await api("deleteMessage", chat_id=user.chat_id, message_id=999) == bad("message to delete not found")
    assert (await api("deleteMessage", chat_id=user.chat_id, message_id=mid))[0] == 200
    assert await api("deleteMessage", chat_id=user.chat_id, message_id=mid) == bad("message to delete not found")
    assert await api("editMessageText", chat_id=user.chat_id, message_id=mid, text="y") == bad(
        "message to edit not found")
    assert await api("copyMessage", chat_id=user.chat_id, from_chat_id=user.chat_id, message_id=999) == bad(
        "message to copy not found")


async def test_callback_query_errors(server, api) -> None:
    user = server.create_user()
    _, sent = await api("sendMessage", chat_id=user.chat_id, text="?",
                        reply_markup={"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]})
    query_id = user.press_button(sent["result"]["message_id"], "go")["callback_query"]["id"]
    assert (await api("answerCallbackQuery", callback_query_id=query_id))[0] == 200
    invalid = bad("query is too old and response timeout expired or query ID is invalid")
    assert await api("answerCallbackQuery", callback_query_id=query_id) == invalid
    assert await api("answerCallbackQuery", callback_query_id="123") == invalid


async def test_forum_errors(server, api) -> None:
    plain = server.create_group(title="Plain")
    user = server.create_user()
    assert await api("createForumTopic", chat_id=plain.id, name="x") == bad("the chat is not a forum")
    assert await api("createForumTopic", chat_id=user.chat_id, name="x") == bad("the chat is not a forum")
    forum = server.create_group(title="Forum", forum=True)
    assert await api("closeForumTopic", chat_id=forum.id, message_thread_id=5) == bad("message thread not found")
    assert await api("sendMessage", chat_id=forum.id, text="x", message_thread_id=5) == bad(
        "message thread not found")
    _, created = await api("createForumTopic", chat_id=forum.id, name="T")
    tid = created["result"]["message_thread_id"]
    assert (await api("closeForumTopic", chat_id=forum.id, message_thread_id=tid))[0] == 200
    assert await api("closeForumTopic", chat_id=forum.id, message_thread_id=tid) == bad("TOPIC_NOT_MODIFIED")
    assert await api("editForumTopic", chat_id=forum.id, message_thread_id=tid, name="T") == bad(
        "TOPIC_NOT_MODIFIED")


async def test_file_errors(server, api) -> None:
    user = server.create_user()
    document_id = user.send_document()["message"]["document"]["file_id"]
    assert await api("sendPhoto", chat_id=user.chat_id, photo="nonsense") == bad(
        "wrong file identifier/HTTP URL specified")
    assert await api("sendPhoto", chat_id=user.chat_id, photo=document_id) == bad(
        "can't use file of type Document as Photo")
    assert await api("getFile", file_id="nonsense") == bad("invalid file_id")


@pytest.mark.parametrize(("data", "answer"), [
    (b"not an image", bad("IMAGE_PROCESS_FAILED")),
    (png(6001, 4000), bad("PHOTO_INVALID_DIMENSIONS")),  # width and height over 10000 together
    (png(2100, 100), bad("PHOTO_INVALID_DIMENSIONS")),  # a ratio over 20
    (jpeg_header(1280, 960) + b"\x00" * (10 * 1024 * 1024), bad("PHOTO_SAVE_FILE_INVALID")),  # over 10 MB
    (png(2000, 100), None),  # a ratio of exactly 20 is allowed
    (jpeg_header(640, 480), None),
])
async def test_uploaded_photos_are_checked_like_telegram_checks_them(server, http, data, answer) -> None:
    user = server.create_user()
    form = aiohttp.FormData()
    form.add_field("chat_id", str(user.chat_id))
    form.add_field("photo", data, filename="chart.png")
    async with http.post(f"{server.base_url}/bot{TOKEN}/sendPhoto", data=form) as response:
        body = await response.json()
        status = response.status
    if answer is not None:
        assert (status, body) == answer
    else:
        assert status == 200 and body["result"]["photo"][-1]["file_size"] == len(data)


async def test_an_upload_over_50_mb_is_too_large(server, http) -> None:
    user = server.create_user()
    form = aiohttp.FormData()
    form.add_field("chat_id", str(user.chat_id))
    form.add_field("document", b"x" * (50 * 1024 * 1024 + 1), filename="big.bin")
    async with http.post(f"{server.base_url}/bot{TOKEN}/sendDocument", data=form) as response:
        assert response.status == 413 and (await response.json())["description"] == "Request Entity Too Large"


async def test_blocked_user_gets_403_until_unblocked(server, api) -> None:
    user = server.create_user()
    user.block_bot()
    blocked = (403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"})
    assert await api("sendMessage", chat_id=user.chat_id, text="hi") == blocked
    assert await api("sendPhoto", chat_id=user.chat_id, photo="x") == blocked
    user.unblock_bot()
    assert (await api("sendMessage", chat_id=user.chat_id, text="hi"))[0] == 200


async def test_user_who_never_started_the_bot(server, api) -> None:
    user = server.create_user(started_bot=False)
    assert await api("sendMessage", chat_id=user.chat_id, text="hi") == (
        403, {"ok": False, "error_code": 403, "description": "Forbidden: bot can't initiate conversation with a user"})
    user.send_command("/start")
    assert (await api("sendMessage", chat_id=user.chat_id, text="hi"))[0] == 200


async def test_unknown_method_token_and_unauthorized(server, api) -> None:
    assert await api("sendTelepathy") == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    unauthorized = (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    assert await api("getMe", _token="999:WRONG") == unauthorized
    server.set_unauthorized(True)
    assert await api("getMe") == unauthorized
    assert await api("getUpdates") == unauthorized
    server.set_unauthorized(False)
    assert (await api("getMe"))[0] == 200
    assert [c.outcome for c in server.calls if c.method == "getMe"] == [
        "401: Unauthorized", "401: Unauthorized", "ok"]
    assert TOKEN not in str([c.params for c in server.calls])


async def test_a_group_without_reactions_refuses_them(server, api, aiogram_bot) -> None:
    from aiogram.exceptions import TelegramBadRequest
    from aiogram.types import ReactionTypeEmoji

    group = server.create_group(title="Desk")
    _, sent = await api("sendMessage", chat_id=group.id, text="hi")
    mid = sent["result"]["message_id"]
    thumbs = [{"type": "emoji", "emoji": "👍"}]
    assert (await api("setMessageReaction", chat_id=group.id, message_id=mid, reaction=thumbs))[0] == 200
    assert server.bot_messages(group.id)[0]["_reactions"] == thumbs
    group.available_reactions = ["👍"]
    assert await api("setMessageReaction", chat_id=group.id, message_id=mid,
                     reaction=[{"type": "emoji", "emoji": "👌"}]) == bad("REACTION_INVALID")
    group.available_reactions = []
    assert await api("setMessageReaction", chat_id=group.id, message_id=mid, reaction=thumbs) == bad("REACTION_INVALID")
    with pytest.raises(TelegramBadRequest) as refused:
        await aiogram_bot.set_message_reaction(group.id, mid, [ReactionTypeEmoji(emoji="👌")])
    assert refused.value.message == "Bad Request: REACTION_INVALID"
    assert server.bot_messages(group.id)[0]["_reactions"] == thumbs  # the refused ones changed nothing
