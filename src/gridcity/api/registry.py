"""The social registry (人地事物组织) over JSON: places, organisations, things, households, residents
(masked by default; in clear with a reason, logged), visits, grid staff, the personal-data access log
and export (admins), and the subjects of a case. Every rule lives in `services.registry.records`."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from gridcity.api.deps import DbDep, PlatformDep, UserDep
from gridcity.api.responses import TEXT, answers, download, media, refusal
from gridcity.api.responses.registry import (
    AccessLog,
    GridStaffOut,
    HouseholdOut,
    HouseholdPage,
    OrganisationOut,
    OrganisationPage,
    PlaceOut,
    PlacePage,
    ResidentMatches,
    ResidentOut,
    ResidentPage,
    StaffGrids,
    SubjectList,
    SubjectOut,
    ThingOut,
    ThingPage,
    VisitList,
    VisitOut,
    VisitWithCase,
)
from gridcity.api.schemas import MAX_ROW_ID, CasePath, Day, RowId, RowPath
from gridcity.domain.principal import Principal
from gridcity.domain.registry import MAX_REASON
from gridcity.services.registry import records as reg

router = APIRouter(tags=["registry"])

Page = Annotated[int, Query(ge=1, le=100_000)]
PageSize = Annotated[int, Query(ge=1, le=reg.MAX_PAGE)]
Code = Annotated[str | None, Query(max_length=24)]
Text = Annotated[str | None, Query(max_length=100)]


def located_filter(
    grid: Code = None,
    street: Code = None,
    kind: Annotated[str | None, Query(max_length=20)] = None,
    q: Text = None,
    include_ended: bool = False,
) -> reg.LocatedFilter:
    return reg.LocatedFilter(grid or None, street or None, kind or None, q or None, include_ended)


LocatedQuery = Annotated[reg.LocatedFilter, Depends(located_filter)]


def resident_filter(
    household_id: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
    grid: Code = None,
    street: Code = None,
    tag: Annotated[str | None, Query(max_length=30)] = None,
    q: Text = None,
    include_moved_out: bool = False,
) -> reg.ResidentFilter:
    return reg.ResidentFilter(
        household_id, grid or None, street or None, tag or None, q or None, include_moved_out
    )


ResidentQuery = Annotated[reg.ResidentFilter, Depends(resident_filter)]

# a resident read in clear is never kept by a cache
NO_STORE = {"Cache-Control": {"description": "`no-store` when read in clear", "schema": {"type": "string"}}}


def _page(items: list[Any], total: int, page: int, page_size: int) -> dict[str, Any]:
    return {"items": items, "total": total, "page": page, "page_size": page_size}


def _list(
    db: Any, user: Principal, what: str, flt: reg.LocatedFilter, page: int, size: int, view: Any
) -> Any:
    rows, total = reg.list_located(db, user, what, flt, size, (page - 1) * size)
    return _page([view(r) for r in rows], total, page, size)


Attrs = Annotated[dict[str, Any], Field(default_factory=dict)]


# --- places -------------------------------------------------------------------------------------


class PlaceCreate(BaseModel):
    kind: str = Field(max_length=20, description="building | house | shop | other")
    name: str = Field(max_length=200)
    address: str = Field(default="", max_length=300)
    lon: float | None = None
    lat: float | None = None
    geometry: dict[str, Any] | None = Field(default=None, description="the outline, a GeoJSON Polygon")
    parent_id: int | None = Field(
        default=None, ge=1, le=MAX_ROW_ID, description="the building a house lies in"
    )
    attrs: Attrs


class PlaceUpdate(BaseModel):
    name: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=300)
    attrs: dict[str, Any] | None = None


@router.get("/registry/places", response_model=Any, responses=answers(PlacePage, 401, 403, 422))
def list_places(
    db: DbDep, user: UserDep, flt: LocatedQuery, page: Page = 1, page_size: PageSize = 100
) -> dict[str, Any]:
    """Places (地) of the caller's area: filters `grid` (a code of any layer), `street`, `kind`, `q`."""
    return _list(db, user, "place", flt, page, page_size, reg.place_view)


