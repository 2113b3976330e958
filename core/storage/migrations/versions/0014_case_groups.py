"""Each case remembers the handler group it lives in ([routing]: several groups).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL: the home group (HANDLER_CHAT_ID), where every case filed before lives.
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("group_chat_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("group_chat_id")
