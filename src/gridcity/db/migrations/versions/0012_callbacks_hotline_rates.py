"""callbacks and the 12345 rates: a rating keeps the department that did the rated work and says
where it came from (the portal, or an operator's 回访 with its verdict and whether the problem was
solved); a case keeps how long its department took to respond to the dispatch; the rollups count the
12345 rates ([7] items 6 and 9, docs/domain/assessment.md)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 10:00:00

The ratings already given are the departments' that had the case when it was rated (the case's
department now; a reopened case waiting for re-dispatch has none). The rollups gain counters and
their rules change, so a database with cases gets them counted again at `gridcity db upgrade`.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NEW_COUNTERS = (
    "hotline_responses",
    "hotline_responses_on_time",
    "callbacks",
    "callbacks_solved",
    "callbacks_satisfied",
)
_FK = "fk_case_ratings_department_id_org_units"
# The index the assessment's facts of time are read from (0005), and the columns the 12345
# response not yet given adds to them.
_INDEX = "ix_cases_state_filed"
_INDEXED = [
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
]
_INDEXED_NOW = [*_INDEXED, "channel", "dispatched_at", "response_s"]


def upgrade() -> None:
    with op.batch_alter_table("case_ratings") as batch:
        batch.add_column(sa.Column("department_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("source", sa.String(length=12), nullable=False, server_default="portal"))
        batch.add_column(sa.Column("verdict", sa.String(length=24), nullable=True))
        batch.add_column(sa.Column("solved", sa.Boolean(), nullable=True))
        batch.create_foreign_key(_FK, "org_units", ["department_id"], ["id"])
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("response_s", sa.Float(), nullable=True))
    op.drop_index(_INDEX, table_name="cases")
    op.create_index(_INDEX, "cases", _INDEXED_NOW, unique=False)
    for table in ("rollup_regions", "rollup_departments"):
        with op.batch_alter_table(table) as batch:
            for name in _NEW_COUNTERS:
                batch.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
    connection = op.get_bind()
    connection.execute(
        sa.text(
            "UPDATE case_ratings SET department_id = "
            "(SELECT cases.department_id FROM cases WHERE cases.id = case_ratings.case_id)"
        )
    )
    # The rollups were counted under other rules: recount them (a database with cases, at `gridcity
    # db upgrade`), or start them from zero under the rules of their first use (an empty one).
    connection.execute(sa.text("DELETE FROM rollup_state"))
    if connection.execute(sa.text("SELECT 1 FROM cases LIMIT 1")).first() is None:
        now = datetime.now(UTC)
        connection.execute(
            sa.text("INSERT INTO rollup_state (fingerprint, rebuilt_at, cases) VALUES (NULL, :at, 0)"),
            {"at": now.replace(tzinfo=None) if connection.dialect.name == "sqlite" else now},
        )


def downgrade() -> None:
    for table in ("rollup_regions", "rollup_departments"):
        with op.batch_alter_table(table) as batch:
            for name in _NEW_COUNTERS:
                batch.drop_column(name)
    op.drop_index(_INDEX, table_name="cases")
    op.create_index(_INDEX, "cases", _INDEXED, unique=False)
    if op.get_bind().dialect.name == "sqlite":
        # in place: a batch copy of `cases` cannot drop the table its history rows refer to
        op.execute("ALTER TABLE cases DROP COLUMN response_s")
    else:
        op.drop_column("cases", "response_s")
    with op.batch_alter_table("case_ratings") as batch:
        batch.drop_constraint(_FK, type_="foreignkey")
        batch.drop_column("solved")
        batch.drop_column("verdict")
        batch.drop_column("source")
        batch.drop_column("department_id")
    op.get_bind().execute(sa.text("DELETE FROM rollup_state"))
