"""the request id (X-Request-ID) of the request that wrote each history row and outbox message

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-14 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("case_events", "outbox")


def upgrade() -> None:
    # a plain ALTER TABLE … ADD COLUMN on both databases (no batch copy of the table): case_events
    # keeps its append-only triggers, and a nullable column costs no rewrite of the rows
    for table in _TABLES:
        op.add_column(table, sa.Column("request_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    # SQLite drops a column in place since 3.35 (ALTER TABLE … DROP COLUMN), triggers kept
    for table in _TABLES:
        op.execute(f"ALTER TABLE {table} DROP COLUMN request_id")
