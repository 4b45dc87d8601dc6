"""ORM classes: data and relationships only; the rules live in `gridcity.domain`.

Geometry is stored portably as WKB plus a bounding box, so SQLite and PostgreSQL hold the same rows;
point-in-polygon work runs in memory on shapely (see `gridcity.spatial.index`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine.processors import str_to_datetime
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from gridcity.domain.rollups import CASE_COUNTERS, POST_COUNTERS

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (which drops the zone) too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use an aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        """`process_result_value` on what the dialect makes of the driver's value, in one function
        rather than TypeDecorator's three calls for each value (a map window reads four a row,
        20,000 rows). SQLite's text, which SQLAlchemy parses with `datetime.fromisoformat`, is read
        as UTC at once: `fromisoformat(text + "+00:00")` is `fromisoformat(text).replace(tzinfo=UTC)`
        for the naive text this type stores, at a fifth of the cost of `replace`."""
        convert = self.impl_instance.result_processor(dialect, coltype)
        text_as_utc = convert is str_to_datetime

        def process(value: Any) -> datetime | None:
            if value is None:
                return None
            if text_as_utc:
                try:
                    return _fromisoformat(value + "+00:00")
                except ValueError:  # text with an offset of its own: the general rule below
                    pass
            if convert is not None:
                value = convert(value)
            # process_result_value (an aware UTC value is kept as it is: astimezone would copy it)
            if value.tzinfo is None:
                return value.replace(tzinfo=UTC)
            return value if value.tzinfo is UTC else value.astimezone(UTC)

        return process


_fromisoformat = datetime.fromisoformat


def utcnow() -> datetime:
    return datetime.now(UTC)


# The largest ids the integer columns hold on SQLite and PostgreSQL: a number beyond them that a
# client sends is refused as bad input (api.schemas, web.pages) before it reaches the driver.
MAX_ID = 2**63 - 1  # BIGINT ids: cases, history rows
MAX_ROW_ID = 2**31 - 1  # INTEGER ids: users, organisation units, attachments, registry rows


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class GeometryMixin:
    """WKB geometry with a bounding box for cheap window queries (map layers)."""

    geom_wkb: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    min_lon: Mapped[float | None] = mapped_column(Float)
    min_lat: Mapped[float | None] = mapped_column(Float)
    max_lon: Mapped[float | None] = mapped_column(Float)
    max_lat: Mapped[float | None] = mapped_column(Float)
    area_m2: Mapped[float | None] = mapped_column(Float)


class OrgUnit(GeometryMixin, Base):
    """One node of the organisation tree: a territorial unit (city, district, street, community —
    each runs its platform) or a department (city bureau, utility enterprise, district/street
    department)."""

    __tablename__ = "org_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), index=True)  # city|district|street|community|department
    tier: Mapped[str] = mapped_column(String(20))  # city|district|street|community
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    # Territory code whose cases this unit sees ('' = the whole city).
    scope_code: Mapped[str] = mapped_column(String(20), default="", index=True)
    networks: Mapped[list[Any]] = mapped_column(default=list)
    attrs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped[OrgUnit | None] = relationship(remote_side=[id])


class Grid(GeometryMixin, Base):
    """A grid of one of the three layers, one version; a new version supersedes, never edits."""

    __tablename__ = "grids"
    __table_args__ = (
        UniqueConstraint("layer", "code", "version"),
        Index("ix_grids_current", "layer", "valid_to"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    layer: Mapped[str] = mapped_column(String(20))  # city_management|social_service|public_security
    code: Mapped[str] = mapped_column(String(24), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    district_code: Mapped[str] = mapped_column(String(6), index=True)
    street_code: Mapped[str] = mapped_column(String(9), index=True)
    community_code: Mapped[str | None] = mapped_column(String(12), index=True)
    valid_from: Mapped[datetime] = mapped_column()
    valid_to: Mapped[datetime | None] = mapped_column()
    land_use: Mapped[str | None] = mapped_column(String(40))
    responsible_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    source: Mapped[str] = mapped_column(String(20), default="generated")  # generated|imported
    attrs: Mapped[dict[str, Any]] = mapped_column(default=dict)


class GridCrosswalk(Base):
    """Overlap of a grid of one layer with a grid of another (三网融合 crosswalk)."""

    __tablename__ = "grid_crosswalk"
    __table_args__ = (UniqueConstraint("grid_a_id", "grid_b_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_a_id: Mapped[int] = mapped_column(ForeignKey("grids.id", ondelete="CASCADE"), index=True)
    grid_b_id: Mapped[int] = mapped_column(ForeignKey("grids.id", ondelete="CASCADE"), index=True)
    layer_a: Mapped[str] = mapped_column(String(20))
    layer_b: Mapped[str] = mapped_column(String(20))
    overlap_m2: Mapped[float] = mapped_column(Float)


class CaseClass(Base):
    """The effective definition of one class (minor class) of one standard, as the city set it."""

    __tablename__ = "case_classes"
    __table_args__ = (UniqueConstraint("standard", "kind", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    standard: Mapped[str] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(12), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    major_code: Mapped[str] = mapped_column(String(4))
    name: Mapped[str] = mapped_column(String(100))
    network: Mapped[str] = mapped_column(String(20))
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    definition: Mapped[dict[str, Any]] = mapped_column()  # taxonomy.dump_class(...)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), index=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    org_unit: Mapped[OrgUnit] = relationship(lazy="joined")


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored so a database leak does not leak sessions."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    # when the token was last seen (the idle timeout); written at most once a minute, not per request
    last_used_at: Mapped[datetime | None] = mapped_column()


class SigninCounter(Base):
    """Failed sign-ins of one username or one client address within the window, and an account's
    lock (services.signin_guard). In the database, so that every process counts the same."""

    __tablename__ = "signin_counters"

    kind: Mapped[str] = mapped_column(String(10), primary_key=True)  # account | address
    key: Mapped[str] = mapped_column(String(200), primary_key=True)  # the username or the address
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[datetime] = mapped_column(index=True)
    locked_until: Mapped[datetime | None] = mapped_column()


class SigninLockEvent(Base):
    """Each lock and unlock of a username: who, when, why. Append-only: database triggers refuse
    UPDATE and DELETE."""

    __tablename__ = "signin_lock_events"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    username: Mapped[str] = mapped_column(String(80), index=True)  # as typed; may name no account
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(10))  # lock | unlock
    locked_until: Mapped[datetime | None] = mapped_column()
    failures: Mapped[int | None] = mapped_column(Integer)
    address: Mapped[str | None] = mapped_column(String(64))  # where the last failure came from
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    by_name: Mapped[str] = mapped_column(String(120))  # the admin, "command line" or "system"
    reason: Mapped[str] = mapped_column(Text)


class Case(Base):
    """A case (案件). Changed only by `services.cases`; every change appends a CaseEvent."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_state_deadline", "state", "stage_deadline"),
        Index("ix_cases_district_state", "district_code", "state"),
        Index("ix_cases_dept_state", "department_id", "state"),
        # a list's newest first within the caller's scope (services.access.visibility_clause)
        Index("ix_cases_district_reported", "district_code", "reported_at", "id"),
        Index("ix_cases_street_reported", "street_code", "reported_at", "id"),
        Index("ix_cases_dept_reported", "department_id", "reported_at", "id"),
        # the assessment's facts of time (db.rollups.time_facts): the open cases filed in a period,
        # with every column the count reads, so that it never visits the table (a year's open
        # overdue cases are read for each table of the assessment)
        Index(
            "ix_cases_state_filed",
            "state",
            "filed_at",
            "stage_deadline",
            "stage",
            "rework_count",
            "disposed_at",
            "district_code",
            "street_code",
            "community_code",
            "grid_code",
            "department_id",
            # the 12345 response not yet given (db.evaluation.time_fact_conditions)
            "channel",
            "dispatched_at",
            "response_s",
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    # Optimistic lock: every UPDATE is `WHERE version = :seen`, so two dispatchers cannot both win.
    # services.cases bumps the version once per action (not once per flush).
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}
    state: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str] = mapped_column(String(20))
    client_key: Mapped[str | None] = mapped_column(String(120), unique=True)

    standard: Mapped[str] = mapped_column(String(40))
    class_code: Mapped[str] = mapped_column(String(12), index=True)
    class_name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(12))
    network: Mapped[str] = mapped_column(String(20))
    urgency: Mapped[str] = mapped_column(String(12), default="normal")
    description: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str | None] = mapped_column(String(300))

    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    district_code: Mapped[str] = mapped_column(String(6))
    street_code: Mapped[str] = mapped_column(String(9), index=True)
    community_code: Mapped[str | None] = mapped_column(String(12))
    grid_code: Mapped[str | None] = mapped_column(String(24), index=True)  # city-management unit grid
    ss_grid_code: Mapped[str | None] = mapped_column(String(24))  # social-service grid
    ps_grid_code: Mapped[str | None] = mapped_column(String(24))  # public-security grid
    component_code: Mapped[str | None] = mapped_column(String(17), index=True)  # the 部件 it is about

    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # the reporter's callback contact (回访联系方式), encrypted like the registry's personal data; read
    # and written only through services.contact_store, erased after the retention (services.retention)
    contact_name_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    contact_phone_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    proposed_department_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))

    # The clock of the current stage (see domain.clock.StageClock).
    stage: Mapped[str | None] = mapped_column(String(12))
    stage_started_at: Mapped[datetime | None] = mapped_column()
    stage_unit: Mapped[str | None] = mapped_column(String(12))
    stage_budget_s: Mapped[float | None] = mapped_column(Float)
    stage_paused_s: Mapped[float] = mapped_column(Float, default=0.0)
    stage_paused_since: Mapped[datetime | None] = mapped_column()
    stage_deadline: Mapped[datetime | None] = mapped_column()
    # Deadline of the disposal stage as it stood at report_done: the on-time test of 按期处置.
    dispose_deadline: Mapped[datetime | None] = mapped_column()
    # Calendar seconds from the latest dispatch to the department's first answer to it (签收, or a
    # return request): the 12345 响应率 (domain.assessment). None: not dispatched or not answered yet.
    response_s: Mapped[float | None] = mapped_column(Float)

    rework_count: Mapped[int] = mapped_column(Integer, default=0)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    extension_count: Mapped[int] = mapped_column(Integer, default=0)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)  # domain.escalation.Level
    # The deadline sweep's marks (services.sweep): warnings sent in the current stage round
    # (domain.escalation.Warned, reset when a stage starts) and when to look at the case next
    # (set to the stage start whenever the clock changes; None: nothing can come due).
    stage_warned: Mapped[int] = mapped_column(Integer, default=0)
    sweep_at: Mapped[datetime | None] = mapped_column()
    closing_type: Mapped[str | None] = mapped_column(String(16))
    pending_request: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)

    reported_at: Mapped[datetime] = mapped_column(index=True)
    filed_at: Mapped[datetime | None] = mapped_column()
    dispatched_at: Mapped[datetime | None] = mapped_column()
    disposed_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()

    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.seq", lazy="selectin"
    )
    # 配合单位: departments that help the responsible one; they see the case too
    cooperating: Mapped[list[OrgUnit]] = relationship(secondary="case_cooperators", lazy="selectin")


