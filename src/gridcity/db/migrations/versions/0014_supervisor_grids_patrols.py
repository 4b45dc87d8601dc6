"""supervisors' responsibility grids (责任网格: one supervisor per unit grid at a time, on grid_staff)
and their patrols (巡查): time on duty, GPS points (pruned after a retention), grids visited per day

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 09:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gridcity.db.models

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_HOLDS = sa.text("layer = 'city_management' AND valid_to IS NULL")
_TIME = gridcity.db.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_index(
        "uq_grid_staff_unit_grid",
        "grid_staff",
        ["grid_code"],
        unique=True,
        sqlite_where=_HOLDS,
        postgresql_where=_HOLDS,
    )
    op.create_table(
        "patrol_duties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("started_at", _TIME, nullable=False),
        sa.Column("ended_at", _TIME, nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_patrol_duties_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol_duties")),
    )
    op.create_index("ix_patrol_duties_user_started", "patrol_duties", ["user_id", "started_at"])
    op.create_table(
        "patrol_points",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("duty_id", sa.Integer(), nullable=True),
        sa.Column("at", _TIME, nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("accuracy_m", sa.Float(), nullable=True),
        sa.Column("grid_code", sa.String(length=24), nullable=True),
        sa.Column("received_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_patrol_points_user_id_users")),
        sa.ForeignKeyConstraint(
            ["duty_id"], ["patrol_duties.id"], name=op.f("fk_patrol_points_duty_id_patrol_duties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol_points")),
    )
    op.create_index("ix_patrol_points_user_at", "patrol_points", ["user_id", "at"])
    op.create_index(op.f("ix_patrol_points_at"), "patrol_points", ["at"])
    op.create_table(
        "patrol_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("grid_code", sa.String(length=24), nullable=False),
        sa.Column("first_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_patrol_visits_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol_visits")),
        sa.UniqueConstraint(
            "user_id", "day", "grid_code", name=op.f("uq_patrol_visits_user_id_day_grid_code")
        ),
    )
    op.create_index("ix_patrol_visits_day", "patrol_visits", ["day"])


def downgrade() -> None:
    op.drop_index("ix_patrol_visits_day", table_name="patrol_visits")
    op.drop_table("patrol_visits")
    op.drop_index(op.f("ix_patrol_points_at"), table_name="patrol_points")
    op.drop_index("ix_patrol_points_user_at", table_name="patrol_points")
    op.drop_table("patrol_points")
    op.drop_index("ix_patrol_duties_user_started", table_name="patrol_duties")
    op.drop_table("patrol_duties")
    op.drop_index("uq_grid_staff_unit_grid", table_name="grid_staff")