@router.post(
    "/registry/places",
    status_code=201,
    response_model=Any,
    responses=answers(PlaceOut, 401, 403, 422, status=201),
)
def create_place(platform: PlatformDep, db: DbDep, user: UserDep, body: PlaceCreate) -> dict[str, Any]:
    """Record a place at a point, by its outline, or inside its building; its grids are resolved."""
    place = reg.create_place(platform, db, user, reg.PlaceInput(**body.model_dump()))
    return reg.place_view(place)


@router.get(
    "/registry/places/{place_id}", response_model=Any, responses=answers(PlaceOut, 401, 403, 404, 422)
)
def get_place(db: DbDep, user: UserDep, place_id: RowPath) -> dict[str, Any]:
    return reg.place_view(reg.get_located(db, user, "place", place_id))


@router.patch(
    "/registry/places/{place_id}", response_model=Any, responses=answers(PlaceOut, 401, 403, 404, 409, 422)
)
def update_place(
    platform: PlatformDep, db: DbDep, user: UserDep, place_id: RowPath, body: PlaceUpdate
) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)
    return reg.place_view(reg.update_place(platform, db, user, place_id, changes))


@router.post(
    "/registry/places/{place_id}/end",
    response_model=Any,
    responses=answers(PlaceOut, 401, 403, 404, 409, 422),
)
def end_place(platform: PlatformDep, db: DbDep, user: UserDep, place_id: RowPath) -> dict[str, Any]:
    """The place no longer exists: it ends, its record stays."""
    return reg.place_view(reg.end_place(platform, db, user, place_id))


# --- organisations and things -------------------------------------------------------------------------


class OrganisationCreate(BaseModel):
    kind: str = Field(
        max_length=20, description="company | school | hospital | social_org | government | other"
    )
    name: str = Field(max_length=200)
    uscc: str | None = Field(default=None, max_length=30, description="统一社会信用代码 (checked)")
    place_id: RowId | None = None
    lon: float | None = None
    lat: float | None = None
    phone: str | None = Field(default=None, max_length=40)
    attrs: Attrs


@router.get("/registry/organisations", response_model=Any, responses=answers(OrganisationPage, 401, 403, 422))
def list_organisations(
    db: DbDep, user: UserDep, flt: LocatedQuery, page: Page = 1, page_size: PageSize = 100
) -> dict[str, Any]:
    return _list(db, user, "organisation", flt, page, page_size, reg.organisation_view)


@router.post(
    "/registry/organisations",
    status_code=201,
    response_model=Any,
    responses=answers(OrganisationOut, 401, 403, 409, 422, status=201),
)
def create_organisation(
    platform: PlatformDep, db: DbDep, user: UserDep, body: OrganisationCreate
) -> dict[str, Any]:
    org = reg.create_organisation(platform, db, user, reg.OrganisationInput(**body.model_dump()))
    return reg.organisation_view(org)


@router.get(
    "/registry/organisations/{org_id}",
    response_model=Any,
    responses=answers(OrganisationOut, 401, 403, 404, 422),
)
def get_organisation(db: DbDep, user: UserDep, org_id: RowPath) -> dict[str, Any]:
    return reg.organisation_view(reg.get_located(db, user, "organisation", org_id))


@router.post(
    "/registry/organisations/{org_id}/end",
    response_model=Any,
    responses=answers(OrganisationOut, 401, 403, 404, 409, 422),
)
def end_organisation(platform: PlatformDep, db: DbDep, user: UserDep, org_id: RowPath) -> dict[str, Any]:
    return reg.organisation_view(reg.end_organisation(platform, db, user, org_id))


class ThingCreate(BaseModel):
    kind: str = Field(max_length=20, description="key_facility | hazard")
    name: str = Field(max_length=200)
    risk_level: str = Field(default="low", max_length=10, description="low | medium | high | major")
    place_id: RowId | None = None
    lon: float | None = None
    lat: float | None = None
    attrs: Attrs


@router.get("/registry/things", response_model=Any, responses=answers(ThingPage, 401, 403, 422))
def list_things(
    db: DbDep, user: UserDep, flt: LocatedQuery, page: Page = 1, page_size: PageSize = 100
) -> dict[str, Any]:
    return _list(db, user, "thing", flt, page, page_size, reg.thing_view)


@router.post(
    "/registry/things",
    status_code=201,
    response_model=Any,
    responses=answers(ThingOut, 401, 403, 422, status=201),
)
def create_thing(platform: PlatformDep, db: DbDep, user: UserDep, body: ThingCreate) -> dict[str, Any]:
    return reg.thing_view(reg.create_thing(platform, db, user, reg.ThingInput(**body.model_dump())))