case_cooperators = Table(
    "case_cooperators",
    Base.metadata,
    Column("case_id", ForeignKey("cases.id"), primary_key=True),
    Column("department_id", ForeignKey("org_units.id"), primary_key=True, index=True),
)


class CaseEvent(Base):
    """One line of a case's history. Append-only: a database trigger refuses UPDATE and DELETE."""

    __tablename__ = "case_events"
    __table_args__ = (UniqueConstraint("case_id", "seq"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column()
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(120))
    actor_role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(24))
    from_state: Mapped[str | None] = mapped_column(String(24))
    to_state: Mapped[str] = mapped_column(String(24))
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # the X-Request-ID of the request that wrote it (observability.request_id); None when no
    # request did (the deadline sweep, a command, rows older than migration 0018)
    request_id: Mapped[str | None] = mapped_column(String(64))

    case: Mapped[Case] = relationship(back_populates="events")
    attachments: Mapped[list[Attachment]] = relationship(lazy="selectin")


class Attachment(Base):
    """A photo or document stored on disk; the row keeps its checksum and where it belongs."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("case_events.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_path: Mapped[str] = mapped_column(String(300))
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # where and when the photo was taken, from its EXIF at upload (services.photo_exif); empty when
    # the file carries none. Kept as read: the case page judges them against the case (domain.evidence).
    taken_at: Mapped[datetime | None] = mapped_column()
    taken_lon: Mapped[float | None] = mapped_column(Float)
    taken_lat: Mapped[float | None] = mapped_column(Float)


class Notification(Base):
    """Something a person must see: addressed to a user, or to a role within an organisation unit."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str | None] = mapped_column(String(20))
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("case_events.id"))
    kind: Mapped[str] = mapped_column(String(24))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    event: Mapped[CaseEvent | None] = relationship()


