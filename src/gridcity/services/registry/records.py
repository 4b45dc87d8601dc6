"""The social base data of the grids (人地事物组织): places, organisations, households, residents,
things; grid staff; visits; the places and people a case is about; the personal-data access log.

Who sees what (`domain.registry`): places, organisations and things are seen by the platform staff
of their area; residents by the admins and leaders of the area, the grid workers (网格员) of their
social-service grid and the police (治安网格员) when they carry a public-security tag in their
public-security grid. ID numbers and phones are stored encrypted (`services.registry.personal_crypto`) and
shown masked; a read in clear names its reason and writes a `personal_access_log` row in the same
transaction. Exports of personal data are for admins only, logged the same way.

Every public function here is one transaction, except the `new_*` building blocks, which write
inside their caller's transaction (bulk import, demo). Rows are never deleted: they end (`valid_to`) or move
out (`moved_out_at`).
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

import shapely
from shapely.geometry import shape
from sqlalchemy import Select, String, cast, func, or_, select, true, update
from sqlalchemy.orm import Session

from gridcity.db.engine import unit_of_work
from gridcity.db.models import (
    Case,
    CaseSubject,
    Grid,
    GridStaff,
    PersonalAccessLog,
    RegistryHousehold,
    RegistryOrganisation,
    RegistryPlace,
    RegistryResident,
    RegistryThing,
    RegistryVisit,
    User,
)
from gridcity.domain.errors import Conflict, Forbidden, Invalid, NotFound
from gridcity.domain.messages import Message, message
from gridcity.domain.principal import Principal
from gridcity.domain.registry import (
    SECURITY_TAGS,
    Gender,
    OrganisationKind,
    PersonalField,
    PlaceKind,
    Relationship,
    ResidentContext,
    ResidentTag,
    RiskLevel,
    StaffLayer,
    SubjectKind,
    SubjectRole,
    ThingKind,
    VisitKind,
    check_reason,
    mask_id_number,
    mask_name,
    mask_phone,
    may_see_resident,
    may_set_tag,
    may_unmask,
    parse_choice,
    parse_id_number,
    parse_phone,
    parse_tags,
    parse_uscc,
    visible_tags,
)
from gridcity.domain.workflow import Role
from gridcity.services import cases
from gridcity.services.access import access_case, territory_covers
from gridcity.services.platform import Platform
from gridcity.services.registry import personal_crypto
from gridcity.services.spreadsheet_cells import csv_writer
from gridcity.spatial.crs import area_m2

ID_FIELD = "resident.id_number"
PHONE_FIELD = "resident.phone"
MAX_PAGE = 500


# --- the reader: role, area and own grids ----------------------------------------------------------


@dataclass(frozen=True)
class Reader:
    """What the registry's rules need of the caller: role, area, and the grids assigned to them
    (social-service grids for a grid worker, public-security grids for the police)."""

    user_id: int | None
    username: str
    role: Role
    scope: str  # the territory code of their unit ('' = the whole city)
    platform_staff: bool  # a member of a platform unit (not a department, not a citizen)
    grids: frozenset[str] = frozenset()

    @property
    def grid_layer(self) -> str | None:
        return {Role.GRID_WORKER: "ss_grid_code", Role.POLICE: "ps_grid_code"}.get(self.role)


CLI_READER = Reader(None, "command line", Role.ADMIN, "", True)


def reader_of(db: Session, actor: Principal | None) -> Reader:
    """The caller as the registry sees them; None is the command line (an admin of the city)."""
    if actor is None:
        return CLI_READER
    role = Role(actor.role)
    unit = actor.org_unit
    staff = role != Role.CITIZEN and unit.kind != "department"
    grids: frozenset[str] = frozenset()
    layer = {Role.GRID_WORKER: StaffLayer.SOCIAL_SERVICE, Role.POLICE: StaffLayer.PUBLIC_SECURITY}.get(role)
    if layer is not None:
        grids = frozenset(
            db.scalars(
                select(GridStaff.grid_code).where(
                    GridStaff.user_id == actor.id,
                    GridStaff.layer == layer.value,
                    GridStaff.valid_to.is_(None),
                )
            )
        )
    return Reader(actor.id, actor.username, role, str(unit.scope_code or ""), staff, grids)


def _in_area(reader: Reader, row: Any) -> bool:
    return reader.platform_staff and territory_covers(
        reader.scope, row.district_code, row.street_code, row.community_code
    )


def _own_grid(reader: Reader, row: Any) -> bool:
    layer = reader.grid_layer
    return layer is not None and getattr(row, layer) in reader.grids


def _area_clause(model: Any, scope: str) -> Any:
    if not scope:
        return true()
    if len(scope) <= 6:
        return model.district_code.startswith(scope)
    if len(scope) == 9:
        return model.street_code == scope
    return model.community_code.startswith(scope)


def _located_clause(reader: Reader, model: Any) -> Any:
    """Places, organisations, things, households a reader may see: platform staff of the area."""
    if not reader.platform_staff:
        raise Forbidden(message("registry.staff_only"))
    return _area_clause(model, reader.scope)


def _resident_ctx(reader: Reader, resident: RegistryResident) -> ResidentContext:
    household = resident.household
    return ResidentContext(
        reader.role, _in_area(reader, household), _own_grid(reader, household), resident.security_tagged
    )


def _residents_clause(reader: Reader) -> Any:
    """`may_see_resident` as SQL over residents joined with their households."""
    if reader.role in (Role.ADMIN, Role.LEADER) and reader.platform_staff:
        return _area_clause(RegistryHousehold, reader.scope)
    if reader.role == Role.GRID_WORKER:
        return RegistryHousehold.ss_grid_code.in_(sorted(reader.grids))
    if reader.role == Role.POLICE:
        return RegistryHousehold.ps_grid_code.in_(sorted(reader.grids)) & RegistryResident.security_tagged
    raise Forbidden(message("registry.residents_hidden"))


def _may_write_located(reader: Reader, row: Any, what: Message) -> None:
    """Who records places, organisations, things and households: the admin of the area, the grid
    worker or police of the grid."""
    if reader.role == Role.ADMIN and _in_area(reader, row):
        return
    if reader.role in (Role.GRID_WORKER, Role.POLICE) and _in_area(reader, row) and _own_grid(reader, row):
        return
    raise Forbidden(message("registry.not_your_area", what=what))


# --- locations --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    lon: float
    lat: float
    district_code: str
    street_code: str
    community_code: str | None
    grid_code: str | None
    ss_grid_code: str | None
    ps_grid_code: str | None

    def apply(self, row: Any) -> None:
        for key, value in vars(self).items():
            setattr(row, key, value)


def _iso(moment: datetime) -> str:
    """Times in views and exports: ISO 8601 in UTC, the same whether just written or read back."""
    return moment.astimezone(UTC).isoformat()


def _coordinate(value: Any, what: Message, low: float, high: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise Invalid(message("registry.not_a_number", what=what, value=value)) from None
    if not math.isfinite(number) or not low <= number <= high:
        raise Invalid(message("registry.out_of_range", what=what, value=value, low=low, high=high))
    return number


def locate(platform: Platform, db: Session, lon: Any, lat: Any) -> Location:
    """A point → its territory and grid codes (房进格); Invalid outside the city's territory."""
    x = _coordinate(lon, message("noun.lon"), -180, 180)
    y = _coordinate(lat, message("noun.lat"), -90, 90)
    try:
        place = platform.territory(db).locate(x, y)
    except NotFound as exc:
        raise Invalid(exc.message) from None
    return Location(
        x,
        y,
        place.district_code,
        place.street_code,
        place.community_code,
        place.grids.get("city_management"),
        place.grids.get("social_service"),
        place.grids.get("public_security"),
    )


