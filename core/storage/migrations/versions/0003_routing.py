"""Routing to staff: case owner, severity, tier, thread and card; message links; held relays.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("severity", sa.String(length=16), nullable=False, server_default="general"))
        batch.add_column(sa.Column("tier", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("owner_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("thread_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("card_message_id", sa.Integer(), nullable=True))
    op.create_table(
        "case_links",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("message_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_links_case_id_cases")),
        sa.PrimaryKeyConstraint("chat_id", "message_id", name=op.f("pk_case_links")),
    )
    op.create_index(op.f("ix_case_links_case_id"), "case_links", ["case_id"])
    op.create_table(
        "pending_relays",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_relays")),
    )
    op.create_index(op.f("ix_pending_relays_user_id"), "pending_relays", ["user_id"])


def downgrade() -> None:
    op.drop_table("pending_relays")
    op.drop_table("case_links")
    with op.batch_alter_table("cases") as batch:
        for column in ("card_message_id", "thread_id", "owner_id", "tier", "severity"):
            batch.drop_column(column)
