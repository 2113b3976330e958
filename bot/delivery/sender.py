"""Outbox sender: pending rows -> Bot API calls, in order per chat, within Telegram's limits.

Woken at once when a transaction commits outbox rows; also wakes on its own for retries
and for rows another process wrote. Each chat is drained by one task so its messages
keep their order; a row that must wait (429, backoff) holds back the rows behind it.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta

from aiogram import Bot
from aiogram.exceptions import (
    RestartingTelegram,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)

from bot.backoff import jittered_delay
from bot.delivery.limits import SendRateLimiter
from bot.delivery.telegram_calls import IntentExecutor, MissingTarget
from bot.i18n import Renderer
from core.clock import Clock
from core.intents import CopyMessage, Intent, SendMessage, decode_intent
from core.services.delivery_effects import after_delivery, after_final_failure
from core.storage.models import OutboxMessage
from core.storage.uow import UnitOfWorkFactory

log = logging.getLogger("kesu.delivery")

TRANSIENT = (TelegramServerError, TelegramNetworkError, RestartingTelegram, TelegramUnauthorizedError, asyncio.TimeoutError)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 12
    backoff_base_seconds: float = 1.0
    backoff_cap_seconds: float = 300.0

    def delay(self, attempts: int) -> float:
        return jittered_delay(attempts, self.backoff_base_seconds, self.backoff_cap_seconds)


class OutboxSender:
    CHAT_BATCH = 20

    def __init__(
        self,
        bot: Bot,
        uow_factory: UnitOfWorkFactory,
        renderer: Renderer,
        limiter: SendRateLimiter,
        clock: Clock,
        retry: RetryPolicy = RetryPolicy(),
        idle_recheck_seconds: float = 5.0,
        batch: int = 500,
    ) -> None:
        self._uow_factory = uow_factory
        self._limiter = limiter
        self._executor = IntentExecutor(bot, renderer, limiter, uow_factory)
        self._clock = clock
        self._retry = retry
        self._idle_recheck = idle_recheck_seconds
        self._batch = batch
        self._wake = asyncio.Event()
        self._chat_tasks: dict[int, asyncio.Task[None]] = {}

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        stop_waiter = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                self._wake.clear()
                try:
                    wait_seconds = await self._dispatch_due_chats()
                except Exception:
                    log.exception("outbox scan failed")
                    wait_seconds = self._idle_recheck
                wake_waiter = asyncio.ensure_future(self._wake.wait())
                await asyncio.wait({wake_waiter, stop_waiter}, timeout=wait_seconds, return_when=asyncio.FIRST_COMPLETED)
                wake_waiter.cancel()
        finally:
            stop_waiter.cancel()
            await self._finish_chat_tasks()

    async def _finish_chat_tasks(self) -> None:
        tasks = list(self._chat_tasks.values())
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=5)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    async def _dispatch_due_chats(self) -> float:
        """Start a drain task for each chat whose head row is due; seconds until the next one."""
        async with self._uow_factory() as uow:
            heads = await uow.outbox.pending_chats(self._batch)
        now = self._clock.now()
        wait = self._idle_recheck
        for chat_id, due_at in heads:
            if chat_id in self._chat_tasks:
                continue
            if due_at <= now:
                self._chat_tasks[chat_id] = asyncio.create_task(self._drain_chat(chat_id))
            else:
                wait = min(wait, (due_at - now).total_seconds())
        return max(wait, 0.01)

    async def _drain_chat(self, chat_id: int) -> None:
        row: OutboxMessage | None = None
        try:
            while True:
                async with self._uow_factory() as uow:
                    rows = await uow.outbox.pending_for_chat(chat_id, limit=self.CHAT_BATCH)
                for row in rows:
                    if row.next_attempt_at > self._clock.now():
                        return
                    if not await self._deliver(row):
                        return  # postponed: the rows behind it wait too
                if len(rows) < self.CHAT_BATCH:
                    return
        except Exception as error:
            log.exception("delivery to chat failed unexpectedly", extra={"chat": chat_id})
            await self._back_off_after_fault(row, error)
        finally:
            self._chat_tasks.pop(chat_id, None)
            self.wake()

    async def _back_off_after_fault(self, row: OutboxMessage | None, error: Exception) -> None:
        """An unexpected fault (a bug, the database away) must not spin: push the row back."""
        try:
            if row is not None:
                await self._retry_later(row, None, f"{type(error).__name__}: {error}")
        except Exception:
            log.exception("could not postpone the row; pausing the chat", extra={"chat": row.chat_id if row else None})
            await asyncio.sleep(self._idle_recheck)

    async def _deliver(self, row: OutboxMessage) -> bool:
        """Sends one row; False when it was postponed (a 429 or a retry later)."""
        intent = decode_intent(row.method, row.chat_id, row.locale, row.payload)

        async def part_sent(message_id: int, is_last: bool) -> None:
            async with self._uow_factory() as uow:
                await uow.outbox.record_part_sent(row, message_id, self._clock.now() if is_last else None)
                if is_last:
                    await after_delivery(uow, intent, list(row.sent_message_ids))
                await uow.commit()

        try:
            outcome = await self._executor.execute(row, intent, part_sent)
            if not isinstance(intent, (SendMessage, CopyMessage)):  # those record each part as it goes
                async with self._uow_factory() as uow:
                    await uow.outbox.finish(row.id, "sent", self._clock.now())
                    await after_delivery(uow, intent, outcome.message_ids, outcome.thread_id)
                    await uow.commit()
            return True
        except TelegramRetryAfter as error:
            await self._postpone_chat(row, error.retry_after, error.message)
            return False
        except TRANSIENT as error:
            return await self._retry_later(row, intent, f"{type(error).__name__}: {error}")
        except TelegramForbiddenError as error:
            await self._finish(row, intent, "failed", f"blocked: {error.message}")
        except TelegramBadRequest as error:
            await self._bad_request(row, intent, error)
        except MissingTarget as error:
            await self._finish(row, intent, "failed", f"missing_target: {error}")
        return True

    async def _finish(self, row: OutboxMessage, intent: Intent, status: str, error: str | None = None) -> None:
        async with self._uow_factory() as uow:
            await uow.outbox.finish(row.id, status, self._clock.now(), error)
            if status == "failed":
                await after_final_failure(uow, intent, error or "")
            await uow.commit()
        if status == "failed":
            log.warning("outbox row failed for good", extra={"row": row.id, "chat": row.chat_id, "reason": error})

    async def _postpone_chat(self, row: OutboxMessage, seconds: float, error: str) -> None:
        self._limiter.delay_chat(row.chat_id, seconds)
        until = self._clock.now() + timedelta(seconds=seconds)
        async with self._uow_factory() as uow:
            await uow.outbox.retry_later(row.id, until, f"429: {error}", count_attempt=False)
            await uow.outbox.delay_chat(row.chat_id, until)
            await uow.commit()
        log.info("rate limited by Telegram", extra={"chat": row.chat_id, "retry_after": seconds})

    async def _retry_later(self, row: OutboxMessage, intent: Intent | None, error: str) -> bool:
        """Schedules another attempt, or gives up; True when the row is finished for good."""
        attempts = row.attempts + 1
        gave_up = attempts >= self._retry.max_attempts
        async with self._uow_factory() as uow:
            if gave_up:
                reason = f"gave up after {attempts} attempts: {error}"
                await uow.outbox.finish(row.id, "failed", self._clock.now(), reason)
                if intent is not None:
                    await after_final_failure(uow, intent, reason)
            else:
                when = self._clock.now() + timedelta(seconds=self._retry.delay(attempts))
                await uow.outbox.retry_later(row.id, when, error)
            await uow.commit()
        log.warning("delivery will be retried" if not gave_up else "delivery given up", extra={"row": row.id, "chat": row.chat_id, "attempt": attempts, "error": error})
        return gave_up

    async def _bad_request(self, row: OutboxMessage, intent: Intent, error: TelegramBadRequest) -> None:
        text = error.message.lower()
        if "message is not modified" in text or "topic_not_modified" in text:
            # The change is already there (e.g. made just before a restart): done, not failed.
            await self._finish(row, intent, "sent")
        elif "chat not found" in text:
            await self._finish(row, intent, "failed", f"chat_not_found: {error.message}")
        else:
            log.error("Telegram refused an outbox row", extra={"row": row.id, "chat": row.chat_id, "error": error.message})
            await self._finish(row, intent, "failed", f"bad_request: {error.message}")
