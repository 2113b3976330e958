"""Outbox rows carry their conversation: order is kept within one, not across a chat.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

outbox = sa.table(
    "outbox",
    sa.column("id", sa.Integer()),
    sa.column("method", sa.String()),
    sa.column("payload", sa.JSON()),
    sa.column("status", sa.String()),
    sa.column("conversation", sa.String()),
)


def conversation(method: str, payload: dict[str, Any]) -> str:
    """core.delivery_order.conversation_of as of this revision, read from a stored row."""
    if method == "answer_callback":
        return f"callback:{payload['callback_query_id']}"
    if method == "set_reaction":
        return f"reaction:{payload['message_id']}"
    if method in ("edit_card", "edit_topic"):
        return f"case:{payload['case_id']}:{method.removeprefix('edit_')}"
    if method in ("create_topic", "set_topic_closed"):
        return f"case:{payload['case_id']}"
    if (payload.get("route") or {}).get("case_id") is not None:
        return f"case:{payload['route']['case_id']}"
    if method == "send_message" and payload.get("thread_id") is not None:
        return f"thread:{payload['thread_id']}"
    return "chat"


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("conversation", sa.String(length=64), server_default="chat", nullable=False))
    op.create_index("ix_outbox_status_conversation", "outbox", ["status", "chat_id", "conversation"])
    connection = op.get_bind()
    pending = connection.execute(sa.select(outbox.c.id, outbox.c.method, outbox.c.payload).where(outbox.c.status == "pending")).all()
    for row_id, method, payload in pending:
        key = conversation(method, payload or {})
        if key != "chat":
            connection.execute(sa.update(outbox).where(outbox.c.id == row_id).values(conversation=key))


def downgrade() -> None:
    op.drop_index("ix_outbox_status_conversation", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("conversation")