class OutboxMessage(Base):
    """An event to deliver outside, written in the same transaction as the change it reports."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    topic: Mapped[str] = mapped_column(String(40), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    payload: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column()
    request_id: Mapped[str | None] = mapped_column(String(64))  # as on the history row it reports


class CalendarDay(Base):
    """A city's own override of one day: a working day or a rest day (holiday table, 调休)."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(200), default="")


class PublicReceipt(Base):
    """The receipt of a report made on the public portal without an account: the key the reporter
    was shown once, stored only as a hash. Holding the key lets them rate or reopen the case."""

    __tablename__ = "public_receipts"

    case_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("cases.id"), primary_key=True
    )
    key_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseRating(Base):
    """A citizen's satisfaction rating (1-5 stars) of one closure of a case: `round` is the case's
    reopen_count when rated, so a reopened and closed-again case can be rated again, once per closure."""

    __tablename__ = "case_ratings"
    __table_args__ = (
        UniqueConstraint("case_id", "round"),
        CheckConstraint("stars >= 1 AND stars <= 5", name="stars_1_to_5"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("cases.id"), index=True
    )
    round: Mapped[int] = mapped_column(Integer)
    stars: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    rated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rated_at: Mapped[datetime] = mapped_column(index=True)
    # The department that did the rated work (the case's when it was rated): the rating stays on its
    # books when the case is reopened and re-dispatched to another ([7] item 6). None: self-handled.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    # portal: the reporter's stars; callback: an operator's 回访 of a 12345 caller, with its verdict
    # (satisfied | basically_satisfied | dissatisfied) and whether the caller says it was solved
    source: Mapped[str] = mapped_column(String(12), default="portal", server_default="portal")
    verdict: Mapped[str | None] = mapped_column(String(24))
    solved: Mapped[bool | None] = mapped_column(Boolean)


# The sweep's work list: the open cases whose next look is due, in (sweep_at, id) order.
Index("ix_cases_sweep_at", Case.sweep_at, Case.id)


class SupervisionEntry(Base):
    """A case on the monthly supervision list (月检查): still unsolved past its city-level escalation.
    A case still open at the next month's first sweep is carried over to that month's list too."""

    __tablename__ = "supervision_entries"
    __table_args__ = (UniqueConstraint("case_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("cases.id"), index=True
    )
    month: Mapped[str] = mapped_column(String(7), index=True)  # 'YYYY-MM', the city's local month
    added_at: Mapped[datetime] = mapped_column()
    reason: Mapped[str] = mapped_column(String(20))  # escalated | carried_over
    event_id: Mapped[int | None] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("case_events.id")
    )
    # what was late when the case joined the list (a carried-over entry keeps its first entry's):
    # the department's stage (dispose | rework), the department, and the stage's deadline
    stage: Mapped[str | None] = mapped_column(String(12))
    department_id: Mapped[int | None] = mapped_column(Integer)
    deadline: Mapped[datetime | None] = mapped_column()


class RankingSnapshot(Base):
    """A published monthly ranking (月排名), frozen: the rows exactly as evaluated when published and
    the configuration used. Never updated: a correction is a new version with its reason."""

    __tablename__ = "ranking_snapshots"
    __table_args__ = (UniqueConstraint("period", "kind", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(7), index=True)  # 'YYYY-MM', the city's local month
    kind: Mapped[str] = mapped_column(String(20))  # district | street | department
    version: Mapped[int] = mapped_column(Integer)
    published_at: Mapped[datetime] = mapped_column()
    published_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text, default="")  # required from version 2 on: the correction
    rows: Mapped[list[Any]] = mapped_column(JSON)
    config: Mapped[dict[str, Any]] = mapped_column(JSON)


# --- rollups of the assessment (domain.rollups): running counts per month, kept in the same
# transaction as each change of a case; `services.rollups` writes them, `db.rollups` reads them.


def _counters(names: tuple[str, ...]) -> list[Column[int]]:
    return [Column(name, Integer, nullable=False, default=0, server_default="0") for name in names]


rollup_regions = Table(
    "rollup_regions",
    Base.metadata,
    Column("month", String(7), primary_key=True),  # the city's local month, 'YYYY-MM'
    Column("level", String(10), primary_key=True),  # district | street | community | grid
    Column("code", String(32), primary_key=True),
    *_counters(CASE_COUNTERS),
)
rollup_departments = Table(
    "rollup_departments",
    Base.metadata,
    Column("month", String(7), primary_key=True),
    Column("department_id", Integer, primary_key=True),
    *_counters(CASE_COUNTERS),
)
rollup_posts = Table(
    "rollup_posts",
    Base.metadata,
    Column("month", String(7), primary_key=True),
    Column("role", String(20), primary_key=True),
    Column("user_id", Integer, primary_key=True),
    *_counters(POST_COUNTERS),
)


class RollupState(Base):
    """Under which rules the rollups were counted (`RollupRules.fingerprint`) and since when; one row.
    Rollups of other rules are not read until they are rebuilt."""

    __tablename__ = "rollup_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[str | None] = mapped_column(String(32))  # None: counted from the start
    rebuilt_at: Mapped[datetime] = mapped_column()
    cases: Mapped[int] = mapped_column(BigInteger, default=0)  # counted at the last rebuild


class Open311Client(Base):
    """A client application of the Open311 GeoReport v2 API (`services.open311`), issued an API key
    by an administrator. Only the key's SHA-256 is stored; the key is shown once, when issued. The
    application's requests are reported under its own citizen account (`account_id`), which nobody
    can sign in as."""

    __tablename__ = "open311_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_by: Mapped[str] = mapped_column(String(120))  # the issuer's username, or the command line
    issued_at: Mapped[datetime] = mapped_column()
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    revoked_at: Mapped[datetime | None] = mapped_column()


# --- webhooks out and department integrations (services.webhooks, services.integrations) ---

# The outbox's work list: the messages not yet fanned out to the subscriptions, in id order.
Index("ix_outbox_pending", OutboxMessage.delivered_at, OutboxMessage.id)


class WebhookSubscription(Base):
    """A docked system's wish to hear of case changes (`services.webhooks`): a department or
    enterprise (`org_unit_id`: only its own cases) or an outside platform (`scope_code`: a territory
    prefix, '' = the whole city), the events it wants, where to POST them and the secret that signs
    them. It hears of changes after it was made (outbox ids above `start_after_id`)."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    scope_code: Mapped[str] = mapped_column(String(20), default="")
    events: Mapped[list[Any]] = mapped_column(JSON)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(200))  # kept in clear: it signs every delivery
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    start_after_id: Mapped[int] = mapped_column(BigInteger, default=0)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column()
    disabled_at: Mapped[datetime | None] = mapped_column()

    org_unit: Mapped[OrgUnit | None] = relationship(lazy="joined")


class WebhookDelivery(Base):
    """One outbox message for one subscription: pending until the receiver answers 2xx (delivered)
    or the attempts run out (failed); `locked_until` is the lease of the worker sending it now."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "outbox_id"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscriptions.id"), index=True)
    outbox_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("outbox.id"), index=True
    )
    event: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending|delivered|failed|cancelled
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column()
    locked_until: Mapped[datetime | None] = mapped_column()
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column()
    delivered_at: Mapped[datetime | None] = mapped_column()


