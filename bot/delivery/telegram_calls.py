"""Turns one outbox intent into Bot API calls; placement in case threads is resolved here."""
from __future__ import annotations

import asyncio
import html
from dataclasses import dataclass, field
from typing import Awaitable, Callable

from aiogram import Bot
from aiogram.types import (
    BotCommandScopeChat,
    BufferedInputFile,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    KeyboardButton,
    ReactionTypeEmoji,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
)

from bot.delivery.commands_menu import customer_commands
from bot.delivery.limits import SendRateLimiter
from bot.delivery.split import split_html, truncate_html
from bot.i18n import Renderer
from bot.reports.charts import RENDER_THREAD, render_page
from bot.reports.files import ReportFiles
from core.intents import (
    AnswerCallback,
    Button,
    CaseRoute,
    SetTopicClosed,
    SendDocument,
    CopyMessage,
    CreateTopic,
    EditCard,
    EditTopic,
    Intent,
    Purpose,
    SendCharts,
    SendMessage,
    SendReportFile,
    SetChatCommands,
    SetReaction,
)
from core.storage.models import Case, OutboxMessage
from core.storage.uow import UnitOfWorkFactory

TOPIC_NAME_LIMIT = 128
CAPTION_LIMIT = 1024


class MissingTarget(Exception):
    """The message to edit or the topic to post in does not exist (an earlier row failed)."""


class CaseMoved(Exception):
    """The row's case has moved to another handler group: what was waiting for it here was
    queued again there (core/services/case_moves.py), so this row is not sent."""


@dataclass
class Outcome:
    message_ids: list[int] = field(default_factory=list)
    thread_id: int | None = None


@dataclass
class Placement:
    message_thread_id: int | None = None
    reply_to: int | None = None

    def kwargs(self) -> dict[str, object]:
        values: dict[str, object] = {}
        if self.message_thread_id is not None:
            values["message_thread_id"] = self.message_thread_id
        if self.reply_to is not None:
            values["reply_parameters"] = ReplyParameters(message_id=self.reply_to, allow_sending_without_reply=True)
        return values


PartSent = Callable[[int, bool], Awaitable[None]]