@router.get(
    "/registry/things/{thing_id}", response_model=Any, responses=answers(ThingOut, 401, 403, 404, 422)
)
def get_thing(db: DbDep, user: UserDep, thing_id: RowPath) -> dict[str, Any]:
    return reg.thing_view(reg.get_located(db, user, "thing", thing_id))


@router.post(
    "/registry/things/{thing_id}/end",
    response_model=Any,
    responses=answers(ThingOut, 401, 403, 404, 409, 422),
)
def end_thing(platform: PlatformDep, db: DbDep, user: UserDep, thing_id: RowPath) -> dict[str, Any]:
    """A facility removed or a hazard eliminated: it ends, its record stays."""
    return reg.thing_view(reg.end_thing(platform, db, user, thing_id))


# --- households and residents --------------------------------------------------------------------------


class HouseholdCreate(BaseModel):
    place_id: RowId
    number: str | None = Field(default=None, max_length=40, description="户号")


@router.get("/registry/households", response_model=Any, responses=answers(HouseholdPage, 401, 403, 422))
def list_households(
    db: DbDep, user: UserDep, flt: LocatedQuery, page: Page = 1, page_size: PageSize = 100
) -> dict[str, Any]:
    """Households with their current residents, masked: a grid worker's own grids (我的网格), an
    admin's or leader's area."""
    items, total = reg.list_households(db, user, flt, page_size, (page - 1) * page_size)
    return _page(items, total, page, page_size)


@router.post(
    "/registry/households",
    status_code=201,
    response_model=Any,
    responses=answers(HouseholdOut, 401, 403, 422, status=201),
)
def create_household(
    platform: PlatformDep, db: DbDep, user: UserDep, body: HouseholdCreate
) -> dict[str, Any]:
    household = reg.create_household(platform, db, user, body.place_id, body.number)
    return reg.household_view(reg.reader_of(db, user), household, [])


@router.post(
    "/registry/households/{household_id}/end",
    response_model=Any,
    responses=answers(HouseholdOut, 401, 403, 404, 409, 422),
)
def end_household(platform: PlatformDep, db: DbDep, user: UserDep, household_id: RowPath) -> dict[str, Any]:
    household = reg.end_household(platform, db, user, household_id)
    return reg.household_view(reg.reader_of(db, user), household, [])


class ResidentCreate(BaseModel):
    household_id: RowId
    name: str = Field(max_length=80)
    relation: str = Field(default="other", max_length=20, description="与户主关系: head | spouse | child | …")
    id_number: str | None = Field(default=None, max_length=30)
    phone: str | None = Field(default=None, max_length=40)
    gender: str | None = Field(default=None, max_length=10, description="when there is no ID number")
    birth_date: date | None = None
    tags: list[str] = Field(default_factory=list, max_length=20)


class ResidentUpdate(BaseModel):
    name: str | None = Field(default=None, max_length=80)
    relation: str | None = Field(default=None, max_length=20)
    phone: str | None = Field(default=None, max_length=40)
    tags: list[str] | None = Field(default=None, max_length=20)


class IdLookup(BaseModel):
    id_number: str = Field(max_length=30)


@router.get("/registry/residents", response_model=Any, responses=answers(ResidentPage, 401, 403, 422))
def list_residents(
    db: DbDep, user: UserDep, flt: ResidentQuery, page: Page = 1, page_size: PageSize = 100
) -> dict[str, Any]:
    """Residents the caller may see, masked: filters `household_id`, `grid`, `street`, `tag`, `q`."""
    items, total = reg.list_residents(db, user, flt, page_size, (page - 1) * page_size)
    return _page(items, total, page, page_size)


@router.post(
    "/registry/residents",
    status_code=201,
    response_model=Any,
    responses=answers(ResidentOut, 401, 403, 409, 422, 503, status=201),
)
def create_resident(platform: PlatformDep, db: DbDep, user: UserDep, body: ResidentCreate) -> dict[str, Any]:
    resident = reg.add_resident(platform, db, user, reg.ResidentInput(**body.model_dump()))
    return reg.resident_view(reg.reader_of(db, user), resident)


