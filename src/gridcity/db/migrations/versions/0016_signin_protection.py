"""sign-in protection: failed sign-ins counted per username and per address with an account's lock
(signin_counters), the audit of every lock and unlock (signin_lock_events, append-only), and when
a token was last used (api_tokens.last_used_at, the idle timeout)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-20 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gridcity.db.models

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIME = gridcity.db.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("last_used_at", _TIME, nullable=True))
    op.create_table(
        "signin_counters",
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", _TIME, nullable=False),
        sa.Column("locked_until", _TIME, nullable=True),
        sa.PrimaryKeyConstraint("kind", "key", name=op.f("pk_signin_counters")),
    )
    op.create_index(op.f("ix_signin_counters_last_failure_at"), "signin_counters", ["last_failure_at"])
    op.create_table(
        "signin_lock_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", _TIME, nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("locked_until", _TIME, nullable=True),
        sa.Column("failures", sa.Integer(), nullable=True),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.Column("by_user_id", sa.Integer(), nullable=True),
        sa.Column("by_name", sa.String(length=120), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_signin_lock_events_user_id_users")),
        sa.ForeignKeyConstraint(
            ["by_user_id"], ["users.id"], name=op.f("fk_signin_lock_events_by_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signin_lock_events")),
    )
    op.create_index(op.f("ix_signin_lock_events_at"), "signin_lock_events", ["at"])
    op.create_index(op.f("ix_signin_lock_events_username"), "signin_lock_events", ["username"])
    op.create_index(op.f("ix_signin_lock_events_user_id"), "signin_lock_events", ["user_id"])

    # who was locked out and who unlocked them is history: nobody edits or removes it
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER signin_lock_events_no_{verb.lower()} BEFORE {verb} ON signin_lock_events "
                "BEGIN SELECT RAISE(ABORT, 'the sign-in lock log is append-only'); END"
            )
    else:
        op.execute(
            "CREATE FUNCTION signin_lock_events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'the sign-in lock log is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER signin_lock_events_append_only BEFORE UPDATE OR DELETE ON signin_lock_events "
            "FOR EACH ROW EXECUTE FUNCTION signin_lock_events_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP TRIGGER IF EXISTS signin_lock_events_append_only ON signin_lock_events")
        op.execute("DROP FUNCTION IF EXISTS signin_lock_events_append_only()")
    op.drop_index(op.f("ix_signin_lock_events_user_id"), table_name="signin_lock_events")
    op.drop_index(op.f("ix_signin_lock_events_username"), table_name="signin_lock_events")
    op.drop_index(op.f("ix_signin_lock_events_at"), table_name="signin_lock_events")
    op.drop_table("signin_lock_events")  # its SQLite triggers go with it
    op.drop_index(op.f("ix_signin_counters_last_failure_at"), table_name="signin_counters")
    op.drop_table("signin_counters")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("last_used_at")
