"""public portal: receipts of anonymous reports and citizens' ratings of closed cases

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 03:57:45.394293
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gridcity.db.models

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("stars", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("rated_by", sa.Integer(), nullable=True),
        sa.Column("rated_at", gridcity.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("stars >= 1 AND stars <= 5", name=op.f("ck_case_ratings_stars_1_to_5")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_ratings_case_id_cases")),
        sa.ForeignKeyConstraint(["rated_by"], ["users.id"], name=op.f("fk_case_ratings_rated_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_ratings")),
        sa.UniqueConstraint("case_id", "round", name=op.f("uq_case_ratings_case_id_round")),
    )
    with op.batch_alter_table("case_ratings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_ratings_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_ratings_rated_at"), ["rated_at"], unique=False)

    op.create_table(
        "public_receipts",
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("key_hash", sa.String(length=200), nullable=False),
        sa.Column("created_at", gridcity.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_public_receipts_case_id_cases")),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_public_receipts")),
    )


def downgrade() -> None:
    op.drop_table("public_receipts")
    with op.batch_alter_table("case_ratings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_ratings_rated_at"))
        batch_op.drop_index(batch_op.f("ix_case_ratings_case_id"))
    op.drop_table("case_ratings")
