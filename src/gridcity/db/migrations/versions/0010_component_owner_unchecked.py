"""components: the owner department id without a foreign key (the census import resolves and checks
it; a per-row RI check was a quarter of the import's time at millions of rows)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 13:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FK = "fk_components_owner_unit_id_org_units"


def upgrade() -> None:
    with op.batch_alter_table("components") as batch:
        batch.drop_constraint(_FK, type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("components") as batch:
        batch.create_foreign_key(_FK, "org_units", ["owner_unit_id"], ["id"])
