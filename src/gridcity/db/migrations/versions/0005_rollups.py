"""rollups: running monthly counts of the assessment (domain.rollups), kept with each case change;
an index covering the open cases filed in a period

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 07:00:00

On an empty database the rollups are counted from the start (a state row without rules, which
the platform fills in when it first uses them); a database that has cases gets no state row, and
`gridcity db upgrade` counts its cases and history into the rollups (`services.rollups`).
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import gridcity.db.models

# The counters as they were in this revision (later revisions add columns of their own: 0012).
CASE_COUNTERS = (
    "filed",
    "public_reports",
    "closed",
    "closed_on_time",
    "reworked_closed",
    "disposed",
    "disposed_on_time",
    "ratings",
    "stars",
    "dissatisfied",
    "public_filed_reported",
)
POST_COUNTERS = (
    "reports",
    "valid_reports",
    "verify_timed",
    "verify_on_time",
    "check_timed",
    "check_on_time",
    "intake",
    "verify_sent_timed",
    "verify_sent_on_time",
    "check_sent_timed",
    "check_sent_on_time",
    "filings",
    "filings_timed",
    "filings_on_time",
    "filings_wrong",
    "closings_timed",
    "closings_on_time",
    "dispatches",
    "dispatches_timed",
    "dispatches_on_time",
    "dispatches_sent_back",
)

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _counters(names: tuple[str, ...]) -> list[sa.Column[int]]:
    return [sa.Column(name, sa.Integer(), nullable=False, server_default="0") for name in names]


def upgrade() -> None:
    op.create_table(
        "rollup_regions",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        *_counters(CASE_COUNTERS),
        sa.PrimaryKeyConstraint("month", "level", "code", name=op.f("pk_rollup_regions")),
    )
    op.create_table(
        "rollup_departments",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        *_counters(CASE_COUNTERS),
        sa.PrimaryKeyConstraint("month", "department_id", name=op.f("pk_rollup_departments")),
    )
    op.create_table(
        "rollup_posts",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        *_counters(POST_COUNTERS),
        sa.PrimaryKeyConstraint("month", "role", "user_id", name=op.f("pk_rollup_posts")),
    )
    op.create_table(
        "rollup_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=32), nullable=True),
        sa.Column("rebuilt_at", gridcity.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cases", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rollup_state")),
    )
    op.create_index(
        "ix_cases_state_filed",
        "cases",
        [
            "state",
            "filed_at",
            "stage_deadline",
            "stage",
            "rework_count",
            "disposed_at",
            "district_code",
            "street_code",
            "community_code",
            "grid_code",
            "department_id",
        ],
        unique=False,
    )
    connection, now = op.get_bind(), datetime.now(UTC)
    if connection.execute(sa.text("SELECT 1 FROM cases LIMIT 1")).first() is None:
        connection.execute(
            sa.text("INSERT INTO rollup_state (fingerprint, rebuilt_at, cases) VALUES (NULL, :at, 0)"),
            {"at": now.replace(tzinfo=None) if connection.dialect.name == "sqlite" else now},
        )


def downgrade() -> None:
    op.drop_index("ix_cases_state_filed", table_name="cases")
    op.drop_table("rollup_state")
    op.drop_table("rollup_posts")
    op.drop_table("rollup_departments")
    op.drop_table("rollup_regions")