def _copy_location(source: Any) -> Location:
    return Location(*(getattr(source, k) for k in Location.__dataclass_fields__))


def _text(value: Any, what: Message, max_length: int, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise Invalid(message("registry.required", what=what))
    if len(text) > max_length:
        raise Invalid(message("registry.too_long", what=what, max_length=max_length))
    return text


def _attrs(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Invalid(message("registry.bad_attrs"))
    return dict(value)


# --- places (地) -------------------------------------------------------------------------------


@dataclass
class PlaceInput:
    kind: str
    name: str
    address: str = ""
    lon: float | None = None
    lat: float | None = None
    geometry: dict[str, Any] | None = None  # a GeoJSON Polygon / MultiPolygon (the outline)
    parent_id: int | None = None  # the building a house lies in
    attrs: dict[str, Any] = field(default_factory=dict)


def create_place(platform: Platform, db: Session, actor: Principal | None, data: PlaceInput) -> RegistryPlace:
    reader = reader_of(db, actor)
    with unit_of_work(db):
        place = new_place(platform, db, reader, data)
    return place


def new_place(platform: Platform, db: Session, reader: Reader, data: PlaceInput) -> RegistryPlace:
    kind = parse_choice(PlaceKind, data.kind, "place kind")
    outline = _outline(data.geometry)
    parent = None
    if data.parent_id is not None:
        parent = db.get(RegistryPlace, data.parent_id)
        if parent is None or parent.valid_to is not None:
            raise Invalid(message("registry.no_parent", parent_id=data.parent_id))
        if parent.kind != PlaceKind.BUILDING:
            raise Invalid(
                message("registry.parent_not_building", parent_id=parent.id, parent_name=parent.name)
            )
    if data.lon is not None or data.lat is not None:
        where = locate(platform, db, data.lon, data.lat)
    elif outline is not None:
        point = outline.representative_point()
        where = locate(platform, db, point.x, point.y)
    elif parent is not None:
        where = _copy_location(parent)
    else:
        raise Invalid(message("registry.place_needs_location"))
    now = platform.now()
    place = RegistryPlace(
        kind=kind.value,
        name=_text(data.name, message("noun.name"), 200),
        address=_text(data.address, message("noun.address"), 300, required=False)
        or (parent.address if parent else ""),
        parent_id=parent.id if parent else None,
        attrs=_attrs(data.attrs),
        valid_from=now,
        recorded_by=reader.username,
        updated_at=now,
    )
    where.apply(place)
    _may_write_located(reader, place, message("noun.place"))
    if outline is not None:
        place.geom_wkb = shapely.to_wkb(outline)
        place.min_lon, place.min_lat, place.max_lon, place.max_lat = (float(v) for v in outline.bounds)
        place.area_m2 = area_m2(outline)
    db.add(place)
    db.flush()
    return place


def _outline(geometry: dict[str, Any] | None) -> Any:
    if geometry is None:
        return None
    try:
        outline = shape(geometry)
    except Exception:  # shapely raises several kinds for malformed GeoJSON
        raise Invalid(message("registry.bad_geometry")) from None
    if outline.geom_type not in ("Polygon", "MultiPolygon") or outline.is_empty:
        raise Invalid(message("registry.outline_type", geom_type=outline.geom_type))
    if not outline.is_valid:
        raise Invalid(message("registry.outline_invalid"))
    return outline


def update_place(
    platform: Platform, db: Session, actor: Principal | None, place_id: int, changes: dict[str, Any]
) -> RegistryPlace:
    """Change a current place's name, address or attributes (a place that moves is a new place)."""
    reader = reader_of(db, actor)
    allowed = {"name", "address", "attrs"}
    if unknown := set(changes) - allowed:
        raise Invalid(message("registry.place_fixed", unknown=", ".join(sorted(unknown))))
    with unit_of_work(db):
        place = _current(db, RegistryPlace, place_id, message("noun.place"))
        _may_write_located(reader, place, message("noun.place"))
        if "name" in changes:
            place.name = _text(changes["name"], message("noun.name"), 200)
        if "address" in changes:
            place.address = _text(changes["address"], message("noun.address"), 300, required=False)
        if "attrs" in changes:
            place.attrs = _attrs(changes["attrs"])
        place.updated_at = platform.now()
    return place


def end_place(platform: Platform, db: Session, actor: Principal | None, place_id: int) -> RegistryPlace:
    """A place that no longer exists (demolished, merged) ends; its history stays."""
    reader = reader_of(db, actor)
    with unit_of_work(db):
        place = _current(db, RegistryPlace, place_id, message("noun.place"))
        _may_write_located(reader, place, message("noun.place"))
        if db.scalar(
            select(func.count())
            .select_from(RegistryHousehold)
            .where(RegistryHousehold.place_id == place.id, RegistryHousehold.valid_to.is_(None))
        ):
            raise Conflict(message("registry.place_has_households", place_id=place.id))
        place.valid_to = place.updated_at = platform.now()
    return place


def _current(db: Session, model: Any, row_id: int, what: Message) -> Any:
    row = db.get(model, row_id)
    if row is None:
        raise NotFound(message("registry.not_found", what=what, row_id=row_id))
    ended = getattr(row, "valid_to", None) or getattr(row, "moved_out_at", None)
    if ended is not None:
        raise Conflict(message("registry.ended", what=what, row_id=row_id, ended=f"{ended:%Y-%m-%d}"))
    return row


@dataclass(frozen=True)
class LocatedFilter:
    """One filter for the lists of places, organisations, things and households."""

    grid: str | None = None  # a grid code of any layer
    street: str | None = None
    kind: str | None = None
    q: str | None = None  # in the name (and address)
    include_ended: bool = False

    def apply(self, stmt: Select[Any], model: Any) -> Select[Any]:
        if self.grid:
            stmt = stmt.where(
                or_(
                    model.grid_code == self.grid,
                    model.ss_grid_code == self.grid,
                    model.ps_grid_code == self.grid,
                )
            )
        if self.street:
            stmt = stmt.where(model.street_code == self.street)
        if self.kind and hasattr(model, "kind"):
            stmt = stmt.where(model.kind == self.kind)
        if self.q and hasattr(model, "name"):
            stmt = stmt.where(model.name.contains(self.q))
        if not self.include_ended:
            stmt = stmt.where(model.valid_to.is_(None))
        return stmt


# What `list_located` and `get_located` read, by name (the entry points need not know the tables).
LOCATED: dict[str, Any] = {
    "place": RegistryPlace,
    "organisation": RegistryOrganisation,
    "thing": RegistryThing,
    "household": RegistryHousehold,
}
_LOCATED_NOUNS = {
    "place": message("noun.place"),
    "organisation": message("noun.organisation"),
    "thing": message("noun.thing"),
    "household": message("noun.household"),
}


def list_located(
    db: Session, actor: Principal | None, what: str, flt: LocatedFilter, limit: int = 100, offset: int = 0
) -> tuple[list[Any], int]:
    """Places, organisations, things or households the caller may see, and how many match."""
    reader = reader_of(db, actor)
    model = LOCATED[what]
    stmt = flt.apply(select(model).where(_located_clause(reader, model)), model)
    total = db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = list(db.scalars(stmt.order_by(model.id).limit(min(limit, MAX_PAGE)).offset(offset)).unique())
    return rows, total


def get_located(db: Session, actor: Principal | None, what: str, row_id: int) -> Any:
    reader = reader_of(db, actor)
    row = db.get(LOCATED[what], row_id)
    if row is None or not _in_area(reader, row):
        raise NotFound(message("registry.not_found", what=_LOCATED_NOUNS[what], row_id=row_id))
    return row


def find_places(db: Session, actor: Principal | None, text: str, limit: int = 10) -> list[RegistryPlace]:
    """Current places whose name or address holds `text`, in the caller's area, shortest names
    first (the map search's places and addresses); none for a caller who may not see places. A
    place is not a person: households and residents are never searched here."""
    reader = reader_of(db, actor)
    if not reader.platform_staff or not text:
        return []
    stmt = (
        select(RegistryPlace)
        .where(
            _area_clause(RegistryPlace, reader.scope),
            RegistryPlace.valid_to.is_(None),
            or_(
                RegistryPlace.name.contains(text, autoescape=True),
                RegistryPlace.address.contains(text, autoescape=True),
            ),
        )
        .order_by(func.length(RegistryPlace.name), RegistryPlace.id)
        .limit(limit)
    )
    return list(db.scalars(stmt))


def located_view(row: Any) -> dict[str, Any]:
    return {
        "lon": row.lon,
        "lat": row.lat,
        "district_code": row.district_code,
        "street_code": row.street_code,
        "community_code": row.community_code,
        "grid_code": row.grid_code,
        "ss_grid_code": row.ss_grid_code,
        "ps_grid_code": row.ps_grid_code,
        "valid_from": _iso(row.valid_from),
        "valid_to": _iso(row.valid_to) if row.valid_to else None,
    }


def place_view(place: RegistryPlace) -> dict[str, Any]:
    return {
        "id": place.id,
        "kind": place.kind,
        "kind_label": PlaceKind(place.kind).label_zh,
        "name": place.name,
        "address": place.address,
        "parent_id": place.parent_id,
        "area_m2": round(place.area_m2, 1) if place.area_m2 else None,
        "attrs": place.attrs,
        **located_view(place),
    }


# --- organisations (组织) and things (物) -------------------------------------------------------------


@dataclass
class OrganisationInput:
    kind: str
    name: str
    uscc: str | None = None
    place_id: int | None = None
    lon: float | None = None
    lat: float | None = None
    phone: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)


def create_organisation(
    platform: Platform, db: Session, actor: Principal | None, data: OrganisationInput
) -> RegistryOrganisation:
    reader = reader_of(db, actor)
    with unit_of_work(db):
        org = new_organisation(platform, db, reader, data)
    return org


def new_organisation(
    platform: Platform, db: Session, reader: Reader, data: OrganisationInput
) -> RegistryOrganisation:
    kind = parse_choice(OrganisationKind, data.kind, "organisation kind")
    uscc = parse_uscc(data.uscc) if data.uscc else None
    if uscc and db.scalar(
        select(RegistryOrganisation.id).where(
            RegistryOrganisation.uscc == uscc, RegistryOrganisation.valid_to.is_(None)
        )
    ):
        raise Conflict(message("registry.uscc_taken", uscc=uscc))
    where, place_id = _where(platform, db, data.place_id, data.lon, data.lat, message("noun.organisation"))
    now = platform.now()
    org = RegistryOrganisation(
        kind=kind.value,
        name=_text(data.name, message("noun.name"), 200),
        uscc=uscc,
        place_id=place_id,
        phone=parse_phone(data.phone) if data.phone else None,
        attrs=_attrs(data.attrs),
        valid_from=now,
        recorded_by=reader.username,
        updated_at=now,
    )
    where.apply(org)
    _may_write_located(reader, org, message("noun.organisation"))
    db.add(org)
    db.flush()
    return org


def _where(
    platform: Platform, db: Session, place_id: int | None, lon: Any, lat: Any, what: Message
) -> tuple[Location, int | None]:
    if place_id is not None:
        place = db.get(RegistryPlace, place_id)
        if place is None or place.valid_to is not None:
            raise Invalid(message("registry.no_place", place_id=place_id))
        return _copy_location(place), place.id
    if lon is None or lat is None:
        raise Invalid(message("registry.needs_place", what=what))
    return locate(platform, db, lon, lat), None


def end_organisation(
    platform: Platform, db: Session, actor: Principal | None, org_id: int
) -> RegistryOrganisation:
    reader = reader_of(db, actor)
    with unit_of_work(db):
        org = _current(db, RegistryOrganisation, org_id, message("noun.organisation"))
        _may_write_located(reader, org, message("noun.organisation"))
        org.valid_to = org.updated_at = platform.now()
    return org


def organisation_view(org: RegistryOrganisation) -> dict[str, Any]:
    return {
        "id": org.id,
        "kind": org.kind,
        "kind_label": OrganisationKind(org.kind).label_zh,
        "name": org.name,
        "uscc": org.uscc,
        "place_id": org.place_id,
        "phone": org.phone,
        "attrs": org.attrs,
        **located_view(org),
    }


@dataclass
class ThingInput:
    kind: str
    name: str
    risk_level: str = RiskLevel.LOW.value
    place_id: int | None = None
    lon: float | None = None
    lat: float | None = None
    attrs: dict[str, Any] = field(default_factory=dict)


def create_thing(platform: Platform, db: Session, actor: Principal | None, data: ThingInput) -> RegistryThing:
    reader = reader_of(db, actor)
    with unit_of_work(db):
        thing = new_thing(platform, db, reader, data)
    return thing


def new_thing(platform: Platform, db: Session, reader: Reader, data: ThingInput) -> RegistryThing:
    kind = parse_choice(ThingKind, data.kind, "thing kind")
    risk = parse_choice(RiskLevel, data.risk_level, "risk level")
    where, place_id = _where(platform, db, data.place_id, data.lon, data.lat, message("noun.thing"))
    now = platform.now()
    thing = RegistryThing(
        kind=kind.value,
        name=_text(data.name, message("noun.name"), 200),
        risk_level=risk.value,
        place_id=place_id,
        attrs=_attrs(data.attrs),
        valid_from=now,
        recorded_by=reader.username,
        updated_at=now,
    )
    where.apply(thing)
    _may_write_located(reader, thing, message("noun.thing"))
    db.add(thing)
    db.flush()
    return thing


def end_thing(platform: Platform, db: Session, actor: Principal | None, thing_id: int) -> RegistryThing:
    """A facility removed or a hazard eliminated (隐患消除): it ends, its record stays."""
    reader = reader_of(db, actor)
    with unit_of_work(db):
        thing = _current(db, RegistryThing, thing_id, message("noun.thing"))
        _may_write_located(reader, thing, message("noun.thing"))
        thing.valid_to = thing.updated_at = platform.now()
    return thing


def thing_view(thing: RegistryThing) -> dict[str, Any]:
    return {
        "id": thing.id,
        "kind": thing.kind,
        "kind_label": ThingKind(thing.kind).label_zh,
        "name": thing.name,
        "risk_level": thing.risk_level,
        "place_id": thing.place_id,
        "attrs": thing.attrs,
        **located_view(thing),
    }


# --- households (户) and residents (人) ---------------------------------------------------------------


def create_household(
    platform: Platform, db: Session, actor: Principal | None, place_id: int, number: str | None = None
) -> RegistryHousehold:
    """A household in a house (户进房): its location and grids are the house's."""
    reader = reader_of(db, actor)
    with unit_of_work(db):
        household = new_household(platform, db, reader, place_id, number)
    return household


def new_household(
    platform: Platform, db: Session, reader: Reader, place_id: int, number: str | None
) -> RegistryHousehold:
    place = db.get(RegistryPlace, place_id)
    if place is None or place.valid_to is not None:
        raise Invalid(message("registry.household_no_place", place_id=place_id))
    if place.kind not in (PlaceKind.HOUSE, PlaceKind.BUILDING, PlaceKind.OTHER):
        raise Invalid(
            message(
                "registry.household_not_house",
                place_id=place.id,
                kind=place.kind,
                kind_zh=PlaceKind(place.kind).label_zh,
            )
        )
    now = platform.now()
    household = RegistryHousehold(
        place_id=place.id,
        number=_text(number, message("noun.household_number"), 40, required=False) or None,
        valid_from=now,
        recorded_by=reader.username,
        updated_at=now,
    )
    _copy_location(place).apply(household)
    _may_write_located(reader, household, message("noun.household"))
    db.add(household)
    db.flush()
    return household


@dataclass
class ResidentInput:
    household_id: int
    name: str
    relation: str = Relationship.OTHER.value
    id_number: str | None = None
    phone: str | None = None
    gender: str | None = None  # from the ID number when it is given
    birth_date: date | None = None  # from the ID number when it is given
    tags: list[str] = field(default_factory=list)


def add_resident(
    platform: Platform, db: Session, actor: Principal | None, data: ResidentInput
) -> RegistryResident:
    """A resident joins a household (人进户). The ID number is checked, and must not belong to a
    resident registered in another household now."""
    reader = reader_of(db, actor)
    with unit_of_work(db):
        resident = new_resident(platform, db, reader, data)
    return resident


def new_resident(platform: Platform, db: Session, reader: Reader, data: ResidentInput) -> RegistryResident:
    household = db.get(RegistryHousehold, data.household_id)
    if household is None or household.valid_to is not None:
        raise Invalid(message("registry.no_household", household_id=data.household_id))
    _may_write_residents(reader, household)
    tags = parse_tags(data.tags)
    _check_tag_rights(reader, set(), set(tags))
    relation = parse_choice(Relationship, data.relation, "relationship")
    crypt = personal_crypto.cipher(platform.settings)
    now = platform.now()
    resident = RegistryResident(
        household_id=household.id,
        name=_text(data.name, message("noun.name"), 80),
        relation=relation.value,
        tags=[t.value for t in tags],
        security_tagged=bool(set(tags) & SECURITY_TAGS),
        moved_in_at=now,
        recorded_by=reader.username,
        updated_at=now,
    )
    gender = parse_choice(Gender, data.gender, "gender") if data.gender else Gender.UNKNOWN
    born = data.birth_date
    if data.id_number:
        parsed = parse_id_number(data.id_number, today=now.date())
        index = crypt.blind_index(parsed.value, ID_FIELD)
        other = db.scalar(
            select(RegistryResident)
            .where(
                RegistryResident.id_number_index.in_(crypt.blind_indexes(parsed.value, ID_FIELD)),
                RegistryResident.moved_out_at.is_(None),
            )
            .limit(1)
        )
        if other is not None:
            raise Conflict(
                message("registry.id_number_taken", other_id=other.id, household_id=other.household_id)
            )
        resident.id_number_enc = crypt.encrypt(parsed.value, ID_FIELD)
        resident.id_number_index = index
        resident.id_number_masked = mask_id_number(parsed.value)
        gender, born = parsed.gender, parsed.birth_date
    resident.gender = gender.value
    resident.birth_date = born
    if data.phone:
        _set_phone(crypt, resident, data.phone)
    db.add(resident)
    db.flush()
    return resident


def _set_phone(crypt: personal_crypto.PersonalCipher, resident: RegistryResident, phone: str | None) -> None:
    if not phone:
        resident.phone_enc = resident.phone_masked = None
        return
    value = parse_phone(phone)
    resident.phone_enc = crypt.encrypt(value, PHONE_FIELD)
    resident.phone_masked = mask_phone(value)


def _may_write_residents(reader: Reader, household: RegistryHousehold) -> None:
    if reader.role == Role.ADMIN and _in_area(reader, household):
        return
    if reader.role == Role.GRID_WORKER and _in_area(reader, household) and _own_grid(reader, household):
        return
    raise Forbidden(message("registry.residents_by_staff"))


def _check_tag_rights(reader: Reader, before: set[ResidentTag], after: set[ResidentTag]) -> None:
    for tag in before ^ after:
        if not may_set_tag(reader.role, tag):
            raise Forbidden(
                message(
                    "registry.tag_not_yours",
                    role=reader.role.value,
                    tag=tag.value,
                    label_zh=tag.label_zh,
                    role_zh=reader.role.label_zh,
                )
            )


def update_resident(
    platform: Platform, db: Session, actor: Principal | None, resident_id: int, changes: dict[str, Any]
) -> RegistryResident:
    """Change a current resident's name, relationship, phone or tags. The police change the
    public-security tags of the key persons of their grids, nothing else."""
    reader = reader_of(db, actor)
    allowed = {"name", "relation", "phone", "tags"}
    if unknown := set(changes) - allowed:
        raise Invalid(
            message(
                "registry.not_changeable",
                unknown=", ".join(sorted(unknown)),
                allowed=", ".join(sorted(allowed)),
            )
        )
    with unit_of_work(db):
        resident = _current(db, RegistryResident, resident_id, message("noun.resident"))
        household = resident.household
        if reader.role == Role.POLICE:
            if set(changes) - {"tags"} or not (_in_area(reader, household) and _own_grid(reader, household)):
                raise Forbidden(message("registry.police_own_grids"))
        else:
            _may_write_residents(reader, household)
        if "name" in changes:
            resident.name = _text(changes["name"], message("noun.name"), 80)
        if "relation" in changes:
            resident.relation = parse_choice(Relationship, changes["relation"], "relationship").value
        if "phone" in changes:
            _set_phone(personal_crypto.cipher(platform.settings), resident, changes["phone"])
        if "tags" in changes:
            before = {ResidentTag(t) for t in resident.tags}
            after = set(parse_tags(changes["tags"]))
            if reader.role != Role.ADMIN:  # tags the reader does not see are kept as they are
                hidden = {t for t in before if t.value not in visible_tags(reader.role, [t.value])}
                after |= hidden
            _check_tag_rights(reader, before, after)
            resident.tags = [t.value for t in ResidentTag if t in after]
            resident.security_tagged = bool(after & SECURITY_TAGS)
        resident.updated_at = platform.now()
    return resident


def move_out(platform: Platform, db: Session, actor: Principal | None, resident_id: int) -> RegistryResident:
    """A resident leaves the household (迁出, or died): the record stays as history."""
    reader = reader_of(db, actor)
    with unit_of_work(db):
        resident = _current(db, RegistryResident, resident_id, message("noun.resident"))
        _may_write_residents(reader, resident.household)
        resident.moved_out_at = resident.updated_at = platform.now()
    return resident


def end_household(
    platform: Platform, db: Session, actor: Principal | None, household_id: int
) -> RegistryHousehold:
    reader = reader_of(db, actor)
    with unit_of_work(db):
        household = _current(db, RegistryHousehold, household_id, message("noun.household"))
        _may_write_located(reader, household, message("noun.household"))
        if db.scalar(
            select(func.count())
            .select_from(RegistryResident)
            .where(RegistryResident.household_id == household.id, RegistryResident.moved_out_at.is_(None))
        ):
            raise Conflict(message("registry.household_has_residents", household_id=household.id))
        household.valid_to = household.updated_at = platform.now()
    return household


@dataclass(frozen=True)
class ResidentFilter:
    household_id: int | None = None
    grid: str | None = None
    street: str | None = None
    tag: str | None = None
    q: str | None = None  # in the name
    include_moved_out: bool = False


def _resident_select(reader: Reader, flt: ResidentFilter) -> Select[Any]:
    stmt = (
        select(RegistryResident)
        .join(RegistryHousehold, RegistryResident.household_id == RegistryHousehold.id)
        .where(_residents_clause(reader))
    )
    if flt.household_id is not None:
        stmt = stmt.where(RegistryResident.household_id == flt.household_id)
    if flt.grid:
        stmt = stmt.where(
            or_(
                RegistryHousehold.grid_code == flt.grid,
                RegistryHousehold.ss_grid_code == flt.grid,
                RegistryHousehold.ps_grid_code == flt.grid,
            )
        )
    if flt.street:
        stmt = stmt.where(RegistryHousehold.street_code == flt.street)
    if flt.tag:
        tag = parse_choice(ResidentTag, flt.tag, "tag")
        if tag.value not in visible_tags(reader.role, [tag.value]):
            raise Forbidden(message("registry.tag_restricted", tag=tag.value, label_zh=tag.label_zh))
        stmt = stmt.where(cast(RegistryResident.tags, String).contains(f'"{tag.value}"'))
    if flt.q:
        stmt = stmt.where(RegistryResident.name.contains(flt.q))
    if not flt.include_moved_out:
        stmt = stmt.where(RegistryResident.moved_out_at.is_(None))
    return stmt


def list_residents(
    db: Session, actor: Principal | None, flt: ResidentFilter, limit: int = 100, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """The residents the caller may see, masked, and how many match."""
    reader = reader_of(db, actor)
    stmt = _resident_select(reader, flt)
    total = db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.scalars(stmt.order_by(RegistryResident.id).limit(min(limit, MAX_PAGE)).offset(offset)).unique()
    return [resident_view(reader, r) for r in rows], total


def find_by_id_number(
    platform: Platform, db: Session, actor: Principal | None, id_number: str
) -> list[dict[str, Any]]:
    """Exact lookup by ID number through the blind index (no row is decrypted), within what the
    caller may see; masked."""
    reader = reader_of(db, actor)
    parsed = parse_id_number(id_number)
    # under every known key: a resident is found during a key rotation too (personal_crypto)
    indexes = personal_crypto.cipher(platform.settings).blind_indexes(parsed.value, ID_FIELD)
    stmt = _resident_select(reader, ResidentFilter(include_moved_out=True)).where(
        RegistryResident.id_number_index.in_(indexes)
    )
    return [resident_view(reader, r) for r in db.scalars(stmt.order_by(RegistryResident.id)).unique()]


def resident_view(
    reader: Reader, resident: RegistryResident, clear: dict[str, str | None] | None = None
) -> dict[str, Any]:
    """A resident as the reader may see them: masked ID number and phone unless `clear` holds them
    (read through `read_resident`, which logs it); public-security tags only for police and admins."""
    household = resident.household
    ctx = _resident_ctx(reader, resident)
    view: dict[str, Any] = {
        "id": resident.id,
        "household_id": resident.household_id,
        "place_id": household.place_id,
        "address": household.place.address,
        "name": resident.name,
        "gender": resident.gender,
        "birth_year": resident.birth_date.year if resident.birth_date else None,
        "relation": resident.relation,
        "relation_label": Relationship(resident.relation).label_zh,
        "id_number": resident.id_number_masked,
        "phone": resident.phone_masked,
        "masked": True,
        "tags": visible_tags(reader.role, list(resident.tags)),
        "moved_in_at": _iso(resident.moved_in_at),
        "moved_out_at": _iso(resident.moved_out_at) if resident.moved_out_at else None,
        "street_code": household.street_code,
        "community_code": household.community_code,
        "ss_grid_code": household.ss_grid_code,
        "ps_grid_code": household.ps_grid_code,
        "may_unmask": may_unmask(ctx),
    }
    view["tag_labels"] = [ResidentTag(t).label_zh for t in visible_tags(reader.role, list(resident.tags))]
    if clear is not None:
        view.update(clear, masked=False)
    return view


def read_resident(
    platform: Platform,
    db: Session,
    actor: Principal | None,
    resident_id: int,
    unmask: bool = False,
    reason: str | None = None,
) -> dict[str, Any]:
    """One resident. Masked by default; `unmask` shows the ID number and phone in clear to the
    roles that need them, with a reason, and logs who read it, when and why in the same transaction."""
    reader = reader_of(db, actor)
    resident = db.get(RegistryResident, resident_id)
    if resident is None or not may_see_resident(_resident_ctx(reader, resident)):
        raise NotFound(message("registry.not_found", what=message("noun.resident"), row_id=resident_id))
    if not unmask:
        return resident_view(reader, resident)
    if not may_unmask(_resident_ctx(reader, resident)):
        raise Forbidden(message("registry.masked_only", role=reader.role.value, role_zh=reader.role.label_zh))
    why = check_reason(reason)
    crypt = personal_crypto.cipher(platform.settings)
    clear = {
        "id_number": crypt.decrypt(resident.id_number_enc, ID_FIELD) if resident.id_number_enc else None,
        "phone": crypt.decrypt(resident.phone_enc, PHONE_FIELD) if resident.phone_enc else None,
    }
    with unit_of_work(db):
        log_access(
            platform,
            db,
            reader,
            "view",
            "resident",
            resident.id,
            [PersonalField.ID_NUMBER.value, PersonalField.PHONE.value],
            why,
            resident.household.community_code or resident.household.street_code,
            {},
        )
    return resident_view(reader, resident, clear)


def log_access(
    platform: Platform,
    db: Session,
    reader: Reader,
    action: str,
    record_kind: str,
    record_id: int | None,
    fields: list[str],
    reason: str,
    scope_code: str,
    detail: dict[str, Any],
) -> None:
    """One row of the personal-data access log, in the caller's transaction: who (`reader`) read
    or exported which fields of which record, and why. Residents and a case's callback contact
    (`services.case_contact`) share the one log."""
    db.add(
        PersonalAccessLog(
            at=platform.now(),
            user_id=reader.user_id,
            username=reader.username,
            role=reader.role.value,
            action=action,
            record_kind=record_kind,
            record_id=record_id,
            fields=fields,
            reason=reason,
            scope_code=scope_code,
            detail=detail,
        )
    )


EXPORT_COLUMNS = (
    "id",
    "household_id",
    "address",
    "name",
    "gender",
    "birth_date",
    "relation",
    "id_number",
    "phone",
    "tags",
    "street_code",
    "community_code",
    "ss_grid_code",
    "ps_grid_code",
    "moved_in_at",
    "moved_out_at",
)


def export_residents_csv(
    platform: Platform, db: Session, actor: Principal | None, flt: ResidentFilter, reason: str | None
) -> tuple[str, int]:
    """The residents of the admin's area that match, with ID numbers and phones in clear, as CSV
    (UTF-8 with a BOM); only admins, with a reason, logged with the filter and the row count."""
    reader = reader_of(db, actor)
    if reader.role != Role.ADMIN or not reader.platform_staff:
        raise Forbidden(message("registry.export_admin_only"))
    why = check_reason(reason)
    crypt = personal_crypto.cipher(platform.settings)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv_writer(out)
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    for r in db.scalars(_resident_select(reader, flt).order_by(RegistryResident.id)).unique():
        h = r.household
        writer.writerow(
            [
                r.id,
                r.household_id,
                h.place.address,
                r.name,
                r.gender,
                r.birth_date.isoformat() if r.birth_date else "",
                r.relation,
                crypt.decrypt(r.id_number_enc, ID_FIELD) if r.id_number_enc else "",
                crypt.decrypt(r.phone_enc, PHONE_FIELD) if r.phone_enc else "",
                ";".join(r.tags),
                h.street_code,
                h.community_code or "",
                h.ss_grid_code or "",
                h.ps_grid_code or "",
                _iso(r.moved_in_at),
                _iso(r.moved_out_at) if r.moved_out_at else "",
            ]
        )
        count += 1
    detail = {k: v for k, v in vars(flt).items() if v not in (None, False)} | {"rows": count}
    with unit_of_work(db):
        fields = [PersonalField.ID_NUMBER.value, PersonalField.PHONE.value]
        log_access(platform, db, reader, "export", "residents", None, fields, why, reader.scope, detail)
    return out.getvalue(), count


def access_log(
    db: Session, actor: Principal | None, limit: int = 100, user: str | None = None
) -> list[PersonalAccessLog]:
    """The latest reads in clear and exports: an admin sees those of records in their area."""
    stmt = _access_log_select(reader_of(db, actor), AccessLogFilter(user=user or None))
    return list(db.scalars(stmt.order_by(PersonalAccessLog.id.desc()).limit(min(limit, 5000))))


@dataclass(frozen=True)
class AccessLogFilter:
    """A filter of the access log: who read, whose record, and the days (both included, in the
    city's time zone)."""

    user: str | None = None  # the reader's username
    resident_id: int | None = None
    since: date | None = None
    until: date | None = None


def _access_log_select(reader: Reader, flt: AccessLogFilter, tz: tzinfo = UTC) -> Select[Any]:
    if reader.role != Role.ADMIN or not reader.platform_staff:
        raise Forbidden(message("registry.access_log_admin_only"))
    if flt.since and flt.until and flt.since > flt.until:
        raise Invalid(message("registry.period_reversed", since=flt.since, until=flt.until))
    stmt = select(PersonalAccessLog)
    if reader.scope:
        stmt = stmt.where(PersonalAccessLog.scope_code.startswith(reader.scope))
    if flt.user:
        stmt = stmt.where(PersonalAccessLog.username == flt.user)
    if flt.resident_id is not None:
        stmt = stmt.where(
            PersonalAccessLog.record_kind == "resident", PersonalAccessLog.record_id == flt.resident_id
        )
    if flt.since:
        stmt = stmt.where(PersonalAccessLog.at >= datetime.combine(flt.since, time(), tz))
    if flt.until:
        stmt = stmt.where(PersonalAccessLog.at < datetime.combine(flt.until + timedelta(days=1), time(), tz))
    return stmt


def access_log_page(
    platform: Platform,
    db: Session,
    actor: Principal | None,
    flt: AccessLogFilter,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """One page of the access log for an admin (their area), newest first, and how many match;
    each entry names the resident read by a masked name."""
    stmt = _access_log_select(reader_of(db, actor), flt, platform.calendar(db).tz)
    total = db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = list(
        db.scalars(stmt.order_by(PersonalAccessLog.id.desc()).limit(min(limit, MAX_PAGE)).offset(offset))
    )
    ids = {r.record_id for r in rows if r.record_kind == "resident" and r.record_id is not None}
    names: dict[int, str] = {}
    if ids:
        query = select(RegistryResident.id, RegistryResident.name).where(RegistryResident.id.in_(ids))
        names = {row.id: row.name for row in db.execute(query)}
    views = []
    for row in rows:
        view = access_log_view(row)
        name = names.get(row.record_id) if row.record_kind == "resident" and row.record_id else None
        view["record_name"] = mask_name(name) if name else None
        views.append(view)
    return views, total


def access_log_view(row: PersonalAccessLog) -> dict[str, Any]:
    return {
        "id": row.id,
        "at": _iso(row.at),
        "user_id": row.user_id,
        "username": row.username,
        "role": row.role,
        "action": row.action,
        "record_kind": row.record_kind,
        "record_id": row.record_id,
        "fields": row.fields,
        "reason": row.reason,
        "scope_code": row.scope_code,
        "detail": row.detail,
    }


def household_view(
    reader: Reader, household: RegistryHousehold, residents: Sequence[RegistryResident]
) -> dict[str, Any]:
    return {
        "id": household.id,
        "number": household.number,
        "place_id": household.place_id,
        "address": household.place.address,
        "place_name": household.place.name,
        **located_view(household),
        "residents": [resident_view(reader, r) for r in residents],
    }


def list_households(
    db: Session, actor: Principal | None, flt: LocatedFilter, limit: int = 100, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """The households the caller may see with their current residents (masked): a grid worker's
    own grids (我的网格), an admin's or leader's area. The police see key persons, not households."""
    reader = reader_of(db, actor)
    if reader.role == Role.GRID_WORKER:
        clause = RegistryHousehold.ss_grid_code.in_(sorted(reader.grids))
    elif reader.role in (Role.ADMIN, Role.LEADER):
        clause = _located_clause(reader, RegistryHousehold)
    else:
        raise Forbidden(message("registry.households_hidden"))
    stmt = flt.apply(select(RegistryHousehold).where(clause), RegistryHousehold)
    total = db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    households = list(
        db.scalars(stmt.order_by(RegistryHousehold.id).limit(min(limit, MAX_PAGE)).offset(offset)).unique()
    )
    members: dict[int, list[RegistryResident]] = {h.id: [] for h in households}
    if households:
        for r in db.scalars(
            select(RegistryResident)
            .where(RegistryResident.household_id.in_(list(members)), RegistryResident.moved_out_at.is_(None))
            .order_by(RegistryResident.id)
        ).unique():
            members[r.household_id].append(r)
    return [household_view(reader, h, members[h.id]) for h in households], total


# --- grid staff --------------------------------------------------------------------------------------

_LAYER_OF_ROLE = {Role.GRID_WORKER: StaffLayer.SOCIAL_SERVICE, Role.POLICE: StaffLayer.PUBLIC_SECURITY}


def assign_grid(
    platform: Platform, db: Session, actor: Principal | None, username: str, grid_code: str
) -> GridStaff:
    """Assign a grid worker to a social-service grid, or the police to a public-security grid (by
    the admin of the area or the command line)."""
    reader = reader_of(db, actor)
    if reader.role != Role.ADMIN:
        raise Forbidden(message("registry.assign_admin_only"))
    user = db.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(message("user.not_found", username=username))
    layer = _LAYER_OF_ROLE.get(Role(user.role))
    if layer is None:
        raise Invalid(
            message(
                "registry.not_grid_staff", username=username, role=user.role, role_zh=Role(user.role).label_zh
            )
        )
    grid = db.scalar(
        select(Grid).where(Grid.layer == layer.value, Grid.code == grid_code, Grid.valid_to.is_(None))
    )
    if grid is None:
        raise Invalid(
            message("registry.no_grid", layer=layer.value, layer_zh=layer.label_zh, grid_code=grid_code)
        )
    if not territory_covers(reader.scope, grid.district_code, grid.street_code, grid.community_code):
        raise Forbidden(message("registry.grid_outside_area", grid_code=grid_code))
    with unit_of_work(db):
        existing = db.scalar(
            select(GridStaff).where(
                GridStaff.user_id == user.id, GridStaff.grid_code == grid_code, GridStaff.valid_to.is_(None)
            )
        )
        if existing is not None:
            return existing
        row = GridStaff(
            user_id=user.id,
            layer=layer.value,
            grid_code=grid_code,
            valid_from=platform.now(),
            assigned_by=reader.username,
        )
        db.add(row)
    return row


def staff_grids(db: Session, user_id: int) -> list[GridStaff]:
    return list(
        db.scalars(
            select(GridStaff)
            .where(GridStaff.user_id == user_id, GridStaff.valid_to.is_(None))
            .order_by(GridStaff.grid_code)
        )
    )


# --- visits (走访) and service requests ----------------------------------------------------------------


def record_visit(
    platform: Platform,
    db: Session,
    actor: Principal | None,
    household_id: int,
    kind: str = VisitKind.VISIT.value,
    note: str = "",
    resident_id: int | None = None,
    class_code: str | None = None,
) -> RegistryVisit:
    """A grid worker's visit to a household of their grid (or a service request raised there); the
    police visit the key persons of their grids. A service request with a `class_code` is reported
    as a case at once (`request_case`), in the same transaction as the visit."""
    reader = reader_of(db, actor)
    visit_kind = parse_choice(VisitKind, kind, "visit kind")
    class_code = (class_code or "").strip() or None
    if class_code is not None and visit_kind != VisitKind.SERVICE_REQUEST:
        raise Invalid(message("registry.visit_no_class"))
    household = db.get(RegistryHousehold, household_id)
    if household is None:
        raise NotFound(message("registry.not_found", what=message("noun.household"), row_id=household_id))
    resident = None
    if resident_id is not None:
        resident = db.get(RegistryResident, resident_id)
        if resident is None or resident.household_id != household.id:
            raise Invalid(
                message("registry.not_a_member", resident_id=resident_id, household_id=household_id)
            )
    if reader.role == Role.POLICE:
        if resident is None or not may_see_resident(_resident_ctx(reader, resident)):
            raise Forbidden(message("registry.police_key_persons"))
    elif not (
        (reader.role == Role.ADMIN and _in_area(reader, household))
        or (reader.role == Role.GRID_WORKER and _own_grid(reader, household))
    ):
        raise Forbidden(message("registry.visits_by_grid_worker"))
    if household.valid_to is not None:
        raise Conflict(message("registry.household_ended", household_id=household_id))
    if reader.user_id is None:
        raise Invalid(message("registry.visit_needs_person"))
    visit = RegistryVisit(
        kind=visit_kind.value,
        household_id=household.id,
        resident_id=resident.id if resident else None,
        place_id=household.place_id,
        user_id=reader.user_id,
        at=platform.now(),
        note=_text(note, message("noun.note"), 4000, required=visit_kind == VisitKind.SERVICE_REQUEST),
        street_code=household.street_code,
        ss_grid_code=household.ss_grid_code,
        ps_grid_code=household.ps_grid_code,
    )
    if class_code is not None:
        _may_report(reader, visit)
        if actor is None:  # _may_report refuses a reader with no role; this says so to the type checker
            raise Forbidden(message("registry.request_by_grid_worker"))

        def add_visit(case: Any) -> None:
            visit.case_id = case.id
            db.add(visit)
            _link_request(platform, db, reader, visit, case.id)

        _report_request(platform, db, actor, visit, class_code, add_visit)
        return visit
    with unit_of_work(db):
        db.add(visit)
    return visit


def request_case(
    platform: Platform, db: Session, actor: Principal, visit_id: int, class_code: str
) -> tuple[RegistryVisit, Any]:
    """Report an earlier service request (服务诉求) as a case: by the grid worker (网格员) of its
    grid, on the supervisor channel (the grid's own staff reporting on site, so no verification), at
    the household's place, with the worker's note as the description and the place and the resident
    (if named) as the case's subjects; the visit keeps the case's id. One transaction; a request
    that became a case already is refused (Conflict), as is a plain visit (Invalid)."""
    reader = reader_of(db, actor)
    visit = db.get(RegistryVisit, visit_id)
    if visit is None:
        raise NotFound(message("registry.no_visit", visit_id=visit_id))
    _may_report(reader, visit)
    if visit.kind != VisitKind.SERVICE_REQUEST:
        raise Invalid(
            message("registry.not_a_request", visit_id=visit_id, label_zh=VisitKind(visit.kind).label_zh)
        )
    if visit.case_id is not None:
        raise Conflict(message("registry.request_reported", visit_id=visit_id, case_id=visit.case_id))
    code = _text(class_code, message("noun.class_code"), 40)

    def claim(case: Any) -> None:
        # conditional, so that two grid workers pressing at the same moment make one case
        claimed = db.execute(
            update(RegistryVisit)
            .where(RegistryVisit.id == visit.id, RegistryVisit.case_id.is_(None))
            .values(case_id=case.id)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict(message("registry.request_reported_meanwhile", visit_id=visit_id))
        _link_request(platform, db, reader, visit, case.id)

    case = _report_request(platform, db, actor, visit, code, claim)
    db.refresh(visit)
    return visit, case


def request_classes(platform: Platform, db: Session) -> list[dict[str, str]]:
    """The classes a service request is usually reported under: the social-service matters."""
    return [
        {"code": c.code, "name": c.name, "name_en": c.name_en, "major_name": c.major_name}
        for c in platform.catalogue(db).search(network="social_service", kind="event")
    ]


def visit_case_numbers(platform: Platform, db: Session, visits: Sequence[RegistryVisit]) -> dict[int, str]:
    """The numbers of the cases the visits became, by case id."""
    ids = {v.case_id for v in visits if v.case_id is not None}
    if not ids:
        return {}
    rows = db.execute(select(Case.id, Case.reported_at).where(Case.id.in_(ids)))
    return {row.id: platform.case_number(row) for row in rows}


def _may_report(reader: Reader, visit: RegistryVisit) -> None:
    if reader.role != Role.GRID_WORKER or visit.ss_grid_code not in reader.grids:
        raise Forbidden(message("registry.request_by_grid_worker"))


def _report_request(
    platform: Platform,
    db: Session,
    actor: Principal,
    visit: RegistryVisit,
    class_code: str,
    also: Callable[[Any], None],
) -> Any:
    """The service request as a case, through the one intake (`cases.report_case`); `also` writes
    the registry's rows in the case's transaction. The description is the note, nothing more: no
    name, ID number or phone of the household goes into the case (its subjects link them)."""
    try:
        cls = platform.catalogue(db).find(class_code)
    except NotFound:
        raise Invalid(message("class.not_in_catalogue", class_code=class_code), key="class_code") from None
    place = db.get(RegistryPlace, visit.place_id) if visit.place_id is not None else None
    if place is None:
        raise Invalid(message("registry.visit_no_place", visit_id=visit.id))
    report = cases.Report(
        class_code=cls.code,
        standard=cls.standard,
        kind=str(cls.kind),
        lon=place.lon,
        lat=place.lat,
        description=visit.note,
        channel=cases.Channel.SUPERVISOR,
    )
    case, _ = cases.report_case(platform, db, actor, report, also)
    return case


def _link_request(
    platform: Platform, db: Session, reader: Reader, visit: RegistryVisit, case_id: int
) -> None:
    """The subjects of a case made from a service request: the household's place, and the resident
    named by the request (as the party)."""
    if visit.place_id is not None:
        _new_link(platform, db, reader, case_id, SubjectKind.PLACE, visit.place_id, SubjectRole.INVOLVED, "")
    if visit.resident_id is not None:
        _new_link(
            platform, db, reader, case_id, SubjectKind.RESIDENT, visit.resident_id, SubjectRole.PARTY, ""
        )


def list_visits(
    db: Session, actor: Principal | None, household_id: int | None = None, limit: int = 100
) -> list[RegistryVisit]:
    """Visits the caller may see: their own grids' (grid worker, police: their own), the area's
    (admin, leader)."""
    reader = reader_of(db, actor)
    stmt = _visits_select(reader).order_by(RegistryVisit.id.desc()).limit(min(limit, MAX_PAGE))
    if household_id is not None:
        stmt = stmt.where(RegistryVisit.household_id == household_id)
    return list(db.scalars(stmt))


def _visits_select(reader: Reader) -> Select[Any]:
    stmt = select(RegistryVisit)
    if reader.role == Role.GRID_WORKER:
        stmt = stmt.where(RegistryVisit.ss_grid_code.in_(sorted(reader.grids)))
    elif reader.role == Role.POLICE:
        stmt = stmt.where(RegistryVisit.user_id == reader.user_id)
    elif reader.role in (Role.ADMIN, Role.LEADER) and reader.platform_staff:
        if reader.scope:
            stmt = stmt.where(RegistryVisit.street_code.startswith(reader.scope[:9]))
    else:
        raise Forbidden(message("registry.visits_hidden"))
    return stmt


def visit_view(visit: RegistryVisit) -> dict[str, Any]:
    return {
        "id": visit.id,
        "kind": visit.kind,
        "kind_label": VisitKind(visit.kind).label_zh,
        "household_id": visit.household_id,
        "resident_id": visit.resident_id,
        "place_id": visit.place_id,
        "user_id": visit.user_id,
        "at": _iso(visit.at),
        "note": visit.note,
        "case_id": visit.case_id,
    }


# --- case subjects: the places, organisations, persons, things a case is about -----------------------

_SUBJECT_MODELS: dict[SubjectKind, Any] = {
    SubjectKind.PLACE: RegistryPlace,
    SubjectKind.ORGANISATION: RegistryOrganisation,
    SubjectKind.RESIDENT: RegistryResident,
    SubjectKind.THING: RegistryThing,
}


def _subject_visible(reader: Reader, kind: SubjectKind, row: Any) -> bool:
    if kind == SubjectKind.RESIDENT:
        return may_see_resident(_resident_ctx(reader, row))
    return _in_area(reader, row)


def link_subject(
    platform: Platform,
    db: Session,
    actor: Principal,
    case_id: int,
    kind: str,
    subject_id: int,
    role: str = SubjectRole.INVOLVED.value,
    note: str = "",
) -> CaseSubject:
    """Name a place, organisation, resident or thing a case is about: the caller must see both."""
    reader = reader_of(db, actor)
    case = access_case(db, actor, case_id)
    if not reader.platform_staff:
        raise Forbidden(message("registry.subjects_by_staff"))
    subject_kind = parse_choice(SubjectKind, kind, "subject kind")
    subject_role = parse_choice(SubjectRole, role, "subject role")
    row = db.get(_SUBJECT_MODELS[subject_kind], subject_id)
    if row is None or not _subject_visible(reader, subject_kind, row):
        raise NotFound(
            message(
                "registry.no_subject",
                subject_kind=subject_kind.value,
                subject_id=subject_id,
                kind_zh=subject_kind.label_zh,
            )
        )
    with unit_of_work(db):
        if db.scalar(
            select(CaseSubject.id).where(
                CaseSubject.case_id == case.id,
                CaseSubject.subject_kind == subject_kind.value,
                CaseSubject.subject_id == subject_id,
            )
        ):
            raise Conflict(
                message(
                    "registry.subject_linked",
                    subject_kind=subject_kind.value,
                    subject_id=subject_id,
                    kind_zh=subject_kind.label_zh,
                )
            )
        link = _new_link(platform, db, reader, case.id, subject_kind, subject_id, subject_role, note)
    return link


def _new_link(
    platform: Platform,
    db: Session,
    reader: Reader,
    case_id: int,
    kind: SubjectKind,
    subject_id: int,
    role: SubjectRole,
    note: str,
) -> CaseSubject:
    """A case subject, in the caller's transaction (the caller checked who may name it)."""
    link = CaseSubject(
        case_id=case_id,
        subject_kind=kind.value,
        subject_id=subject_id,
        role=role.value,
        note=_text(note, message("noun.note"), 300, required=False),
        created_by=reader.username,
        created_at=platform.now(),
    )
    db.add(link)
    return link


def case_subjects(db: Session, actor: Principal, case_id: int) -> list[dict[str, Any]]:
    """A case's subjects as the caller may see them: a person the caller may not see in the
    registry appears with a masked name only."""
    reader = reader_of(db, actor)
    case = access_case(db, actor, case_id)
    links = db.scalars(select(CaseSubject).where(CaseSubject.case_id == case.id).order_by(CaseSubject.id))
    return [_subject_view(db, reader, link) for link in links]


def _subject_view(db: Session, reader: Reader, link: CaseSubject) -> dict[str, Any]:
    kind = SubjectKind(link.subject_kind)
    row: Any = db.get(_SUBJECT_MODELS[kind], link.subject_id)
    view: dict[str, Any] = {
        "id": link.id,
        "kind": kind.value,
        "kind_label": kind.label_zh,
        "subject_id": link.subject_id,
        "role": link.role,
        "role_label": SubjectRole(link.role).label_zh,
        "note": link.note,
        "created_by": link.created_by,
        "created_at": _iso(link.created_at),
    }
    if kind == SubjectKind.RESIDENT:
        if may_see_resident(_resident_ctx(reader, row)):
            view["subject"] = resident_view(reader, row)
        else:
            view["subject"] = {"id": row.id, "name": mask_name(row.name), "masked": True}
    else:
        viewers: dict[SubjectKind, Any] = {
            SubjectKind.PLACE: place_view,
            SubjectKind.ORGANISATION: organisation_view,
            SubjectKind.THING: thing_view,
        }
        view["subject"] = viewers[kind](row)
    return view
