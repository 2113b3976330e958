"""A real aiogram Bot and Dispatcher work against the fake server unchanged."""
from __future__ import annotations

import asyncio

import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramConflictError, TelegramForbiddenError
from aiogram.filters import CommandStart
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from .conftest import TOKEN
from .images import png


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=t, callback_data=d)] for t, d in pairs])


async def test_bot_methods(server, aiogram_bot: Bot) -> None:
    user = server.create_user(first_name="Li")
    sent = await aiogram_bot.send_message(user.chat_id, "<b>Hi</b>", parse_mode="HTML",
                                          reply_markup=keyboard(("OK", "ok")))
    assert (sent.text, sent.entities[0].type, sent.from_user.is_bot) == ("Hi", "bold", True)
    # aiogram sends form data; recorded parameters are typed the same as for JSON bodies.
    params = server.calls[-1].params
    assert params["chat_id"] == user.chat_id and params["reply_markup"]["inline_keyboard"][0][0]["text"] == "OK"
    assert server.bot_messages(user.chat_id)[0]["_params"]["parse_mode"] == "HTML"

    update = user.press_button_text(sent.message_id, "OK")
    [fetched] = await aiogram_bot.get_updates(timeout=0)
    assert fetched.update_id == update["update_id"] and fetched.callback_query.data == "ok"
    assert await aiogram_bot.answer_callback_query(fetched.callback_query.id, text="Noted")
    assert server.callback_answers[-1]["text"] == "Noted"

    edited = await aiogram_bot.edit_message_text("Done", chat_id=user.chat_id, message_id=sent.message_id)
    assert edited.text == "Done" and edited.reply_markup is None
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await aiogram_bot.edit_message_text("Done", chat_id=user.chat_id, message_id=sent.message_id)

    group = server.create_group(title="Desk", forum=True)
    topic = await aiogram_bot.create_forum_topic(group.id, "Complaint #1")
    in_topic = await aiogram_bot.send_message(group.id, "new", message_thread_id=topic.message_thread_id)
    assert in_topic.is_topic_message and in_topic.message_thread_id == topic.message_thread_id

    user.block_bot()
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await aiogram_bot.send_message(user.chat_id, "hello?")


async def test_upload_and_download(server, aiogram_bot: Bot) -> None:
    user = server.create_user()
    sent = await aiogram_bot.send_document(user.chat_id, BufferedInputFile(b"report body", filename="report.txt"),
                                           caption="Your report")
    assert sent.document.file_name == "report.txt" and sent.caption == "Your report"
    photo = await aiogram_bot.send_photo(user.chat_id, BufferedInputFile(png(1080, 1350), filename="p.png"))
    downloaded = await aiogram_bot.download(photo.photo[-1].file_id)
    assert downloaded.read() == png(1080, 1350)
    assert (photo.photo[-1].width, photo.photo[-1].height) == (1080, 1350) and (photo.photo[0].width, photo.photo[0].height) == (72, 90)
    incoming = user.send_voice(data=b"OggS voice")["message"]["voice"]["file_id"]
    assert (await aiogram_bot.download(incoming)).read() == b"OggS voice"
    album = await aiogram_bot.send_media_group(user.chat_id, media=[
        {"type": "photo", "media": BufferedInputFile(png(1, 1), filename="1.png")},
        {"type": "photo", "media": BufferedInputFile(png(2, 2), filename="2.png"), "caption": "two"},
    ])
    assert len(album) == 2 and album[1].caption == "two"


async def test_commands_and_default_parse_mode(server) -> None:
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(server.base_url)),
              default=DefaultBotProperties(parse_mode="HTML"))
    try:
        await bot.set_my_commands([BotCommand(command="start", description="Start")],
                                  scope=BotCommandScopeChat(chat_id=42), language_code="zh")
        assert server.my_commands == {('{"chat_id": 42, "type": "chat"}', "zh"): [
            {"command": "start", "description": "Start"}]}
        user = server.create_user()
        message = await bot.send_message(user.chat_id, "<i>formatted</i>")
        assert message.text == "formatted" and message.entities[0].type == "italic"
        with pytest.raises(TelegramBadRequest, match="can't parse entities"):
            await bot.send_message(user.chat_id, "a < b")
    finally:
        await bot.session.close()


async def test_conflicting_pollers(server, aiogram_bot: Bot) -> None:
    first = asyncio.create_task(aiogram_bot.get_updates(timeout=30))
    await server.wait_for(lambda: any(c.method == "getUpdates" and c.outcome == "pending" for c in server.calls))
    second = asyncio.create_task(aiogram_bot.get_updates(timeout=30))
    with pytest.raises(TelegramConflictError):
        await asyncio.wait_for(first, 5)
    server.create_user().send_text("x")
    assert len(await asyncio.wait_for(second, 5)) == 1


async def test_dispatcher_polling_end_to_end(server) -> None:
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(server.base_url)))
    dp = Dispatcher()

    @dp.message(CommandStart())
    async def start(message: Message) -> None:
        markup = keyboard(("File a complaint", "new"))
        await message.answer(f"Hello, {message.from_user.first_name}!", reply_markup=markup)

    @dp.callback_query(F.data == "new")
    async def new(query: CallbackQuery) -> None:
        await query.answer()
        await query.message.edit_text("Describe the problem.")

    @dp.message(F.photo)
    async def photo(message: Message) -> None:
        file = await bot.get_file(message.photo[-1].file_id)
        data = await bot.download_file(file.file_path)
        await message.reply(f"Got {len(data.read())} bytes")

    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=10))
    try:
        user = server.create_user(first_name="Li")
        cursor = server.cursor(user.chat_id)
        user.send_command("/start")
        [greeting] = await server.wait_for_messages(user.chat_id, 1, after=cursor)
        assert greeting["text"] == "Hello, Li!"

        user.press_button(greeting["message_id"], "new")
        await server.wait_for(lambda: server.callback_answers and server.bot_messages(user.chat_id)[0]["_edits"])
        [edited] = server.bot_messages(user.chat_id)
        assert edited["text"] == "Describe the problem." and "reply_markup" not in edited

        cursor = server.cursor(user.chat_id)
        sent = user.send_photo(data=b"12345")
        [reply] = await server.wait_for_messages(user.chat_id, 1, after=cursor)
        assert reply["text"] == "Got 5 bytes"
        assert reply["reply_to_message"]["message_id"] == sent["message"]["message_id"]
    finally:
        await dp.stop_polling()
        await asyncio.wait_for(polling, 10)
