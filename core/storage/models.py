"""Tables. State is stored as plain columns (strings, JSON), never pickled."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Float, ForeignKey, Index, Integer, MetaData, String, Text, TypeDecorator, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from core.domain.lifecycle import Severity

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    first_name: Mapped[str] = mapped_column(String(256))
    language_code: Mapped[str | None] = mapped_column(String(35))
    locale: Mapped[str] = mapped_column(String(16))
    # True once the user picked a language: Telegram's language_code no longer decides.
    locale_chosen: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ProcessedUpdate(Base):
    """Update ids whose effects have committed: a re-delivered update is skipped."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    outcome: Mapped[str] = mapped_column(String(32))
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class OutboxMessage(Base):
    """One outgoing effect, committed with the change that caused it, sent afterwards."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_next_attempt", "status", "next_attempt_at"),
        Index("ix_outbox_status_conversation", "status", "chat_id", "conversation"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    # Rows keep their order within (chat_id, conversation) only; see core.delivery_order.
    conversation: Mapped[str] = mapped_column(String(64), server_default="chat")
    locale: Mapped[str] = mapped_column(String(16))
    method: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # pending -> sent | failed | superseded (a newer edit of the same card or topic came)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # A long text goes out in parts; parts already sent are never sent again.
    parts_sent: Mapped[int] = mapped_column(Integer, default=0)
    sent_message_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class IntakeDraft(Base):
    """The customer's complaint in progress: the dialog step and every answer so far."""

    __tablename__ = "intake_drafts"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    state: Mapped[str] = mapped_column(String(32))
    # Bumped at every step; buttons carry it, so a press on an older prompt is recognised.
    seq: Mapped[int] = mapped_column(Integer, default=0)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The last button action applied, "seq:action", so a double press acts once.
    last_press: Mapped[str | None] = mapped_column(String(80))
    case_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CaseCounter(Base):
    """Per-day sequence behind case numbers such as KS-20261125-0007."""

    __tablename__ = "case_counters"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class Case(Base):
    __tablename__ = "cases"
    # Reports count a period's cases by filing time; ix_cases_report holds what they group
    # and measure by, so a year's cases are read from the index alone.
    __table_args__ = (
        Index("ix_cases_created_at", "created_at"),
        Index(
            "ix_cases_report",
            "created_at", "owner_id", "category", "severity", "stage", "tier", "channel", "reopen_count", "appealed", "first_response_at",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    customer_id: Mapped[int] = mapped_column(BigInteger, index=True)
    category: Mapped[str] = mapped_column(String(32))
    statement: Mapped[str] = mapped_column(Text)
    reference_values: Mapped[dict[str, str]] = mapped_column(JSON)
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    resolution: Mapped[str] = mapped_column(String(32))
    resolution_note: Mapped[str | None] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    stage: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16), default=Severity.GENERAL.value)
    tier: Mapped[int] = mapped_column(Integer, default=1)
    owner_id: Mapped[int | None] = mapped_column(BigInteger)
    # The handler group the case lives in (None: the home group, HANDLER_CHAT_ID), and
    # where in it: its forum topic, and its card message.
    group_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    thread_id: Mapped[int | None] = mapped_column(Integer)
    card_message_id: Mapped[int | None] = mapped_column(Integer)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    appealed: Mapped[bool] = mapped_column(default=False)
    # What the customer's next message answers, e.g. "rejection_reason"; None: a message.
    awaiting: Mapped[str | None] = mapped_column(String(32))
    stage_entered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # An agent's proposal for a major case, held until a supervisor approves it (docs/process.md §2).
    pending_proposal: Mapped[str | None] = mapped_column(Text)
    pending_proposal_by: Mapped[int | None] = mapped_column(BigInteger)
    # The first claim, assignment or message by staff (case_repositories.RESPONSE_ACTIONS),
    # set with its history row by CaseRepository.record_event.
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CaseLink(Base):
    """A message in a chat that belongs to a case: routing never reads message text."""

    __tablename__ = "case_links"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    message_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    # card, relay, evidence, or prompt:<action> (a staff reply to it carries that action)
    purpose: Mapped[str] = mapped_column(String(32))


