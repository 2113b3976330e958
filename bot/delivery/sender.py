"""Outbox sender: pending rows -> Bot API calls, in order per conversation, within Telegram's limits.

Woken at once when a transaction commits outbox rows, with their conversations: those are
started without reading the whole queue. The queue is scanned at start, when a conversation
stopped with rows left (a retry later, a 429, a lost claim), and on its own every few
seconds: for retries and for rows another process wrote. Each conversation
(core.delivery_order) is drained by one task so its messages keep their order; a row that
must wait (a retry, a missing card) holds back only the rows behind it in that
conversation. A 429 is about the chat's budget, so it pauses every conversation of that chat.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Iterable

from aiogram import Bot

from bot.backoff import jittered_delay
from bot.delivery.lane_claims import LaneLost, LocalLanes
from bot.delivery.failures import DONE, PERMANENT, RATE_LIMITED, Verdict, classify
from bot.delivery.limits import SendRateLimiter
from bot.delivery.merging import FollowUpMerger
from bot.delivery.telegram_calls import IntentExecutor, MissingTarget
from bot.i18n import Renderer
from bot.reports.files import ReportFiles
from core.clock import Clock
from core.delivery_order import COALESCING_METHODS, is_cosmetic, target_conversation
from core.intents import CopyMessage, Intent, SendMessage, decode_intent
from core.services.delivery_effects import after_delivery, after_final_failure
from core.storage.models import OutboxMessage
from core.storage.uow import UnitOfWorkFactory

log = logging.getLogger("kesu.delivery")

# How long after the row ahead of it a cosmetic row looks again for its card or topic.
TARGET_RECHECK = timedelta(seconds=0.5)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 12
    backoff_base_seconds: float = 1.0
    backoff_cap_seconds: float = 300.0

    def delay(self, attempts: int) -> float:
        return jittered_delay(attempts, self.backoff_base_seconds, self.backoff_cap_seconds)


Lane = tuple[int, str]  # (chat_id, conversation)


class OutboxSender:
    BATCH_PER_LANE = 20

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
        on_final_failure: Callable[[int, Verdict], None] | None = None,
        lanes: LocalLanes | None = None,
    ) -> None:
        """`on_final_failure(chat_id, verdict)`: told of every row that failed for good, after
        it was recorded (the handler group's watch looks at the group again). `lanes`: who may
        drain which conversation (bot/delivery/lane_claims.py; several instances claim them)."""
        self._uow_factory = uow_factory
        self._limiter = limiter
        self._executor = IntentExecutor(bot, renderer, limiter, uow_factory)
        self._merger = FollowUpMerger(bot, renderer, limiter, uow_factory, clock, self._executor)
        self._clock = clock
        self._retry = retry
        self._idle_recheck = idle_recheck_seconds
        self._batch = batch
        self._on_final_failure = on_final_failure
        self._claims = lanes or LocalLanes()
        self._wake = asyncio.Event()
        self._rescan = True
        # Conversations that got rows since they were last looked at; see wake().
        self._hinted: set[Lane] = set()
        self._lanes: dict[Lane, asyncio.Task[None]] = {}
        # Chats paused by a 429: lanes already running stop before their next row.
        self._paused_until: dict[int, datetime] = {}

    def wake(self, lanes: Iterable[Lane] | None = None) -> None:
        """`lanes`: the conversations a commit added rows to; without them the queue is scanned."""
        if lanes is None:
            self._rescan = True
        else:
            self._hinted.update(lanes)
        self._wake.set()

    def serve_reports(self, report_files: ReportFiles) -> None:
        """Report files (/export) are made when sent, from figures that need the desk."""
        self._executor.report_files = report_files

    async def run(self, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        stop_waiter = asyncio.ensure_future(stop.wait())
        next_scan = loop.time()
        try:
            while not stop.is_set():
                self._wake.clear()
                try:
                    if self._rescan or loop.time() >= next_scan:
                        self._rescan = False
                        self._hinted.clear()  # the scan finds them; hints that come during it stay
                        next_scan = loop.time() + await self._dispatch_due_lanes()
                    else:
                        await self._dispatch_hinted_lanes()
                except Exception:
                    log.exception("outbox scan failed")
                    next_scan = loop.time() + self._idle_recheck
                wake_waiter = asyncio.ensure_future(self._wake.wait())
                await asyncio.wait({wake_waiter, stop_waiter}, timeout=max(next_scan - loop.time(), 0),
                                   return_when=asyncio.FIRST_COMPLETED)
                wake_waiter.cancel()
        finally:
            stop_waiter.cancel()
            await self._finish_lanes()

    async def _finish_lanes(self) -> None:
        tasks = list(self._lanes.values())
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=5)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    def _paused(self, chat_id: int) -> bool:
        until = self._paused_until.get(chat_id)
        if until is None:
            return False
        if until <= self._clock.now():
            del self._paused_until[chat_id]
            return False
        return True

    async def _dispatch_due_lanes(self) -> float:
        """Start a drain task for each conversation whose head row is due; seconds until the next one."""
        async with self._uow_factory() as uow:
            heads = await uow.outbox.pending_conversations(self._batch)
        now = self._clock.now()
        wait = self._idle_recheck
        due: list[Lane] = []
        for chat_id, conversation, due_at in heads:
            lane = (chat_id, conversation)
            if lane in self._lanes:
                continue
            if due_at <= now and not self._paused(chat_id):
                due.append(lane)
            else:
                wait = min(wait, (max(due_at, self._paused_until.get(chat_id, due_at)) - now).total_seconds())
        await self._start(due)
        return max(wait, 0.01)

    async def _dispatch_hinted_lanes(self) -> None:
        """Starts the conversations a commit named. One already draining keeps its hint and is
        started again when it ends (it may have read its rows before the new one came); a
        paused chat's wait is the scan's to work out."""
        lanes = [lane for lane in self._hinted if lane not in self._lanes]
        self._hinted.difference_update(lanes)
        if any(self._paused(chat_id) for chat_id, _conversation in lanes):
            self._rescan = True
            self._wake.set()
            return
        await self._start(lanes)

    async def _start(self, lanes: list[Lane]) -> None:
        claimed = await self._claims.claim(lanes)  # the others are drained by another instance
        for lane in lanes:
            if lane in claimed and lane not in self._lanes:
                self._lanes[lane] = asyncio.create_task(self._drain(lane))

    async def _drain(self, lane: Lane) -> None:
        chat_id, conversation = lane
        row: OutboxMessage | None = None
        emptied = False  # True: nothing left behind, so no scan is needed to find it
        try:
            while True:
                rows = await self._next_rows(lane)
                merged: set[int] = set()
                for index, row in enumerate(rows):
                    if row.id in merged:
                        continue
                    if row.next_attempt_at > self._clock.now() or self._paused(chat_id) or not self._claims.holds(lane):
                        return
                    merged |= await self._merger.deliver(rows[index:])  # a customer's follow-ups, as one message
                    if row.id in merged:
                        continue
                    if not await self._deliver(row):
                        return  # postponed: the rows behind it in this conversation wait too
                if len(rows) < self.BATCH_PER_LANE:
                    emptied = True
                    return
        except LaneLost:
            log.warning("outbox lane lost while a message waited; left to the instance that took it", extra={"chat": chat_id, "conversation": conversation})
        except Exception as error:
            log.exception("delivery failed unexpectedly", extra={"chat": chat_id, "conversation": conversation})
            await self._back_off_after_fault(row, error)
        finally:
            # Released before the rescan, so a row another instance added meanwhile is
            # found by that rescan or by the other instance.
            await self._claims.release(lane)
            self._lanes.pop(lane, None)
            self.wake(() if emptied else None)

    async def _next_rows(self, lane: Lane) -> list[OutboxMessage]:
        chat_id, conversation = lane
        async with self._uow_factory() as uow:
            rows = list(await uow.outbox.pending_in_conversation(chat_id, conversation, limit=self.BATCH_PER_LANE))
            if len(rows) > 1 and rows[0].method in COALESCING_METHODS:
                # Each edit carries the whole new card (or topic name): only the newest one matters.
                superseded = await uow.outbox.supersede_all_but_newest(chat_id, conversation, self._clock.now())
                await uow.commit()
                log.info("older edits superseded", extra={"chat": chat_id, "conversation": conversation, "rows": superseded})
                rows = list(await uow.outbox.pending_in_conversation(chat_id, conversation, limit=self.BATCH_PER_LANE))
        return rows

    async def _back_off_after_fault(self, row: OutboxMessage | None, error: Exception) -> None:
        """An unexpected fault (a bug, the database away) must not spin: push the row back."""
        try:
            if row is not None:
                await self._retry_later(row, None, Verdict("retry", "fault", f"{type(error).__name__}: {error}"))
        except Exception:
            log.exception("could not postpone the row; pausing the conversation", extra={"chat": row.chat_id if row else None})
            await asyncio.sleep(self._idle_recheck)

    async def _deliver(self, row: OutboxMessage) -> bool:
        """Sends one row; False when it was postponed (a 429, a retry later, a card not there yet)."""
        intent = decode_intent(row.method, row.chat_id, row.locale, row.payload)

        async def part_sent(message_id: int, is_last: bool) -> None:
            async with self._uow_factory() as uow:
                await uow.outbox.record_part_sent(row, message_id, self._clock.now() if is_last else None)
                if is_last:
                    await after_delivery(uow, intent, list(row.sent_message_ids))
                await uow.commit()

        try:
            outcome = await self._executor.execute(row, intent, part_sent)
        except Exception as error:
            verdict = classify(error)
            if verdict is None:
                raise
            if isinstance(error, MissingTarget) and await self._wait_for_target(row, intent):
                return False
            return await self._decide(row, intent, verdict)
        if not isinstance(intent, (SendMessage, CopyMessage)):  # those record each part as it goes
            async with self._uow_factory() as uow:
                await uow.outbox.finish(row.id, "sent", self._clock.now())
                await after_delivery(uow, intent, outcome.message_ids, outcome.thread_id)
                await uow.commit()
        return True

    async def _decide(self, row: OutboxMessage, intent: Intent, verdict: Verdict) -> bool:
        if verdict.action == DONE:
            await self._finish(row, intent, "sent", verdict)
            return True
        if verdict.action == PERMANENT:
            await self._finish(row, intent, "failed", verdict)
            return True
        if verdict.action == RATE_LIMITED:
            await self._postpone_chat(row, verdict)
            return False
        return await self._retry_later(row, intent, verdict)

    def _log(self, decision: str, row: OutboxMessage, verdict: Verdict, level: int = logging.INFO, **extra: object) -> None:
        """One line per decision about a row, with its reason."""
        log.log(level, f"delivery {decision}", extra={
            "row": row.id, "chat": row.chat_id, "conversation": row.conversation, "method": row.method,
            "cause": verdict.cause, "reason": verdict.detail, **extra,
        })

    async def _finish(self, row: OutboxMessage, intent: Intent | None, status: str, verdict: Verdict, reason: str | None = None) -> None:
        """Done for good: sent (the change was already there) or failed. Staff hear of a failure
        in the case's thread, in the same transaction, unless the row was cosmetic."""
        cosmetic = intent is not None and is_cosmetic(intent)
        async with self._uow_factory() as uow:
            await uow.outbox.finish(row.id, status, self._clock.now(), reason or verdict.reason)
            if status == "failed" and intent is not None and not cosmetic:
                await after_final_failure(uow, intent, verdict.cause, reason or verdict.reason)
            await uow.commit()
        if status == "sent":
            self._log("already applied", row, verdict)
        else:
            self._log("failed for good", row, verdict, logging.INFO if cosmetic else logging.WARNING, cosmetic=cosmetic)
            if self._on_final_failure is not None:
                self._on_final_failure(row.chat_id, verdict)

    async def _postpone_chat(self, row: OutboxMessage, verdict: Verdict) -> None:
        seconds = verdict.retry_after
        self._limiter.delay_chat(row.chat_id, seconds)
        until = self._clock.now() + timedelta(seconds=seconds)
        self._paused_until[row.chat_id] = max(until, self._paused_until.get(row.chat_id, until))
        async with self._uow_factory() as uow:
            await uow.outbox.retry_later(row.id, until, verdict.reason, count_attempt=False)
            await uow.outbox.delay_chat(row.chat_id, until)
            await uow.commit()
        self._log("paused for the chat", row, verdict, retry_after=seconds)

    async def _retry_later(self, row: OutboxMessage, intent: Intent | None, verdict: Verdict) -> bool:
        """Schedules another attempt, or gives up; True when the row is finished for good."""
        attempts = row.attempts + 1
        if attempts >= self._retry.max_attempts:
            reason = f"gave up after {attempts} attempts: {verdict.reason}"
            await self._finish(row, intent, "failed", Verdict(PERMANENT, "unreachable", reason), reason)
            return True
        when = self._clock.now() + timedelta(seconds=self._retry.delay(attempts))
        async with self._uow_factory() as uow:
            await uow.outbox.retry_later(row.id, when, verdict.reason)
            await uow.commit()
        self._log("will be retried", row, verdict, logging.WARNING, attempt=attempts, at=when.isoformat())
        return False

    async def _wait_for_target(self, row: OutboxMessage, intent: Intent) -> bool:
        """A card refresh (or topic rename) whose card is still queued waits for it; True if so."""
        target = target_conversation(intent)
        if target is None:
            return False
        async with self._uow_factory() as uow:
            ahead = await uow.outbox.waiting_ahead(row.chat_id, target, row.id)
            if ahead is None:
                return False
            when = max(ahead, self._clock.now()) + TARGET_RECHECK
            await uow.outbox.retry_later(row.id, when, "waiting for the card or topic to be sent", count_attempt=False)
            await uow.commit()
        self._log("waits for its target", row, Verdict("retry", "target_pending", target), at=when.isoformat())
        return True
