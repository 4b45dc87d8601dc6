"""the append-only history lets retention blank the one thing in it that is a person's own words: the
note of a callback (回访, what the caller said), and of a citizen's reopen or comment. Every other
change, and every DELETE, is still refused by the database.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-21 10:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The rows whose note a person outside the staff wrote or dictated (services/retention.py names the
# same rows: `_PERSONAL_NOTE`); the citizen's report row is not among them — its note is the
# description, which stays.
_PERSONAL = (
    "(OLD.action = 'callback' OR (OLD.actor_role = 'citizen' AND OLD.action IN ('reopen', 'comment')))"
)
# SQLite compares every column by name: a migration that adds a column to case_events must add it
# here too (PostgreSQL compares whole rows).
_SQLITE_COLUMNS = (
    "id",
    "case_id",
    "seq",
    "at",
    "actor_id",
    "actor_name",
    "actor_role",
    "action",
    "from_state",
    "to_state",
    "data",
    "request_id",
)
_MESSAGE = "case history is append-only"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        unchanged = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in _SQLITE_COLUMNS)
        op.execute("DROP TRIGGER case_events_no_update")
        op.execute(
            "CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events "
            f"WHEN NOT ({_PERSONAL} AND NEW.note = '' AND {unchanged}) "
            f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"
        )
    else:
        op.execute(
            "CREATE OR REPLACE FUNCTION case_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN IF TG_OP = 'UPDATE' AND {_PERSONAL} AND NEW.note = '' "
            "AND to_jsonb(NEW) - 'note' = to_jsonb(OLD) - 'note' THEN RETURN NEW; END IF; "
            f"RAISE EXCEPTION '{_MESSAGE}'; END $$"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER case_events_no_update")
        op.execute(
            "CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events "
            f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"
        )
    else:
        op.execute(
            "CREATE OR REPLACE FUNCTION case_events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{_MESSAGE}'; END $$"
        )
