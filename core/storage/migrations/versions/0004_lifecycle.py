"""Lifecycle counters on cases and what the customer's next message answers.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("reopen_count", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("appealed", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("awaiting", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        for column in ("awaiting", "appealed", "reopen_count"):
            batch.drop_column(column)
