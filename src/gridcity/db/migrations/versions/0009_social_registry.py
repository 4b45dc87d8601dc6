"""social registry (人地事物组织): places, organisations, households, residents (ID number and phone
encrypted), things, grid staff, visits, case subjects, and the append-only personal-data access log

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gridcity.db.models

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "registry_places",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("attrs", sa.JSON(), nullable=False),
        sa.Column("valid_from", gridcity.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_to", gridcity.db.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", gridcity.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("geom_wkb", sa.LargeBinary(), nullable=True),
        sa.Column("min_lon", sa.Float(), nullable=True),
        sa.Column("min_lat", sa.Float(), nullable=True),
        sa.Column("max_lon", sa.Float(), nullable=True),
        sa.Column("max_lat", sa.Float(), nullable=True),
        sa.Column("area_m2", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("street_code", sa.String(length=9), nullable=False),
        sa.Column("community_code", sa.String(length=12), nullable=True),
        sa.Column("grid_code", sa.String(length=24), nullable=True),
        sa.Column("ss_grid_code", sa.String(length=24), nullable=True),
        sa.Column("ps_grid_code", sa.String(length=24), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["registry_places.id"], name=op.f("fk_registry_places_parent_id_registry_places")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_places")),
    )
    op.create_index(op.f("ix_registry_places_grid_code"), "registry_places", ["grid_code"], unique=False)
    op.create_index(op.f("ix_registry_places_parent_id"), "registry_places", ["parent_id"], unique=False)
    op.create_index(
        op.f("ix_registry_places_ps_grid_code"), "registry_places", ["ps_grid_code"], unique=False
    )
    op.create_index(
        op.f("ix_registry_places_ss_grid_code"), "registry_places", ["ss_grid_code"], unique=False
    )
    op.create_index(op.f("ix_registry_places_street_code"), "registry_places", ["street_code"], unique=False)
    op.create_table(
        "registry_households",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=True),
        sa.Column("valid_from", gridcity.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_to", gridcity.db.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", gridcity.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("street_code", sa.String(length=9), nullable=False),
        sa.Column("community_code", sa.String(length=12), nullable=True),
        sa.Column("grid_code", sa.String(length=24), nullable=True),
        sa.Column("ss_grid_code", sa.String(length=24), nullable=True),
        sa.Column("ps_grid_code", sa.String(length=24), nullable=True),
        sa.ForeignKeyConstraint(
            ["place_id"], ["registry_places.id"], name=op.f("fk_registry_households_place_id_registry_places")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_households")),
    )
    op.create_index(
        op.f("ix_registry_households_grid_code"), "registry_households", ["grid_code"], unique=False
    )
    op.create_index(
        op.f("ix_registry_households_place_id"), "registry_households", ["place_id"], unique=False
    )
    op.create_index(
        op.f("ix_registry_households_ps_grid_code"), "registry_households", ["ps_grid_code"], unique=False
    )
    op.create_index(
        op.f("ix_registry_households_ss_grid_code"), "registry_households", ["ss_grid_code"], unique=False
    )
    op.create_index(
        op.f("ix_registry_households_street_code"), "registry_households", ["street_code"], unique=False
    )
    op.create_table(
        "registry_organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=True),
        sa.Column("place_id", sa.Integer(), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("attrs", sa.JSON(), nullable=False),
        sa.Column("valid_from", gridcity.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_to", gridcity.db.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", gridcity.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("street_code", sa.String(length=9), nullable=False),
        sa.Column("community_code", sa.String(length=12), nullable=True),
        sa.Column("grid_code", sa.String(length=24), nullable=True),
        sa.Column("ss_grid_code", sa.String(length=24), nullable=True),
        sa.Column("ps_grid_code", sa.String(length=24), nullable=True),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["registry_places.id"],
            name=op.f("fk_registry_organisations_place_id_registry_places"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_organisations")),
    )
    op.create_index(
        op.f("ix_registry_organisations_grid_code"), "registry_organisations", ["grid_code"], unique=False
    )
    op.create_index(
        op.f("ix_registry_organisations_place_id"), "registry_organisations", ["place_id"], unique=False
    )
    op.create_index(
        op.f("ix_registry_organisations_ps_grid_code"),
        "registry_organisations",
        ["ps_grid_code"],
        unique=False,
    )
    op.create_index(
        op.f("ix_registry_organisations_ss_grid_code"),
        "registry_organisations",
        ["ss_grid_code"],
        unique=False,
    )
    op.create_index(
        op.f("ix_registry_organisations_street_code"), "registry_organisations", ["street_code"], unique=False
    )
    op.create_index(op.f("ix_registry_organisations_uscc"), "registry_organisations", ["uscc"], unique=False)
    op.create_table(
        "registry_things",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("risk_level", sa.String(length=8), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=True),
        sa.Column("attrs", sa.JSON(), nullable=False),
        sa.Column("valid_from", gridcity.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_to", gridcity.db.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", gridcity.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("street_code", sa.String(length=9), nullable=False),
        sa.Column("community_code", sa.String(length=12), nullable=True),
        sa.Column("grid_code", sa.String(length=24), nullable=True),
        sa.Column("ss_grid_code", sa.String(length=24), nullable=True),
        sa.Column("ps_grid_code", sa.String(length=24), nullable=True),
        sa.ForeignKeyConstraint(
            ["place_id"], ["registry_places.id"], name=op.f("fk_registry_things_place_id_registry_places")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_things")),
    )
    op.create_index(op.f("ix_registry_things_grid_code"), "registry_things", ["grid_code"], unique=False)
    op.create_index(op.f("ix_registry_things_place_id"), "registry_things", ["place_id"], unique=False)
    op.create_index(
        op.f("ix_registry_things_ps_grid_code"), "registry_things", ["ps_grid_code"], unique=False
    )
    op.create_index(
        op.f("ix_registry_things_ss_grid_code"), "registry_things", ["ss_grid_code"], unique=False
    )
    op.create_index(op.f("ix_registry_things_street_code"), "registry_things", ["street_code"], unique=False)
    op.create_table(
        "grid_staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("layer", sa.String(length=20), nullable=False),
        sa.Column("grid_code", sa.String(length=24), nullable=False),
        sa.Column("valid_from", gridcity.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_to", gridcity.db.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("assigned_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_grid_staff_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grid_staff")),
    )
    op.create_index("ix_grid_staff_grid", "grid_staff", ["layer", "grid_code"], unique=False)
    op.create_index(op.f("ix_grid_staff_user_id"), "grid_staff", ["user_id"], unique=False)
    op.create_table(
        "personal_access_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", gridcity.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("action", sa.String(length=12), nullable=False),
        sa.Column("record_kind", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("scope_code", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_personal_access_log_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_access_log")),
    )
    op.create_index(op.f("ix_personal_access_log_at"), "personal_access_log", ["at"], unique=False)
    op.create_index(
        op.f("ix_personal_access_log_scope_code"), "personal_access_log", ["scope_code"], unique=False
    )
    op.create_index(op.f("ix_personal_access_log_user_id"), "personal_access_log", ["user_id"], unique=False)
    op.create_table(
        "registry_residents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("gender", sa.String(length=8), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("relation", sa.String(length=16), nullable=False),
        sa.Column("id_number_enc", sa.LargeBinary(), nullable=True),
        sa.Column("id_number_index", sa.String(length=64), nullable=True),
        sa.Column("id_number_masked", sa.String(length=24), nullable=True),
        sa.Column("phone_enc", sa.LargeBinary(), nullable=True),
        sa.Column("phone_masked", sa.String(length=24), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("security_tagged", sa.Boolean(), nullable=False),
        sa.Column("moved_in_at", gridcity.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("moved_out_at", gridcity.db.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", gridcity.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["registry_households.id"],
            name=op.f("fk_registry_residents_household_id_registry_households"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_residents")),
    )
    op.create_index(
        op.f("ix_registry_residents_household_id"), "registry_residents", ["household_id"], unique=False
    )
    op.create_index(
        op.f("ix_registry_residents_id_number_index"), "registry_residents", ["id_number_index"], unique=False
    )
    op.create_index(
        op.f("ix_registry_residents_security_tagged"), "registry_residents", ["security_tagged"], unique=False
    )
    op.create_table(
        "case_subjects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("subject_kind", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", gridcity.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_subjects_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_subjects")),
        sa.UniqueConstraint(
            "case_id",
            "subject_kind",
            "subject_id",
            name=op.f("uq_case_subjects_case_id_subject_kind_subject_id"),
        ),
    )
    op.create_index(op.f("ix_case_subjects_case_id"), "case_subjects", ["case_id"], unique=False)
    op.create_table(
        "registry_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("place_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("at", gridcity.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("street_code", sa.String(length=9), nullable=False),
        sa.Column("ss_grid_code", sa.String(length=24), nullable=True),
        sa.Column("ps_grid_code", sa.String(length=24), nullable=True),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_registry_visits_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["registry_households.id"],
            name=op.f("fk_registry_visits_household_id_registry_households"),
        ),
        sa.ForeignKeyConstraint(
            ["place_id"], ["registry_places.id"], name=op.f("fk_registry_visits_place_id_registry_places")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["registry_residents.id"],
            name=op.f("fk_registry_visits_resident_id_registry_residents"),
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_registry_visits_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_visits")),
    )
    op.create_index(
        op.f("ix_registry_visits_household_id"), "registry_visits", ["household_id"], unique=False
    )
    op.create_index(op.f("ix_registry_visits_place_id"), "registry_visits", ["place_id"], unique=False)
    op.create_index(op.f("ix_registry_visits_resident_id"), "registry_visits", ["resident_id"], unique=False)
    op.create_index(op.f("ix_registry_visits_user_id"), "registry_visits", ["user_id"], unique=False)

    # who read personal data in clear is history: nobody edits or removes it
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER personal_access_log_no_{verb.lower()} BEFORE {verb} ON personal_access_log "
                "BEGIN SELECT RAISE(ABORT, 'the personal-data access log is append-only'); END"
            )
    else:
        op.execute(
            "CREATE FUNCTION personal_access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'the personal-data access log is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER personal_access_log_append_only BEFORE UPDATE OR DELETE ON personal_access_log "
            "FOR EACH ROW EXECUTE FUNCTION personal_access_log_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP TRIGGER IF EXISTS personal_access_log_append_only ON personal_access_log")
        op.execute("DROP FUNCTION IF EXISTS personal_access_log_append_only()")
    op.drop_index(op.f("ix_registry_visits_user_id"), table_name="registry_visits")
    op.drop_index(op.f("ix_registry_visits_resident_id"), table_name="registry_visits")
    op.drop_index(op.f("ix_registry_visits_place_id"), table_name="registry_visits")
    op.drop_index(op.f("ix_registry_visits_household_id"), table_name="registry_visits")
    op.drop_table("registry_visits")
    op.drop_index(op.f("ix_case_subjects_case_id"), table_name="case_subjects")
    op.drop_table("case_subjects")
    op.drop_index(op.f("ix_registry_residents_security_tagged"), table_name="registry_residents")
    op.drop_index(op.f("ix_registry_residents_id_number_index"), table_name="registry_residents")
    op.drop_index(op.f("ix_registry_residents_household_id"), table_name="registry_residents")
    op.drop_table("registry_residents")
    op.drop_index(op.f("ix_personal_access_log_user_id"), table_name="personal_access_log")
    op.drop_index(op.f("ix_personal_access_log_scope_code"), table_name="personal_access_log")
    op.drop_index(op.f("ix_personal_access_log_at"), table_name="personal_access_log")
    op.drop_table("personal_access_log")
    op.drop_index(op.f("ix_grid_staff_user_id"), table_name="grid_staff")
    op.drop_index("ix_grid_staff_grid", table_name="grid_staff")
    op.drop_table("grid_staff")
    op.drop_index(op.f("ix_registry_things_street_code"), table_name="registry_things")
    op.drop_index(op.f("ix_registry_things_ss_grid_code"), table_name="registry_things")
    op.drop_index(op.f("ix_registry_things_ps_grid_code"), table_name="registry_things")
    op.drop_index(op.f("ix_registry_things_place_id"), table_name="registry_things")
    op.drop_index(op.f("ix_registry_things_grid_code"), table_name="registry_things")
    op.drop_table("registry_things")
    op.drop_index(op.f("ix_registry_organisations_uscc"), table_name="registry_organisations")
    op.drop_index(op.f("ix_registry_organisations_street_code"), table_name="registry_organisations")
    op.drop_index(op.f("ix_registry_organisations_ss_grid_code"), table_name="registry_organisations")
    op.drop_index(op.f("ix_registry_organisations_ps_grid_code"), table_name="registry_organisations")
    op.drop_index(op.f("ix_registry_organisations_place_id"), table_name="registry_organisations")
    op.drop_index(op.f("ix_registry_organisations_grid_code"), table_name="registry_organisations")
    op.drop_table("registry_organisations")
    op.drop_index(op.f("ix_registry_households_street_code"), table_name="registry_households")
    op.drop_index(op.f("ix_registry_households_ss_grid_code"), table_name="registry_households")
    op.drop_index(op.f("ix_registry_households_ps_grid_code"), table_name="registry_households")
    op.drop_index(op.f("ix_registry_households_place_id"), table_name="registry_households")
    op.drop_index(op.f("ix_registry_households_grid_code"), table_name="registry_households")
    op.drop_table("registry_households")
    op.drop_index(op.f("ix_registry_places_street_code"), table_name="registry_places")
    op.drop_index(op.f("ix_registry_places_ss_grid_code"), table_name="registry_places")
    op.drop_index(op.f("ix_registry_places_ps_grid_code"), table_name="registry_places")
    op.drop_index(op.f("ix_registry_places_parent_id"), table_name="registry_places")
    op.drop_index(op.f("ix_registry_places_grid_code"), table_name="registry_places")
    op.drop_table("registry_places")
