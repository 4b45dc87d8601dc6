"""the second factor of staff (TOTP, RFC 6238): each user's encrypted secret with the last time
step accepted and the wrong codes in a row, single-use recovery codes (salted hashes), and the
audit of what happened to a second factor

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gridcity.db.models

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIME = gridcity.db.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "user_second_factors",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("secret_enc", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("confirmed_at", _TIME, nullable=True),
        sa.Column("last_step", sa.BigInteger(), nullable=True),
        sa.Column("failed_count", sa.Integer(), nullable=False),
        sa.Column("failed_at", _TIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_second_factors_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_second_factors")),
    )
    op.create_table(
        "second_factor_recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("salt", sa.String(length=32), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("used_at", _TIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_second_factor_recovery_codes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_second_factor_recovery_codes")),
    )
    op.create_index(
        op.f("ix_second_factor_recovery_codes_user_id"), "second_factor_recovery_codes", ["user_id"]
    )
    op.create_table(
        "second_factor_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("at", _TIME, nullable=False),
        sa.Column("event", sa.String(length=30), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_second_factor_events_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_second_factor_events_actor_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_second_factor_events")),
    )
    op.create_index(op.f("ix_second_factor_events_user_id"), "second_factor_events", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_second_factor_events_user_id"), table_name="second_factor_events")
    op.drop_table("second_factor_events")
    op.drop_index(op.f("ix_second_factor_recovery_codes_user_id"), table_name="second_factor_recovery_codes")
    op.drop_table("second_factor_recovery_codes")
    op.drop_table("user_second_factors")