class WebhookAttempt(Base):
    """One POST of a delivery: written when the worker claims it, completed with the answer. One
    left without `finished_at` is an attempt whose worker stopped before it could record it."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("webhook_deliveries.id"), index=True
    )
    attempt: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    duration_ms: Mapped[float | None] = mapped_column(Float)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    ok: Mapped[bool] = mapped_column(Boolean, default=False)


class DepartmentIntegration(Base):
    """A department's own system docked through the inbound API (`services.integrations`): its API
    key (only the SHA-256 stored, shown once) and the handler account it acts as (sign-in disabled)."""

    __tablename__ = "department_integrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    issued_by: Mapped[str] = mapped_column(String(120))
    issued_at: Mapped[datetime] = mapped_column()
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    revoked_at: Mapped[datetime | None] = mapped_column()

    department: Mapped[OrgUnit] = relationship(lazy="joined")


class Component(Base):
    """One version of a city component (管理部件, `domain.components`). A census change closes the
    current version (`valid_to`) and adds the next one; a component is retired (state 移除), never
    deleted, so its history and the cases about it stay."""

    __tablename__ = "components"
    __table_args__ = (
        UniqueConstraint("code", "version"),
        # nearest component of a class around a reported point: a latitude band of the class, the
        # longitude tested inside the index (current versions only)
        Index(
            "ix_components_nearest",
            "class_code",
            "lat",
            "lon",
            sqlite_where=text("valid_to IS NULL"),
            postgresql_where=text("valid_to IS NULL"),
        ),
        # the map's visible area, whatever the class
        Index(
            "ix_components_area",
            "lat",
            "lon",
            sqlite_where=text("valid_to IS NULL"),
            postgresql_where=text("valid_to IS NULL"),
        ),
        Index(
            "ix_components_grid",
            "grid_code",
            sqlite_where=text("valid_to IS NULL"),
            postgresql_where=text("valid_to IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    code: Mapped[str] = mapped_column(String(17))  # 标识码: 16 (old generation) or 17 digits
    version: Mapped[int] = mapped_column(Integer)
    standard: Mapped[str] = mapped_column(String(40))
    class_code: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(60))
    state: Mapped[str] = mapped_column(String(12))  # domain.components.ComponentState
    # a point, or for lines and areas (fences, green plots) the WKB with a point on it in lon/lat
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    geom_wkb: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    district_code: Mapped[str] = mapped_column(String(6))
    street_code: Mapped[str] = mapped_column(String(9))
    community_code: Mapped[str | None] = mapped_column(String(12))
    grid_code: Mapped[str | None] = mapped_column(String(24))  # 所在单元网格
    owner_code: Mapped[str | None] = mapped_column(String(18))  # 主管部门代码 (统一社会信用代码)
    owner_name: Mapped[str] = mapped_column(String(100))
    # the owner department (org_units.id) as the import resolved it. No foreign key: a per-row check
    # costs a census import a quarter of its speed, the import only writes ids of departments it has
    # just read, and departments are never deleted (migration 0010)
    owner_unit_id: Mapped[int | None] = mapped_column(Integer)
    keeper_code: Mapped[str | None] = mapped_column(String(18))  # 权属单位
    keeper_name: Mapped[str | None] = mapped_column(String(100))
    maintainer_code: Mapped[str | None] = mapped_column(String(18))  # 养护单位
    maintainer_name: Mapped[str | None] = mapped_column(String(100))
    initial_date: Mapped[date] = mapped_column(Date)  # 初始日期: the first census
    change_date: Mapped[date | None] = mapped_column(Date)  # 变更日期
    source: Mapped[str | None] = mapped_column(String(30))  # 数据来源
    note: Mapped[str | None] = mapped_column(Text)  # 备注 (e.g. the reason of a change)
    valid_from: Mapped[datetime] = mapped_column()
    valid_to: Mapped[datetime | None] = mapped_column()
    recorded_by: Mapped[str] = mapped_column(String(120))


# --- the social base data of the grids (人地事物组织, services.registry) ----------------------------
# 人进户、户进房、房进格、格进图: residents belong to households, households to a house (a place),
# places lie in a unit grid and in the social-service and public-security grids over it. Rows are
# never deleted: a place or organisation ends (valid_to), a resident moves out (moved_out_at).


class RegistryLocated:
    """Where a registry row lies: its point and every territory and grid code over it (resolved
    from the point when written, so lists filter by grid without a spatial query)."""

    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    district_code: Mapped[str] = mapped_column(String(6))
    street_code: Mapped[str] = mapped_column(String(9), index=True)
    community_code: Mapped[str | None] = mapped_column(String(12))
    grid_code: Mapped[str | None] = mapped_column(String(24), index=True)  # city-management unit grid
    ss_grid_code: Mapped[str | None] = mapped_column(String(24), index=True)  # social-service grid
    ps_grid_code: Mapped[str | None] = mapped_column(String(24), index=True)  # public-security grid


class RegistryPlace(GeometryMixin, RegistryLocated, Base):
    """A place (地): a building, a house (a flat in a building: `parent_id`), a shop, another place."""

    __tablename__ = "registry_places"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # domain.registry.PlaceKind
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("registry_places.id"), index=True)
    attrs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    valid_from: Mapped[datetime] = mapped_column()
    valid_to: Mapped[datetime | None] = mapped_column()
    recorded_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column()


class RegistryOrganisation(RegistryLocated, Base):
    """An organisation (组织): company, school, hospital, social organisation, government body."""

    __tablename__ = "registry_organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # domain.registry.OrganisationKind
    name: Mapped[str] = mapped_column(String(200))
    uscc: Mapped[str | None] = mapped_column(String(18), index=True)  # 统一社会信用代码
    place_id: Mapped[int | None] = mapped_column(ForeignKey("registry_places.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))  # the organisation's own number, not a person's
    attrs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    valid_from: Mapped[datetime] = mapped_column()
    valid_to: Mapped[datetime | None] = mapped_column()
    recorded_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column()


class RegistryHousehold(RegistryLocated, Base):
    """A household (户) living in a house; its location and grids are its house's."""

    __tablename__ = "registry_households"

    id: Mapped[int] = mapped_column(primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("registry_places.id"), index=True)
    number: Mapped[str | None] = mapped_column(String(40))  # 户号, as the city numbers it
    valid_from: Mapped[datetime] = mapped_column()
    valid_to: Mapped[datetime | None] = mapped_column()
    recorded_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column()

    place: Mapped[RegistryPlace] = relationship(lazy="joined")


