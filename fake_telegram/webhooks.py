"""Webhook delivery, as Telegram does it once setWebhook has given a URL.

Each queued update is POSTed as JSON, with the X-Telegram-Bot-Api-Secret-Token header when
a secret was set. A 2xx answer confirms it; any other answer, a refused connection or no
answer within `timeout` makes it come again after `retry_seconds`. Up to max_connections
updates are in flight at once, but never two of one chat, so a chat's updates arrive in
order. Several URLs (`targets`) are served round robin, standing in for a load balancer
in front of several instances of the bot.
"""
from __future__ import annotations

import asyncio
import copy
import itertools
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import aiohttp

from .models import BotAccount, QueuedUpdate

if TYPE_CHECKING:
    from .state import ServerState

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass
class Attempt:
    update_id: int
    url: str
    status: int | None  # the HTTP status, or None when there was no answer
    error: str = ""
    at: float = field(default_factory=time.monotonic)

    @property
    def confirmed(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def update_chat(update: dict[str, Any]) -> int | None:
    """The chat an update belongs to (for keeping one chat's updates in order)."""
    for key, body in update.items():
        if key == "update_id" or not isinstance(body, dict):
            continue
        chat = body.get("chat") or (body.get("message") or {}).get("chat")
        if chat:
            return chat.get("id")
        sender = body.get("from")
        return sender.get("id") if sender else None
    return None


class WebhookDelivery:
    def __init__(self, state: ServerState, account: BotAccount, url: str, secret: str | None, max_connections: int) -> None:
        self._state = state
        self._account = account
        self.url = url
        self.secret = secret
        self.max_connections = max(1, max_connections)
        self.targets: list[str] = [url]
        self._round_robin = itertools.cycle(self.targets)
        self.timeout = 30.0
        self.retry_seconds = 0.5
        self.attempts: list[Attempt] = []
        self._in_flight: dict[int, int | None] = {}  # update_id -> chat
        self._not_before: dict[int, float] = {}
        self._task: asyncio.Task[None] | None = None
        self._deliveries: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None
        self._stopped = False

    def set_targets(self, urls: list[str]) -> None:
        """Deliver round robin over these URLs instead of the one setWebhook gave."""
        self.targets = list(urls) or [self.url]
        self._round_robin = itertools.cycle(self.targets)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="fake-webhook-delivery")

    async def stop(self) -> None:
        # A flag as well as the cancel: asyncio.wait_for in Python 3.11 can swallow a
        # cancellation that arrives as its wait ends.
        self._stopped = True
        tasks = [t for t in (self._task, *self._deliveries) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._task, self._deliveries = None, set()
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _ready(self) -> list[QueuedUpdate]:
        """Queued updates to send now: in order, at most one per chat in flight."""
        now = time.monotonic()
        busy_chats = set(self._in_flight.values())
        chosen = []
        for queued in self._account.queue:
            if len(self._in_flight) + len(chosen) >= self.max_connections:
                break
            if not self._account.wants(queued.kind) or queued.update_id in self._in_flight:
                continue
            chat = update_chat(queued.update)
            if chat in busy_chats:
                continue
            busy_chats.add(chat)  # later updates of this chat wait for this one
            if self._not_before.get(queued.update_id, 0) > now:
                continue
            chosen.append(queued)
        return chosen

    async def _run(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None))
        while not self._stopped:
            for queued in self._ready():
                self._in_flight[queued.update_id] = update_chat(queued.update)
                task = asyncio.get_running_loop().create_task(self._deliver(queued))
                self._deliveries.add(task)
                task.add_done_callback(self._deliveries.discard)
            # Woken by new updates and by finished deliveries; the timeout picks up retries.
            await self._state.changed(self.retry_seconds / 2)

    async def _deliver(self, queued: QueuedUpdate) -> None:
        url = next(self._round_robin)
        headers = {SECRET_HEADER: self.secret} if self.secret else {}
        attempt = Attempt(queued.update_id, url, None)
        try:
            assert self._session is not None
            async with self._session.post(
                url, json=copy.deepcopy(queued.update), headers=headers, timeout=aiohttp.ClientTimeout(total=self.timeout)
            ) as response:
                attempt.status = response.status
                await response.read()
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
            attempt.error = f"{type(error).__name__}: {error}"
        finally:
            self.attempts.append(attempt)
            self._in_flight.pop(queued.update_id, None)
        if attempt.confirmed:
            self._account.queue = [q for q in self._account.queue if q is not queued]
            self._not_before.pop(queued.update_id, None)
        else:
            self._not_before[queued.update_id] = time.monotonic() + self.retry_seconds
        self._state.notify()


async def replace_webhook(state: ServerState, account: BotAccount, url: str, secret: str | None, max_connections: int) -> None:
    """setWebhook and deleteWebhook (url ""): the old delivery stops, a new one starts. The
    same URL again (another instance of the bot starting behind one load balancer) changes
    only the secret and max_connections: deliveries in flight and the targets stay."""
    if account.webhook is not None and url and url == account.webhook.url:
        account.webhook.secret = secret
        account.webhook.max_connections = max(1, max_connections)
        return
    if account.webhook is not None:
        await account.webhook.stop()
        account.webhook = None
    account.webhook_url = url
    if url:
        account.webhook = WebhookDelivery(state, account, url, secret, max_connections)
        account.webhook.start()