class IntentExecutor:
    def __init__(self, bot: Bot, renderer: Renderer, limiter: SendRateLimiter, uow_factory: UnitOfWorkFactory) -> None:
        self._bot = bot
        self._renderer = renderer
        self._limiter = limiter
        self._uow_factory = uow_factory
        # Set once the desk is known (its calendar and categories make the export's figures).
        self.report_files: ReportFiles | None = None

    async def _case(self, case_id: int) -> Case | None:
        async with self._uow_factory() as uow:
            return await uow.cases.get(case_id)

    async def placement(self, route: CaseRoute | None, thread_id: int | None, chat_id: int | None = None) -> Placement:
        if route is None or not route.in_thread:
            return Placement(message_thread_id=thread_id)
        case = await self._case(route.case_id)
        if case is None:
            raise MissingTarget(f"case {route.case_id} not found")
        if chat_id is not None and case.group_chat_id not in (None, chat_id):
            raise CaseMoved(f"case {route.case_id} moved to {case.group_chat_id}")
        if case.thread_id is not None:
            return Placement(message_thread_id=case.thread_id)
        if route.purpose != "card" and case.card_message_id is not None:
            return Placement(reply_to=case.card_message_id)  # plain group: under the card
        return Placement()

    def _markup(self, intent: SendMessage | EditCard) -> object:
        if intent.buttons:
            return _inline(self._renderer, intent.buttons, intent.locale)
        if isinstance(intent, SendMessage):
            if intent.contact_button:
                label = self._renderer.render_label(intent.contact_button, intent.locale)
                return ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text=label, request_contact=True)]], resize_keyboard=True, one_time_keyboard=True)
            if intent.remove_keyboard:
                return ReplyKeyboardRemove()
            if intent.force_reply:
                return ForceReply()
        return None

    async def execute(self, row: OutboxMessage, intent: Intent, part_sent: PartSent) -> Outcome:
        if isinstance(intent, SendMessage):
            return await self._send_message(row, intent, part_sent)
        if isinstance(intent, CopyMessage):
            return await self._copy_message(row, intent, part_sent)
        if isinstance(intent, EditCard):
            case = await self._case(intent.case_id)
            if case is None or case.card_message_id is None:
                raise MissingTarget(f"case {intent.case_id} has no card")
            await self._limiter.acquire(intent.chat_id, spare=True)  # a refresh yields to relays
            await self._bot.edit_message_text(
                text=truncate_html(self._renderer.render(intent.text, intent.locale)),
                chat_id=intent.chat_id,
                message_id=case.card_message_id,
                parse_mode="HTML",
                reply_markup=self._markup(intent),
            )
            return Outcome([case.card_message_id])
        if isinstance(intent, CreateTopic):
            name = html.unescape(self._renderer.render(intent.name, intent.locale))[:TOPIC_NAME_LIMIT]
            topic = await self._bot.create_forum_topic(intent.chat_id, name)
            return Outcome(thread_id=topic.message_thread_id)
        if isinstance(intent, EditTopic):
            case = await self._case(intent.case_id)
            if case is None or case.thread_id is None:
                raise MissingTarget(f"case {intent.case_id} has no topic")
            name = html.unescape(self._renderer.render(intent.name, intent.locale))[:TOPIC_NAME_LIMIT]
            await self._bot.edit_forum_topic(intent.chat_id, case.thread_id, name=name)
            return Outcome()
        if isinstance(intent, SetTopicClosed):
            case = await self._case(intent.case_id)
            if case is None or case.thread_id is None:
                raise MissingTarget(f"case {intent.case_id} has no topic")
            if intent.closed:
                await self._bot.close_forum_topic(intent.chat_id, case.thread_id)
            else:
                await self._bot.reopen_forum_topic(intent.chat_id, case.thread_id)
            return Outcome()
        if isinstance(intent, SetReaction):
            await self._bot.set_message_reaction(intent.chat_id, intent.message_id, [ReactionTypeEmoji(emoji=intent.emoji)])
            return Outcome()
        if isinstance(intent, AnswerCallback):
            text = self._renderer.render(intent.text, intent.locale) if intent.text else None
            await self._bot.answer_callback_query(
                intent.callback_query_id, text=html.unescape(text) if text else None, show_alert=intent.show_alert or None
            )
            return Outcome()
        if isinstance(intent, SendDocument):
            await self._limiter.acquire(intent.chat_id)
            sent = await self._bot.send_document(
                intent.chat_id,
                BufferedInputFile(intent.content.encode("utf-8"), filename=intent.file_name),
                caption=self._renderer.render(intent.caption, intent.locale),
                parse_mode="HTML",
            )
            return Outcome([sent.message_id])
        if isinstance(intent, SendCharts):
            return await self._send_charts(intent)
        if isinstance(intent, SendReportFile):
            if self.report_files is None:
                raise RuntimeError("report files are not served by this process yet")
            content = await self.report_files.make(intent)
            await self._limiter.acquire(intent.chat_id)
            sent = await self._bot.send_document(
                intent.chat_id,
                BufferedInputFile(content, filename=intent.file_name),
                caption=truncate_html(self._renderer.render(intent.caption, intent.locale), CAPTION_LIMIT),
                parse_mode="HTML",
                **Placement(message_thread_id=intent.thread_id).kwargs(),
            )
            return Outcome([sent.message_id])
        if isinstance(intent, SetChatCommands):
            await self._bot.set_my_commands(customer_commands(self._renderer, intent.locale), scope=BotCommandScopeChat(chat_id=intent.chat_id))
            return Outcome()
        raise TypeError(f"cannot execute {intent!r}")

    async def _send_charts(self, intent: SendCharts) -> Outcome:
        """The pictures are drawn now, off the event loop: the row holds only their figures."""
        label = self._renderer.labels(intent.locale)

        def draw() -> list[bytes]:
            return [render_page(page, intent.locale, label) for page in intent.pages]

        images = await asyncio.get_running_loop().run_in_executor(RENDER_THREAD, draw)
        caption = truncate_html(self._renderer.render(intent.caption, intent.locale), CAPTION_LIMIT)
        placement = Placement(message_thread_id=intent.thread_id).kwargs()
        for _ in images:
            await self._limiter.acquire(intent.chat_id)  # an album is one message per picture
        if len(images) == 1:
            sent = await self._bot.send_photo(
                intent.chat_id, BufferedInputFile(images[0], filename="report-1.png"), caption=caption, parse_mode="HTML", **placement
            )
            return Outcome([sent.message_id])
        album = [
            InputMediaPhoto(
                media=BufferedInputFile(image, filename=f"report-{n}.png"),
                caption=caption if n == 1 else None,
                parse_mode="HTML" if n == 1 else None,
            )
            for n, image in enumerate(images, start=1)
        ]
        messages = await self._bot.send_media_group(intent.chat_id, album, **placement)
        return Outcome([m.message_id for m in messages])

    async def _send_message(self, row: OutboxMessage, intent: SendMessage, part_sent: PartSent) -> Outcome:
        text = self._renderer.render(intent.text, intent.locale)
        # A card stays one message: it is edited in place and carries the buttons.
        is_card = intent.route is not None and intent.route.purpose == Purpose.CARD
        parts = [truncate_html(text)] if is_card else split_html(text)
        placement = await self.placement(intent.route, intent.thread_id, intent.chat_id)
        markup = self._markup(intent)
        for index in range(row.parts_sent, len(parts)):
            await self._limiter.acquire(row.chat_id)
            is_last = index == len(parts) - 1
            sent = await self._bot.send_message(
                row.chat_id, parts[index], parse_mode="HTML", reply_markup=markup if is_last else None, **placement.kwargs()
            )
            await part_sent(sent.message_id, is_last)
        return Outcome(list(row.sent_message_ids))

    async def _copy_message(self, row: OutboxMessage, intent: CopyMessage, part_sent: PartSent) -> Outcome:
        caption = self._renderer.render(intent.caption, intent.locale) if intent.caption else None
        # Over Telegram's caption limit the copy carries the first part; the rest follows as text.
        parts: list[str | None] = (split_html(caption, CAPTION_LIMIT) if caption else []) or [None]
        placement = await self.placement(intent.route, None, intent.chat_id)
        for index in range(row.parts_sent, len(parts)):
            await self._limiter.acquire(intent.chat_id)
            if index == 0:
                sent = await self._bot.copy_message(
                    intent.chat_id, intent.from_chat_id, intent.message_id, caption=parts[0], parse_mode="HTML", **placement.kwargs()
                )
            else:
                sent = await self._bot.send_message(intent.chat_id, parts[index], parse_mode="HTML", **placement.kwargs())
            await part_sent(sent.message_id, index == len(parts) - 1)
        return Outcome(list(row.sent_message_ids))


def _inline(renderer: Renderer, rows: tuple[tuple[Button, ...], ...], locale: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=renderer.render_label(b.label, locale), callback_data=b.data) for b in row] for row in rows
        ]
    )