class RegistryResident(Base):
    """A resident (人), member of one household. The ID number and the phone are stored encrypted
    (`services.registry.personal_crypto`) with a masked copy for lists; the ID number also as a keyed blind
    index for exact lookups. Nothing else personal is kept."""

    __tablename__ = "registry_residents"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("registry_households.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    gender: Mapped[str] = mapped_column(String(8))  # domain.registry.Gender
    birth_date: Mapped[date | None] = mapped_column(Date)
    relation: Mapped[str] = mapped_column(String(16))  # 与户主关系: domain.registry.Relationship
    id_number_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    id_number_index: Mapped[str | None] = mapped_column(String(64), index=True)
    id_number_masked: Mapped[str | None] = mapped_column(String(24))
    phone_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_masked: Mapped[str | None] = mapped_column(String(24))
    tags: Mapped[list[Any]] = mapped_column(default=list)  # domain.registry.ResidentTag values
    # carries a public-security tag (domain.registry.SECURITY_TAGS): the police's list, indexed
    security_tagged: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    moved_in_at: Mapped[datetime] = mapped_column()
    moved_out_at: Mapped[datetime | None] = mapped_column()
    recorded_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column()

    household: Mapped[RegistryHousehold] = relationship(lazy="joined")


class RegistryThing(RegistryLocated, Base):
    """A thing (物) the grids watch: a key facility or a hazard, with its risk level."""

    __tablename__ = "registry_things"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # domain.registry.ThingKind
    name: Mapped[str] = mapped_column(String(200))
    risk_level: Mapped[str] = mapped_column(String(8))  # domain.registry.RiskLevel
    place_id: Mapped[int | None] = mapped_column(ForeignKey("registry_places.id"), index=True)
    attrs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    valid_from: Mapped[datetime] = mapped_column()
    valid_to: Mapped[datetime | None] = mapped_column()
    recorded_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column()


class CaseSubject(Base):
    """A place, organisation, resident or thing a case is about (案件关联)."""

    __tablename__ = "case_subjects"
    __table_args__ = (UniqueConstraint("case_id", "subject_kind", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("cases.id"), index=True
    )
    subject_kind: Mapped[str] = mapped_column(String(16))  # domain.registry.SubjectKind
    subject_id: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))  # domain.registry.SubjectRole
    note: Mapped[str] = mapped_column(String(300), default="")
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column()


