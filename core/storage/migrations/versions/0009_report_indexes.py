"""Indexes for the reports: a period's cases, events, stage deadlines, ratings and records.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""
from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_cases_created_at": ("cases", ["created_at"]),
    "ix_case_events_action_at": ("case_events", ["action", "at"]),
    "ix_deadlines_kind_due": ("deadlines", ["kind", "due_at"]),
    "ix_case_ratings_rated_at": ("case_ratings", ["rated_at"]),
    "ix_resolution_records_completed_at": ("resolution_records", ["completed_at"]),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, (table, _columns) in INDEXES.items():
        op.drop_index(name, table_name=table)
