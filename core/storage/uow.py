"""Unit of work: one transaction, the repositories on it, and what to do after commit."""
from __future__ import annotations

from typing import Any, Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import Clock
from core.intents import Intent
from core.storage.ban_repository import BanRepository
from core.storage.case_repositories import CaseRepository, DraftRepository
from core.storage.deadline_repository import DeadlineRepository
from core.storage.related_cases import RelatedCaseRepository
from core.storage.resolution_repositories import RatingRepository, ResolutionRecordRepository
from core.storage.repositories import OutboxRepository, ProcessedUpdateRepository, UserRepository


class UnitOfWork:
    """`async with uow_factory() as uow: ...; await uow.commit()`; no commit means rollback.

    Domain events (core/domain/events.py) go to `event_handlers` as they are published, in
    this transaction; what handlers leave for the end (a card to edit once however often
    the case changed) runs in `before_commit`. Both come from the composition root; without
    them events are dropped, which only storage tests may want.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        on_outbox_commit: Callable[[frozenset[tuple[int, str]]], None] | None = None,
        event_handlers: "EventHandlers | None" = None,
    ) -> None:
        self._sessions = sessions
        self.clock = clock
        self._on_outbox_commit = on_outbox_commit
        self._event_handlers = event_handlers
        # Work that handlers left for the commit, by key (e.g. ("card", case_id)).
        self.deferred: dict[Any, Any] = {}

    async def __aenter__(self) -> "UnitOfWork":
        self.session = self._sessions()
        self.users = UserRepository(self.session)
        self.updates = ProcessedUpdateRepository(self.session)
        self.outbox = OutboxRepository(self.session)
        self.drafts = DraftRepository(self.session)
        self.cases = CaseRepository(self.session)
        self.deadlines = DeadlineRepository(self.session)
        self.records = ResolutionRecordRepository(self.session)
        self.ratings = RatingRepository(self.session)
        self.bans = BanRepository(self.session)
        self.related = RelatedCaseRepository(self.session)
        return self

    async def __aexit__(self, *exc: object) -> None:
        # close() rolls back what was not committed and detaches rows with their loaded
        # values intact (a rollback() would expire them), so callers may still read them.
        await self.session.close()

    async def lock_chat(self, chat_id: int) -> None:
        """PostgreSQL: waits until no other transaction (in any instance) works on this chat,
        and holds the chat until this one ends, so one chat's updates take effect one after
        another whichever instance got them. SQLite has one writer and one instance: nothing."""
        if self.session.bind.dialect.name == "postgresql":
            await self.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": chat_id})

    async def publish(self, event: object) -> None:
        if self._event_handlers is not None:
            await self._event_handlers.handle(self, event)

    def emit(self, *intents: Intent) -> None:
        """Record outgoing messages; they are sent only if this transaction commits."""
        now = self.clock.now()
        for intent in intents:
            self.outbox.add(intent, now)

    async def commit(self) -> None:
        if self._event_handlers is not None and self.deferred:
            await self._event_handlers.before_commit(self)
        await self.cases.write_pending()
        await self.session.commit()
        if self.outbox.added_lanes and self._on_outbox_commit is not None:
            lanes = frozenset(self.outbox.added_lanes)
            self.outbox.added_lanes.clear()
            self._on_outbox_commit(lanes)

    async def rollback(self) -> None:
        await self.session.rollback()
        self.cases.forget_pending()
        self.outbox.added_lanes.clear()
        self.deferred.clear()


class EventHandlers:
    """What follows a domain event; implemented in core/services/case_events.py."""

    async def handle(self, uow: UnitOfWork, event: object) -> None:
        raise NotImplementedError

    async def before_commit(self, uow: UnitOfWork) -> None:
        raise NotImplementedError


UnitOfWorkFactory = Callable[[], UnitOfWork]