@router.post(
    "/registry/residents/lookup", response_model=Any, responses=answers(ResidentMatches, 401, 403, 422, 503)
)
def lookup_resident(platform: PlatformDep, db: DbDep, user: UserDep, body: IdLookup) -> dict[str, Any]:
    """Find residents by ID number (exact; in the body, so that it stays out of URLs and logs)."""
    return {"items": reg.find_by_id_number(platform, db, user, body.id_number)}


@router.get(
    "/registry/residents/{resident_id}",
    response_model=Any,
    responses=answers(ResidentOut, 401, 404, 422, 503, headers=NO_STORE)
    | refusal(403, "The caller's role reads personal data masked only."),
)
def get_resident(
    response: Response,
    platform: PlatformDep,
    db: DbDep,
    user: UserDep,
    resident_id: RowPath,
    unmask: bool = False,
    reason: Annotated[str | None, Query(max_length=MAX_REASON)] = None,
) -> dict[str, Any]:
    """One resident, masked; `unmask=true&reason=…` shows the ID number and phone in clear to the
    roles that need them, and logs who read them, when and why."""
    found = reg.read_resident(platform, db, user, resident_id, unmask, reason)
    if unmask:
        response.headers["Cache-Control"] = "no-store"  # personal data in clear: never kept by a cache
    return found


@router.patch(
    "/registry/residents/{resident_id}",
    response_model=Any,
    responses=answers(ResidentOut, 401, 403, 404, 409, 422, 503),
)
def update_resident(
    platform: PlatformDep, db: DbDep, user: UserDep, resident_id: RowPath, body: ResidentUpdate
) -> dict[str, Any]:
    resident = reg.update_resident(platform, db, user, resident_id, body.model_dump(exclude_unset=True))
    return reg.resident_view(reg.reader_of(db, user), resident)


@router.post(
    "/registry/residents/{resident_id}/move-out",
    response_model=Any,
    responses=answers(ResidentOut, 401, 403, 404, 409, 422),
)
def move_out(platform: PlatformDep, db: DbDep, user: UserDep, resident_id: RowPath) -> dict[str, Any]:
    """The resident leaves the household (迁出): the record stays as history."""
    resident = reg.move_out(platform, db, user, resident_id)
    return reg.resident_view(reg.reader_of(db, user), resident)


# --- visits, grid staff ---------------------------------------------------------------------------------


class VisitCreate(BaseModel):
    household_id: RowId
    kind: str = Field(default="visit", max_length=20, description="visit | service_request")
    note: str = Field(default="", max_length=4000)
    resident_id: RowId | None = None
    class_code: str | None = Field(
        default=None,
        max_length=40,
        description="a service request with a case class (e.g. SS0102) is reported as a case at once",
    )


class VisitCase(BaseModel):
    class_code: str = Field(max_length=40, description="the case class, e.g. SS0102")


@router.get("/registry/visits", response_model=Any, responses=answers(VisitList, 401, 403, 422))
def list_visits(
    db: DbDep,
    user: UserDep,
    household_id: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
    limit: PageSize = 100,
) -> dict[str, Any]:
    return {"items": [reg.visit_view(v) for v in reg.list_visits(db, user, household_id, limit)]}


@router.post(
    "/registry/visits",
    status_code=201,
    response_model=Any,
    responses=answers(VisitOut, 401, 403, 404, 409, 422, status=201),
)
def create_visit(platform: PlatformDep, db: DbDep, user: UserDep, body: VisitCreate) -> dict[str, Any]:
    """A visit (走访) or a service request (服务诉求) at a household of the caller's grid; a service
    request with a `class_code` becomes a case on the grid worker's report (its id in `case_id`)."""
    visit = reg.record_visit(
        platform, db, user, body.household_id, body.kind, body.note, body.resident_id, body.class_code
    )
    return reg.visit_view(visit)


@router.post(
    "/registry/visits/{visit_id}/case",
    status_code=201,
    response_model=Any,
    responses=answers(VisitWithCase, 401, 403, 404, 409, 422, status=201),
)
def visit_case(
    platform: PlatformDep, db: DbDep, user: UserDep, visit_id: RowPath, body: VisitCase
) -> dict[str, Any]:
    """Report an earlier service request as a case (the grid worker of its grid): 409 when it is a
    case already, 422 for a plain visit or an unknown class."""
    visit, case = reg.request_case(platform, db, user, visit_id, body.class_code)
    return {**reg.visit_view(visit), "case_number": platform.case_number(case)}