class RelatedCase(Base):
    """Two cases judged to be about one matter when the later was filed (docs/process.md §4):
    kind "repeat", the same customer's earlier case (the later one starts at tier 2), or
    "shared_reference", another customer's case with the same reference."""

    __tablename__ = "related_cases"
    __table_args__ = (UniqueConstraint("case_id", "related_id"), Index("ix_related_cases_kind_case_id", "kind", "case_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))  # the later case
    related_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)  # the earlier one
    kind: Mapped[str] = mapped_column(String(16))  # repeat | shared_reference
    # Why: reference | statement | category (core.domain.repeats.Reason); the likeness of the statements.
    reason: Mapped[str] = mapped_column(String(16))
    likeness: Mapped[float] = mapped_column(Float)
    reference_key: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PendingRelay(Base):
    """A customer message held while the customer says which of their cases it is about."""

    __tablename__ = "pending_relays"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    message_id: Mapped[int] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CaseEvidence(Base):
    __tablename__ = "case_evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    file_id: Mapped[str] = mapped_column(String(256))
    file_unique_id: Mapped[str] = mapped_column(String(128))
    file_name: Mapped[str | None] = mapped_column(String(256))
    caption: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[int] = mapped_column(Integer)


class CaseEvent(Base):
    """Append-only history: who did what, when, with what result."""

    __tablename__ = "case_events"
    # Reports count events of some kinds within a period.
    __table_args__ = (Index("ix_case_events_action_at", "action", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


class Deadline(Base):
    """A moment at which something must happen to a case: a worker claims due rows."""

    __tablename__ = "deadlines"
    __table_args__ = (
        Index("ix_deadlines_status_due", "status", "due_at"),
        Index("ix_deadlines_kind_due", "kind", "due_at"),
        # The reports' deadlines met and missed, read from the index alone.
        Index("ix_deadlines_report", "kind", "due_at", "breach_no", "status", "stage", "done_at", "case_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # remind | breach | customer_remind | close_unanswered | follow_up
    stage: Mapped[str] = mapped_column(String(32))  # the stage it belongs to
    breach_no: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | done | cancelled | replanned
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ResolutionRecord(Base):
    """Staff's account of how a case was resolved (docs/process.md §5), one per handling round
    (a reopened case is resolved, and recorded, again)."""

    __tablename__ = "resolution_records"
    __table_args__ = (UniqueConstraint("case_id", "round"), Index("ix_resolution_records_completed_at", "completed_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    round: Mapped[int] = mapped_column(Integer)  # the case's reopen_count when resolved
    responsible_party: Mapped[str | None] = mapped_column(String(16))  # employee | department | management | third_party
    responsibility_kind: Mapped[str | None] = mapped_column(String(16))  # direct | indirect | joint
    root_cause: Mapped[str | None] = mapped_column(Text)
    remedy: Mapped[str | None] = mapped_column(Text)
    # Whole cents: exact on every backend, and the unit is the deployment's currency.
    cost_cents: Mapped[int | None] = mapped_column(BigInteger)
    improvement: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[int | None] = mapped_column(BigInteger)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CaseRating(Base):
    """The customer's satisfaction with one handling round: 1-5 overall, optional 1-5 per
    aspect (quality, speed, attitude, price) and a comment."""

    __tablename__ = "case_ratings"
    __table_args__ = (UniqueConstraint("case_id", "round"), Index("ix_case_ratings_rated_at", "rated_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    stars: Mapped[int] = mapped_column(Integer)
    aspects: Mapped[dict[str, int]] = mapped_column(JSON)
    comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BannedUser(Base):
    """A user the desk no longer serves: told once, then ignored. Managed by supervisors."""

    __tablename__ = "banned_users"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    banned_by: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str | None] = mapped_column(Text)
    banned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When the user was told they are banned (only once).
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Digest(Base):
    """A weekly digest planned for the handler group: a worker claims the row when due, as
    it claims deadlines. One row per slot, so a slot cannot be planned twice."""

    __tablename__ = "digests"
    __table_args__ = (UniqueConstraint("kind", "due_at"), Index("ix_digests_status_due", "status", "due_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # weekly
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | done | cancelled
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The end of the seven days the digest reported on (its slot, or a later one after a gap).
    covered_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboxLane(Base):
    """Which instance drains a conversation of the outbox, until when (SHARED_DATABASE only).
    A live instance renews its lease; a crashed one's lanes are taken over once it ends."""

    __tablename__ = "outbox_lanes"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    conversation: Mapped[str] = mapped_column(String(64), primary_key=True)
    claimed_by: Mapped[str] = mapped_column(String(64))
    claimed_until: Mapped[datetime] = mapped_column(UTCDateTime)


class SendBudget(Base):
    """One of Telegram's limits shared by every instance (SHARED_DATABASE only): the
    bucket's theoretical arrival time, in the database's epoch seconds (GCRA)."""

    __tablename__ = "send_budgets"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)  # "global" or "chat:<id>"
    tat: Mapped[float] = mapped_column(Float)
