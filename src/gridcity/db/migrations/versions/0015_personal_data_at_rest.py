"""cases: the reporter's callback contact encrypted at rest (contact_name_enc, contact_phone_enc
replace contact_name, contact_phone); retention_erasures: the record of personal data erased after
its retention

The rows already stored are encrypted here, in the migration's transaction, with the cipher the
caller passes (`gridcity db upgrade` passes the installation's personal-data key: db.migrate.upgrade's
`personal_cipher`); the db layer holds no key. A database with contacts to convert and no cipher
given is refused with a message, never half-converted; an empty one needs none. The downgrade
decrypts them back the same way.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08 09:00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import context, op

import gridcity.db.models
from gridcity.domain.messages import message

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIME = gridcity.db.models.UTCDateTime(timezone=True)
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# as services.contact_store names them (the associated data of each value)
_FIELDS = {"contact_name": "case.contact_name", "contact_phone": "case.contact_phone"}
_BATCH = 1000


def _cipher(connection: sa.Connection, has_rows: sa.TextClause) -> Any:
    given = context.config.attributes.get("personal_cipher")
    if given is None and connection.execute(has_rows).first() is not None:
        raise RuntimeError(str(message("privacy.migration_needs_key")))
    return given


def _drop_case_columns(*names: str) -> None:
    for name in names:
        if op.get_bind().dialect.name == "sqlite":
            # in place: a batch copy of `cases` cannot drop the table its history rows refer to
            op.execute(f"ALTER TABLE cases DROP COLUMN {name}")
        else:
            op.drop_column("cases", name)


def _convert(source: tuple[str, str], target: tuple[str, str], change: Any) -> None:
    """Rewrite every case with a contact from the `source` columns into the `target` ones, in batches
    of ids (one statement per row: the values are encrypted or decrypted one by one)."""
    connection = op.get_bind()
    a, b = source
    last = 0
    while True:
        rows = connection.execute(
            sa.text(
                f"SELECT id, {a}, {b} FROM cases WHERE id > :last AND ({a} IS NOT NULL OR {b} IS NOT NULL) "
                "ORDER BY id LIMIT :n"
            ),
            {"last": last, "n": _BATCH},
        ).all()
        if not rows:
            return
        connection.execute(
            sa.text(f"UPDATE cases SET {target[0]} = :x, {target[1]} = :y WHERE id = :id"),
            [{"id": r[0], "x": change(r[1], 0), "y": change(r[2], 1)} for r in rows],
        )
        last = rows[-1][0]


def upgrade() -> None:
    connection = op.get_bind()
    # before any change: SQLite runs DDL outside the transaction, so a refusal must come first
    crypt = _cipher(
        connection,
        sa.text("SELECT 1 FROM cases WHERE contact_name IS NOT NULL OR contact_phone IS NOT NULL LIMIT 1"),
    )
    op.add_column("cases", sa.Column("contact_name_enc", sa.LargeBinary(), nullable=True))
    op.add_column("cases", sa.Column("contact_phone_enc", sa.LargeBinary(), nullable=True))
    fields = list(_FIELDS.values())
    if crypt is not None:
        _convert(
            ("contact_name", "contact_phone"),
            ("contact_name_enc", "contact_phone_enc"),
            lambda value, i: crypt.encrypt(value, fields[i]) if value else None,
        )
    _drop_case_columns("contact_name", "contact_phone")

    op.create_table(
        "retention_erasures",
        sa.Column("id", _ID, nullable=False),
        sa.Column("at", _TIME, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("record_id", _ID, nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("ended_at", _TIME, nullable=False),
        sa.Column("scope_code", sa.String(length=20), nullable=False),
        sa.Column("erased_by", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_erasures")),
    )
    op.create_index(op.f("ix_retention_erasures_at"), "retention_erasures", ["at"], unique=False)
    op.create_index(
        op.f("ix_retention_erasures_scope_code"), "retention_erasures", ["scope_code"], unique=False
    )
    # what was erased, and when, is history: nobody edits or removes it
    if connection.dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER retention_erasures_no_{verb.lower()} BEFORE {verb} ON retention_erasures "
                "BEGIN SELECT RAISE(ABORT, 'the record of erasures is append-only'); END"
            )
    else:
        op.execute(
            "CREATE FUNCTION retention_erasures_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'the record of erasures is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER retention_erasures_append_only BEFORE UPDATE OR DELETE ON retention_erasures "
            "FOR EACH ROW EXECUTE FUNCTION retention_erasures_append_only()"
        )


def downgrade() -> None:
    connection = op.get_bind()
    # before any change: SQLite runs DDL outside the transaction, so a refusal must come first
    crypt = _cipher(
        connection,
        sa.text(
            "SELECT 1 FROM cases WHERE contact_name_enc IS NOT NULL OR contact_phone_enc IS NOT NULL LIMIT 1"
        ),
    )
    if connection.dialect.name != "sqlite":
        op.execute("DROP TRIGGER IF EXISTS retention_erasures_append_only ON retention_erasures")
        op.execute("DROP FUNCTION IF EXISTS retention_erasures_append_only()")
    op.drop_index(op.f("ix_retention_erasures_scope_code"), table_name="retention_erasures")
    op.drop_index(op.f("ix_retention_erasures_at"), table_name="retention_erasures")
    op.drop_table("retention_erasures")  # the SQLite triggers go with their table

    op.add_column("cases", sa.Column("contact_name", sa.String(length=80), nullable=True))
    op.add_column("cases", sa.Column("contact_phone", sa.String(length=40), nullable=True))
    fields = list(_FIELDS.values())
    if crypt is not None:
        _convert(
            ("contact_name_enc", "contact_phone_enc"),
            ("contact_name", "contact_phone"),
            lambda blob, i: crypt.decrypt(blob, fields[i]) if blob is not None else None,
        )
    _drop_case_columns("contact_name_enc", "contact_phone_enc")