class GridAssignment(BaseModel):
    username: str = Field(max_length=80)
    grid_code: str = Field(max_length=24)


@router.post(
    "/registry/grid-staff",
    status_code=201,
    response_model=Any,
    responses=answers(GridStaffOut, 401, 403, 404, 422, status=201),
)
def assign_grid(platform: PlatformDep, db: DbDep, user: UserDep, body: GridAssignment) -> dict[str, Any]:
    """Assign a grid worker to a social-service grid or the police to a public-security grid (admin)."""
    row = reg.assign_grid(platform, db, user, body.username, body.grid_code)
    return {"user_id": row.user_id, "layer": row.layer, "grid_code": row.grid_code}


@router.get("/registry/my-grids", response_model=Any, responses=answers(StaffGrids, 401))
def my_grids(db: DbDep, user: UserDep) -> dict[str, Any]:
    """The grids the caller is assigned to."""
    return {"items": [{"layer": g.layer, "grid_code": g.grid_code} for g in reg.staff_grids(db, user.id)]}


# --- access log and export (admins) -------------------------------------------------------------------------


@router.get("/registry/access-log", response_model=Any, responses=answers(AccessLog, 401, 403, 422))
def access_log(
    platform: PlatformDep,
    db: DbDep,
    user: UserDep,
    limit: Annotated[int, Query(ge=1, le=reg.MAX_PAGE)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_ROW_ID)] = 0,
    username: Annotated[str | None, Query(max_length=80)] = None,
    resident_id: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
    since: Annotated[Day | None, Query(description="first day (city time), inclusive")] = None,
    until: Annotated[Day | None, Query(description="last day (city time), inclusive")] = None,
) -> dict[str, Any]:
    """Who read personal data in clear or exported it, when and why (admins, their area), newest
    first, with the masked name of the resident read and the number of entries that match."""
    flt = reg.AccessLogFilter(user=username or None, resident_id=resident_id, since=since, until=until)
    items, total = reg.access_log_page(platform, db, user, flt, limit, offset)
    return {"items": items, "total": total}


@router.get(
    "/registry/export/residents.csv",
    response_class=Response,
    responses=media(
        {"text/csv": TEXT},
        401,
        422,
        503,
        description="The residents, in clear",
        headers=download("residents.csv"),
    )
    | refusal(403, "Admins only, with a reason."),
)
def export_residents(
    platform: PlatformDep,
    db: DbDep,
    user: UserDep,
    flt: ResidentQuery,
    reason: Annotated[str | None, Query(max_length=MAX_REASON)] = None,
) -> Response:
    """The residents of the admin's area with ID numbers and phones in clear (admins only, with a
    reason; logged with the filter and the number of rows)."""
    body, _ = reg.export_residents_csv(platform, db, user, flt, reason)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="residents.csv"'},
    )


# --- the subjects of a case ---------------------------------------------------------------------------------


class SubjectCreate(BaseModel):
    kind: str = Field(max_length=20, description="place | organisation | resident | thing")
    subject_id: RowId
    role: str = Field(
        default="involved", max_length=20, description="involved | party | victim | responsible"
    )
    note: str = Field(default="", max_length=300)


@router.get("/cases/{case_id}/subjects", response_model=Any, responses=answers(SubjectList, 401, 404, 422))
def list_subjects(db: DbDep, user: UserDep, case_id: CasePath) -> dict[str, Any]:
    """The places, organisations, persons and things the case is about (persons the caller may not
    see in the registry with a masked name)."""
    return {"items": reg.case_subjects(db, user, case_id)}


@router.post(
    "/cases/{case_id}/subjects",
    status_code=201,
    response_model=Any,
    responses=answers(SubjectOut, 401, 403, 404, 409, 422, status=201),
)
def add_subject(
    platform: PlatformDep, db: DbDep, user: UserDep, case_id: CasePath, body: SubjectCreate
) -> dict[str, Any]:
    link = reg.link_subject(platform, db, user, case_id, body.kind, body.subject_id, body.role, body.note)
    return next(s for s in reg.case_subjects(db, user, case_id) if s["id"] == link.id)