class RegistryVisit(Base):
    """A visit (走访) to a household or a service request (服务诉求) recorded by grid staff."""

    __tablename__ = "registry_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # domain.registry.VisitKind
    household_id: Mapped[int | None] = mapped_column(ForeignKey("registry_households.id"), index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("registry_residents.id"), index=True)
    place_id: Mapped[int | None] = mapped_column(ForeignKey("registry_places.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    at: Mapped[datetime] = mapped_column()
    note: Mapped[str] = mapped_column(Text, default="")
    street_code: Mapped[str] = mapped_column(String(9))
    ss_grid_code: Mapped[str | None] = mapped_column(String(24))
    ps_grid_code: Mapped[str | None] = mapped_column(String(24))
    case_id: Mapped[int | None] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("cases.id")
    )  # a service request that became a case


_SUPERVISOR_HOLDS = text("layer = 'city_management' AND valid_to IS NULL")


class GridStaff(Base):
    """A staff member assigned to a grid of a layer (网格员 to a social-service grid, 治安网格员 to a
    public-security grid, a supervisor 监督员 to a unit grid: 责任网格, `services.supervisor_grids`);
    ends rather than being deleted, so who held a grid on a past day can be read back."""

    __tablename__ = "grid_staff"
    __table_args__ = (
        Index("ix_grid_staff_grid", "layer", "grid_code"),
        # one supervisor per unit grid at a time (the database says so, not only the service)
        Index(
            "uq_grid_staff_unit_grid",
            "grid_code",
            unique=True,
            sqlite_where=_SUPERVISOR_HOLDS,
            postgresql_where=_SUPERVISOR_HOLDS,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    layer: Mapped[str] = mapped_column(String(20))
    grid_code: Mapped[str] = mapped_column(String(24))
    valid_from: Mapped[datetime] = mapped_column()
    valid_to: Mapped[datetime | None] = mapped_column()
    assigned_by: Mapped[str] = mapped_column(String(120))


class PersonalAccessLog(Base):
    """Who read which personal data in clear, or exported it, when and why. Append-only: database
    triggers refuse UPDATE and DELETE."""

    __tablename__ = "personal_access_log"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)  # None: command line
    username: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(12))  # view | export
    record_kind: Mapped[str] = mapped_column(String(20))  # resident | residents
    record_id: Mapped[int | None] = mapped_column(Integer)
    fields: Mapped[list[Any]] = mapped_column(default=list)
    reason: Mapped[str] = mapped_column(Text)
    scope_code: Mapped[str] = mapped_column(String(20), index=True)  # the record's street/community
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


# --- patrols (巡查, services.patrol) ---------------------------------------------------------------


class PatrolDuty(Base):
    """A supervisor's time on duty (在岗), from the field page's toggle; open while `ended_at` is None."""

    __tablename__ = "patrol_duties"
    __table_args__ = (Index("ix_patrol_duties_user_started", "user_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()


class PatrolPoint(Base):
    """One GPS point of a supervisor's patrol track. Personal location data: pruned after
    `GRIDCITY_PATROL_RETENTION_DAYS`; what the indicators need stays in `PatrolVisit`."""

    __tablename__ = "patrol_points"
    __table_args__ = (Index("ix_patrol_points_user_at", "user_id", "at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    duty_id: Mapped[int | None] = mapped_column(ForeignKey("patrol_duties.id"))
    at: Mapped[datetime] = mapped_column(index=True)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    grid_code: Mapped[str | None] = mapped_column(String(24))  # the unit grid the point fell in
    received_at: Mapped[datetime] = mapped_column()


class PatrolVisit(Base):
    """A unit grid a supervisor was in on a local day (a patrol point fell in it): the fact 巡查覆盖率
    counts, kept after the points are pruned."""

    __tablename__ = "patrol_visits"
    __table_args__ = (
        UniqueConstraint("user_id", "day", "grid_code"),
        Index("ix_patrol_visits_day", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    day: Mapped[date] = mapped_column(Date)
    grid_code: Mapped[str] = mapped_column(String(24))
    first_at: Mapped[datetime] = mapped_column()


class RetentionErasure(Base):
    """One erasure of personal data past its retention (services.retention): what kind, whose record,
    which fields, when — never the erased values. Append-only: database triggers refuse UPDATE and
    DELETE."""

    __tablename__ = "retention_erasures"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(20))  # case_contact | resident (services.retention.Kind)
    record_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    fields: Mapped[list[Any]] = mapped_column(default=list)  # the names of what was erased
    ended_at: Mapped[datetime] = mapped_column()  # when the case ended or the resident moved out
    scope_code: Mapped[str] = mapped_column(String(20), index=True)  # the record's street/community
    erased_by: Mapped[str] = mapped_column(String(120))  # the worker, or the command line and its user


# --- the second factor of staff (TOTP, services.second_factor) -------------------------------------


class UserSecondFactor(Base):
    """A user's TOTP authenticator (RFC 6238): the secret encrypted with the personal-data key,
    confirmed once the user typed a code from it; the last time step accepted (a code is never
    accepted twice); wrong codes in a row since the last right one."""

    __tablename__ = "user_second_factors"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    secret_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column()
    confirmed_at: Mapped[datetime | None] = mapped_column()  # None: shown, not yet confirmed
    last_step: Mapped[int | None] = mapped_column(BigInteger)
    failed_count: Mapped[int] = mapped_column(Integer, default=0)
    failed_at: Mapped[datetime | None] = mapped_column()


class RecoveryCode(Base):
    """A single-use recovery code of a second factor, stored as a salted SHA-256 (the code itself
    is shown once, when made)."""

    __tablename__ = "second_factor_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    salt: Mapped[str] = mapped_column(String(32))
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column()


class SecondFactorEvent(Base):
    """What happened to a user's second factor, by whom (audit): enrolled, recovery codes renewed,
    a recovery code used, turned off, reset by an admin, locked after wrong codes."""

    __tablename__ = "second_factor_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column()
    event: Mapped[str] = mapped_column(String(30))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the command line
    actor_name: Mapped[str] = mapped_column(String(120))
