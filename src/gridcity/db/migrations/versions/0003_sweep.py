"""deadline sweep: the sweep's marks on cases and the monthly supervision list

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 06:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gridcity.db.models

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # plain ADD COLUMN (no batch copy of the cases table on SQLite)
    op.add_column("cases", sa.Column("stage_warned", sa.Integer(), nullable=False, server_default="0"))
    op.add_column(
        "cases", sa.Column("sweep_at", gridcity.db.models.UTCDateTime(timezone=True), nullable=True)
    )
    op.create_index("ix_cases_sweep_at", "cases", ["sweep_at", "id"], unique=False)
    # every clock running now is looked at by the next sweep
    op.execute("UPDATE cases SET sweep_at = stage_started_at WHERE stage_deadline IS NOT NULL")

    op.create_table(
        "supervision_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", _ID, nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("added_at", gridcity.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("event_id", _ID, nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_supervision_entries_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["event_id"], ["case_events.id"], name=op.f("fk_supervision_entries_event_id_case_events")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_entries")),
        sa.UniqueConstraint("case_id", "month", name=op.f("uq_supervision_entries_case_id_month")),
    )
    op.create_index(op.f("ix_supervision_entries_case_id"), "supervision_entries", ["case_id"], unique=False)
    op.create_index(op.f("ix_supervision_entries_month"), "supervision_entries", ["month"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_supervision_entries_month"), table_name="supervision_entries")
    op.drop_index(op.f("ix_supervision_entries_case_id"), table_name="supervision_entries")
    op.drop_table("supervision_entries")
    op.drop_index("ix_cases_sweep_at", table_name="cases")
    op.drop_column("cases", "sweep_at")
    op.drop_column("cases", "stage_warned")
