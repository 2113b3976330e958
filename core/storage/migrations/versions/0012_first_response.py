"""Each case's first response by staff, kept on the case: the reports read it for every
case of a period, which the case history gives only through a join over every event.
Backfilled from the history, as core/storage/report_queries.py measured it before. And
indexes that hold all the reports read of a period's cases and stage deadlines.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# core.storage.case_repositories.RESPONSE_ACTIONS as of this revision.
RESPONSE_ACTIONS = ("claimed", "assigned", "asked", "staff_reply", "proposed", "rejected", "terminated")

cases = sa.table("cases", sa.column("id", sa.Integer()), sa.column("first_response_at", sa.DateTime(timezone=True)))
events = sa.table(
    "case_events", sa.column("case_id", sa.Integer()), sa.column("at", sa.DateTime(timezone=True)),
    sa.column("actor", sa.String()), sa.column("action", sa.String()),
)


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("first_response_at", sa.DateTime(timezone=True), nullable=True))
    first = (
        sa.select(sa.func.min(events.c.at))
        .where(events.c.case_id == cases.c.id, events.c.action.in_(RESPONSE_ACTIONS), events.c.actor.like("staff:%"))
        .scalar_subquery()
    )
    op.get_bind().execute(sa.update(cases).values(first_response_at=first))
    # The period's cases, read from the index alone: filing time first, then what the
    # reports group and measure by.
    op.create_index(
        "ix_cases_report", "cases",
        ["created_at", "owner_id", "category", "severity", "stage", "tier", "channel", "reopen_count", "appealed", "first_response_at"],
    )
    op.create_index("ix_deadlines_report", "deadlines", ["kind", "due_at", "breach_no", "status", "stage", "done_at", "case_id"])


def downgrade() -> None:
    op.drop_index("ix_deadlines_report", table_name="deadlines")
    op.drop_index("ix_cases_report", table_name="cases")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("first_response_at")
