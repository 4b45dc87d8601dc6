"""attachments: when and where a photo was taken (EXIF DateTimeOriginal and GPS), read at upload

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gridcity.db.models

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("attachments") as batch:
        batch.add_column(sa.Column("taken_at", gridcity.db.models.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("taken_lon", sa.Float(), nullable=True))
        batch.add_column(sa.Column("taken_lat", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("attachments") as batch:
        batch.drop_column("taken_lat")
        batch.drop_column("taken_lon")
        batch.drop_column("taken_at")
