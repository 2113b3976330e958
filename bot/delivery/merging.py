"""Follow-ups merged while a group's budget is short: the customer's text messages waiting
one after another at the head of their case's thread go out as one group message, so a
burst costs the group one of its 20 messages a minute instead of one each.

Only when the group has no token ready (otherwise each goes on its own, at once), only plain
text relays with nothing sent yet, and only as many as fit in one Telegram message. The
token is taken first and the thread's queue read again after it: what the customer wrote
while it waited joins too. Every row is marked sent with the one group message's id in the
transaction that records it; the message is linked to the case (a staff reply to it reaches
the customer) and each part's own "passed on" is sent only then. Order within the case is
kept: a run stops at the first row that is anything else.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence

from aiogram import Bot

from bot.delivery.limits import SendRateLimiter
from bot.delivery.split import TELEGRAM_TEXT_LIMIT
from bot.delivery.telegram_calls import IntentExecutor
from bot.i18n import Renderer
from core.clock import Clock
from core.intents import Purpose, SendMessage, decode_intent
from core.services.delivery_effects import after_delivery
from core.storage.models import OutboxMessage
from core.storage.uow import UnitOfWorkFactory

log = logging.getLogger("kesu.delivery")

SEPARATOR = "\n\n"


def _follow_up(row: OutboxMessage) -> SendMessage | None:
    """The row as a customer's text relay that may join a merged message, or None."""
    if row.method != "send_message" or row.parts_sent or row.chat_id >= 0:
        return None
    intent = decode_intent(row.method, row.chat_id, row.locale, row.payload)
    if not isinstance(intent, SendMessage) or intent.route is None or intent.route.purpose != Purpose.RELAY or intent.ack is None:
        return None
    if intent.buttons or intent.force_reply:
        return None
    return intent


class FollowUpMerger:
    LOOK_AHEAD = 20

    def __init__(
        self, bot: Bot, renderer: Renderer, limiter: SendRateLimiter, uow_factory: UnitOfWorkFactory, clock: Clock, executor: IntentExecutor,
    ) -> None:
        self._bot = bot
        self._renderer = renderer
        self._limiter = limiter
        self._uow_factory = uow_factory
        self._clock = clock
        self._executor = executor

    def _run(self, rows: Sequence[OutboxMessage]) -> list[tuple[OutboxMessage, SendMessage, str]]:
        """The longest run of follow-ups from the first row on that fits in one message."""
        run: list[tuple[OutboxMessage, SendMessage, str]] = []
        length = 0
        for row in rows:
            intent = _follow_up(row)
            if intent is None or row.next_attempt_at > self._clock.now():
                break
            if run and intent.route != run[0][1].route:
                break
            text = self._renderer.render(intent.text, intent.locale)
            length += len(text) + (len(SEPARATOR) if run else 0)
            if length > TELEGRAM_TEXT_LIMIT:
                break
            run.append((row, intent, text))
        return run

    async def deliver(self, rows: Sequence[OutboxMessage]) -> set[int]:
        """Sends the follow-ups at the head of `rows` as one message when the group must wait
        for its budget; the ids of the rows sent (none: deliver the head as usual)."""
        head = rows[0]
        # The budget first: with a token ready (most rows) nothing is decoded or rendered here.
        if self._limiter.seconds_until_ready(head.chat_id) <= 0 or not self._run(rows[:1]):
            return set()
        await self._limiter.acquire(head.chat_id)
        # While it waited, the customer may have written more.
        async with self._uow_factory() as uow:
            fresh = list(await uow.outbox.pending_in_conversation(head.chat_id, head.conversation, limit=self.LOOK_AHEAD))
        run = self._run(fresh) if fresh and fresh[0].id == head.id else []
        if not run:
            return set()  # the row went meanwhile, or changed: the usual path decides (one token spent)
        first = run[0][1]
        try:
            placement = await self._executor.placement(first.route, None, first.chat_id)
            sent = await self._bot.send_message(head.chat_id, SEPARATOR.join(text for _r, _i, text in run), parse_mode="HTML", **placement.kwargs())
        except Exception as error:
            # The usual path sends the head alone and reads the failure (429, 5xx, a lost thread).
            log.info("merged follow-ups not sent; sending one by one", extra={"chat": head.chat_id, "error": f"{type(error).__name__}: {error}"})
            return set()
        async with self._uow_factory() as uow:
            now = self._clock.now()
            for index, (row, intent, _text) in enumerate(run):
                await uow.outbox.record_part_sent(row, sent.message_id, now)
                # One group message, linked once to the case; each part's customer hears it arrived.
                await after_delivery(uow, intent, [sent.message_id] if index == 0 else [])
            await uow.commit()
        if len(run) > 1:
            log.info("follow-ups merged", extra={"chat": head.chat_id, "conversation": head.conversation, "rows": len(run), "message": sent.message_id})
        return {row.id for row, _i, _t in run}
