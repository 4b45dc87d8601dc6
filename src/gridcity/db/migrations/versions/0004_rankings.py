"""rankings: published, frozen monthly ranking snapshots (月排名、月曝光)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gridcity.db.models

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ranking_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("published_at", gridcity.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["published_by"], ["users.id"], name=op.f("fk_ranking_snapshots_published_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ranking_snapshots")),
        sa.UniqueConstraint(
            "period", "kind", "version", name=op.f("uq_ranking_snapshots_period_kind_version")
        ),
    )
    op.create_index(op.f("ix_ranking_snapshots_period"), "ranking_snapshots", ["period"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_ranking_snapshots_period"), table_name="ranking_snapshots")
    op.drop_table("ranking_snapshots")
