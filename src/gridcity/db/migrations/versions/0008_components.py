"""components: the city's components (管理部件), versioned; a case's link to the component it is about

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 10:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gridcity.db.models

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CURRENT = sa.text("valid_to IS NULL")


def upgrade() -> None:
    op.create_table(
        "components",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=17), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("standard", sa.String(length=40), nullable=False),
        sa.Column("class_code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("geom_wkb", sa.LargeBinary(), nullable=True),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("street_code", sa.String(length=9), nullable=False),
        sa.Column("community_code", sa.String(length=12), nullable=True),
        sa.Column("grid_code", sa.String(length=24), nullable=True),
        sa.Column("owner_code", sa.String(length=18), nullable=True),
        sa.Column("owner_name", sa.String(length=100), nullable=False),
        sa.Column("owner_unit_id", sa.Integer(), nullable=True),
        sa.Column("keeper_code", sa.String(length=18), nullable=True),
        sa.Column("keeper_name", sa.String(length=100), nullable=True),
        sa.Column("maintainer_code", sa.String(length=18), nullable=True),
        sa.Column("maintainer_name", sa.String(length=100), nullable=True),
        sa.Column("initial_date", sa.Date(), nullable=False),
        sa.Column("change_date", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=30), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("valid_from", gridcity.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_to", gridcity.db.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_unit_id"], ["org_units.id"], name=op.f("fk_components_owner_unit_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_components")),
        sa.UniqueConstraint("code", "version", name=op.f("uq_components_code_version")),
    )
    for name, columns in (
        ("ix_components_nearest", ["class_code", "lat", "lon"]),
        ("ix_components_area", ["lat", "lon"]),
        ("ix_components_grid", ["grid_code"]),
    ):
        op.create_index(name, "components", columns, sqlite_where=_CURRENT, postgresql_where=_CURRENT)
    op.add_column("cases", sa.Column("component_code", sa.String(length=17), nullable=True))
    op.create_index(op.f("ix_cases_component_code"), "cases", ["component_code"])


def downgrade() -> None:
    op.drop_index(op.f("ix_cases_component_code"), table_name="cases")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("component_code")
    for name in ("ix_components_grid", "ix_components_area", "ix_components_nearest"):
        op.drop_index(name, table_name="components")
    op.drop_table("components")
