"""Resolution records (root cause, responsibility, remedy, cost, improvement), ratings,
and an agent's proposal held for a supervisor's approval.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "resolution_records",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("responsible_party", sa.String(length=16), nullable=True),
        sa.Column("responsibility_kind", sa.String(length=16), nullable=True),
        sa.Column("root_cause", sa.Text(), nullable=True),
        sa.Column("remedy", sa.Text(), nullable=True),
        sa.Column("cost_cents", sa.BigInteger(), nullable=True),
        sa.Column("improvement", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.BigInteger(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_resolution_records_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resolution_records")),
        sa.UniqueConstraint("case_id", "round", name=op.f("uq_resolution_records_case_id")),
    )
    op.create_index(op.f("ix_resolution_records_case_id"), "resolution_records", ["case_id"])
    op.create_table(
        "case_ratings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("stars", sa.Integer(), nullable=False),
        sa.Column("aspects", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_ratings_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_ratings")),
        sa.UniqueConstraint("case_id", "round", name=op.f("uq_case_ratings_case_id")),
    )
    op.create_index(op.f("ix_case_ratings_case_id"), "case_ratings", ["case_id"])
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("pending_proposal", sa.Text(), nullable=True))
        batch.add_column(sa.Column("pending_proposal_by", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        for column in ("pending_proposal_by", "pending_proposal"):
            batch.drop_column(column)
    op.drop_table("case_ratings")
    op.drop_table("resolution_records")
