"""Cases judged to be about one matter: a customer's repeat complaint, or another
customer's case with the same reference.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "related_cases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("related_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("likeness", sa.Float(), nullable=False),
        sa.Column("reference_key", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_related_cases_case_id_cases")),
        sa.ForeignKeyConstraint(["related_id"], ["cases.id"], name=op.f("fk_related_cases_related_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_related_cases")),
        sa.UniqueConstraint("case_id", "related_id", name=op.f("uq_related_cases_case_id")),
    )
    op.create_index("ix_related_cases_related_id", "related_cases", ["related_id"])
    op.create_index("ix_related_cases_kind_case_id", "related_cases", ["kind", "case_id"])


def downgrade() -> None:
    op.drop_index("ix_related_cases_kind_case_id", table_name="related_cases")
    op.drop_index("ix_related_cases_related_id", table_name="related_cases")
    op.drop_table("related_cases")
