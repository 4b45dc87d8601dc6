"""What the API answers, for its OpenAPI document (/docs, /openapi.json): the JSON shape of every
success, and the refusals each operation can give, in one place.

The routes build their JSON themselves (`api.views`, the services' `*_view` functions): these models
only document it, `responses=answers(Model, 401, 404, ...)`. Nothing is checked against them on the
way out: a route that returns `FastJSON` (orjson) declares `response_model=None` and costs what it
cost before (the hot paths: report a case, list cases); one that returns a plain dict declares
`response_model=Any`, which serializes it exactly as before (pydantic: UTC as `Z`, a non-finite
number as null) without the dict's validation. tests/api/test_openapi_contract.py checks with
schemathesis that every answer matches the document.

The registry's shapes are in `api.responses.registry`, Open311's in `api.responses.open311`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# --- keys that some answers carry and others leave out -------------------------------------------


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def sometimes(description: str) -> Any:
    """A key present in some answers only (never null when present): not required, no default."""
    return Field(default=None, description=description, json_schema_extra=_no_default)


class Shape(BaseModel):
    """A documented JSON object. Answers may grow keys: clients ignore the ones they do not know."""

    model_config = ConfigDict(extra="allow")


# --- refusals ---------------------------------------------------------------------------------------


class ErrorOut(Shape):
    """A refusal. Domain errors carry `error` (their kind) and sometimes `info`; the refusals made
    before any route (a NUL in the address, an unknown path or method) carry `detail` only."""

    detail: str = Field(
        description="what was wrong, for a person to read: in Chinese when the request's "
        "Accept-Language asks for it (zh), else in English"
    )
    code: str = sometimes("the message's code in the catalogue (e.g. case.changed), stable across languages")
    error: str = sometimes(
        "the kind of refusal: Invalid, NotFound, Unauthorized, Forbidden, Conflict, InvalidTransition"
    )
    info: dict[str, Any] = sometimes("details of the refusal, e.g. the current version of a case")


class FieldProblem(Shape):
    field: str = Field(
        description="where: a parameter's name or a body field's path, e.g. `lon`, `attrs.floor`"
    )
    message: str | None


class InvalidOut(ErrorOut):
    """Bad input: a request that fails validation (`errors` lists each problem) or breaks a rule of
    the domain (`error`: Invalid), or a value the database cannot store."""

    errors: list[FieldProblem] = sometimes("each field that failed validation, with why")


_REFUSALS: dict[int, tuple[type[ErrorOut], str]] = {
    400: (ErrorOut, "A NUL character (%00) in the path or the query: refused before any route runs."),
    401: (
        ErrorOut,
        "No credentials, or an unknown or expired token: sign in with POST /api/v1/auth/token and send "
        "`Authorization: Bearer <token>`.",
    ),
    403: (ErrorOut, "The caller is known but may not do this: their role or area does not allow it."),
    404: (ErrorOut, "No such record, or none the caller may see."),
    409: (
        ErrorOut,
        "The request clashes with the current state: a stale `version`, an action the state does not "
        "allow (`error`: InvalidTransition), a duplicate name or key.",
    ),
    422: (
        InvalidOut,
        "Bad input: validation failed (`errors` per field), or a rule of the domain was broken "
        "(`error`: Invalid, `info` with the details), or a value cannot be stored.",
    ),
    429: (
        ErrorOut,
        "Too many attempts: the caller waits the seconds `Retry-After` says, then may try again.",
    ),
    503: (
        ErrorOut,
        "The installation's personal-data key is missing or does not open the data: an administrator "
        "must fix it, then the request may be repeated.",
    ),
}

_WWW_AUTHENTICATE = {
    "WWW-Authenticate": {
        "description": "`Bearer`: the scheme the API expects",
        "required": True,
        "schema": {"type": "string"},
    }
}

RETRY_AFTER = {
    "Retry-After": {
        "description": "how many seconds to wait before trying again",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
    }
}

Responses = dict[int | str, dict[str, Any]]


def refusal(status: int, description: str | None = None) -> Responses:
    """One refusal with the error body; `description` says when this route gives it, if it differs."""
    model, default = _REFUSALS[status]
    out: dict[str, Any] = {"model": model, "description": description or default}
    if status == 401:
        out["headers"] = _WWW_AUTHENTICATE
    if status == 429:
        out["headers"] = RETRY_AFTER
    return {status: out}


def refusals(*statuses: int) -> Responses:
    """The refusals an operation can give, each with the error body and its usual meaning."""
    out: Responses = {}
    for status in statuses:
        out.update(refusal(status))
    return out


def answers(
    model: Any,
    *statuses: int,
    status: int = 200,
    description: str = "Success",
    headers: dict[str, Any] | None = None,
) -> Responses:
    """The success (`model` as JSON) and the refusals of an operation."""
    success: dict[str, Any] = {"model": model, "description": description}
    if headers:
        success["headers"] = headers
    return {status: success, **refusals(*statuses)}


def media(
    types: dict[str, dict[str, Any]],
    *statuses: int,
    status: int = 200,
    description: str = "Success",
    headers: dict[str, Any] | None = None,
) -> Responses:
    """A success in other media types than JSON (CSV, XLSX, GeoJSON, images), and the refusals."""
    success: dict[str, Any] = {"description": description, "content": types}
    if headers:
        success["headers"] = headers
    return {status: success, **refusals(*statuses)}


def download(filename: str) -> dict[str, Any]:
    """The header of an answer that a browser saves as a file."""
    return {
        "Content-Disposition": {
            "description": f'`attachment; filename="{filename}"`',
            "required": True,
            "schema": {"type": "string"},
        }
    }


BINARY: dict[str, Any] = {"schema": {"type": "string", "format": "binary"}}
TEXT: dict[str, Any] = {"schema": {"type": "string"}}

# Every operation under /api/v1 (create_app adds it to each router): refused before any route.
EVERY_OPERATION: Responses = refusals(400)


# --- the caller and organisation units ----------------------------------------------------------


class UnitRef(Shape):
    """An organisation unit: a platform (city, district, street, community) or a department."""

    id: int
    code: str
    name: str
    kind: str = Field(description="city | district | street | community | department")
    tier: str = Field(description="city | district | street | community: the tier it works at")


class UserOut(Shape):
    id: int
    username: str
    display_name: str
    role: str = Field(description="operator | supervisor | shift_leader | dispatcher | handler | admin | …")
    org_unit: UnitRef


class UnitList(Shape):
    items: list[UnitRef]


# --- sign-in locks (services.signin_guard) ------------------------------------------------------


class SigninLockOut(Shape):
    username: str = Field(description="the username as typed at sign-in (it may name no account)")
    user_id: int | None = Field(description="the account of that name, if there is one")
    display_name: str | None
    locked_until: datetime


class SigninLockEventOut(Shape):
    at: datetime
    username: str
    user_id: int | None
    action: str = Field(description="lock | unlock")
    locked_until: datetime | None = Field(description="a lock: when it runs out by itself")
    failures: int | None = Field(description="a lock: the failed sign-ins that caused it")
    address: str | None = Field(description="a lock: the client address of the last failure")
    by: str = Field(
        description="who: 'system' for a lock, the admin's username or 'command line' for an unlock"
    )
    reason: str


class SigninLocks(Shape):
    locks: list[SigninLockOut] = Field(description="the usernames locked now")
    events: list[SigninLockEventOut] = Field(description="the latest locks and unlocks, newest first")


# --- cases --------------------------------------------------------------------------------------


class CaseGrids(Shape):
    """The grid of each of the three networks at the case's point (null outside that layer)."""

    city_management: str | None
    social_service: str | None
    public_security: str | None


class CaseSummary(Shape):
    """A case as lists show it."""

    id: int
    number: str = Field(description="the case number people use, e.g. 2026111600001")
    state: str
    state_label: str = Field(description="the state in Chinese")
    version: int = Field(description="send it back with an action: a stale one is refused (409)")
    channel: str
    standard: str
    class_code: str
    class_name: str
    kind: str = Field(description="component | event")
    network: str
    urgency: str
    description: str
    address: str | None
    lon: float
    lat: float
    district_code: str
    street_code: str
    community_code: str | None
    grids: CaseGrids
    component_code: str | None
    department: UnitRef | None
    reported_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    closing_type: str | None
    deadline: datetime | None = Field(description="when the current stage is due")
    traffic_light: str | None = Field(description="green | yellow | red, null without a running clock")


class CaseClock(Shape):
    """The clock of the post that must act now (a clock per post, docs/domain/clocks.md)."""

    stage: str = Field(
        description="accept | verify | file | dispatch | dispose | rework | check | close | decide"
    )
    stage_name: str = Field(description="受理 | 核实 | 立案 | 派遣 | 处置 | 返工 | 核查 | 结案 | 审批")
    started_at: datetime
    deadline: datetime | None
    unit: str | None = Field(description="work_hours | work_days | minutes | …")
    limit_seconds: float
    elapsed_seconds: float
    remaining_seconds: float
    paused: bool
    light: str = Field(description="green | yellow | red")


class EventActor(Shape):
    id: int | None
    name: str
    role: str


class AttachmentRef(Shape):
    id: int
    filename: str
    content_type: str
    size: int
    url: str = Field(description="GET it with the same token")
    taken_at: datetime | None = Field(description="when the photo was taken (EXIF), null without EXIF")
    taken_lon: float | None = Field(description="where it was taken (EXIF GPS, WGS84)")
    taken_lat: float | None
    distance_m: int | None = Field(description="metres from the case point, null without a GPS position")
    flags: list[str] = Field(
        description="before_report: taken before the case was reported (not for the report's own photos); "
        "far: more than 200 m from the case point"
    )


class CaseEvent(Shape):
    """One step of the case's history."""

    seq: int
    at: datetime
    actor: EventActor
    action: str
    from_state: str | None
    to_state: str
    note: str
    data: dict[str, Any]
    attachments: list[AttachmentRef]
    request_id: str | None = Field(
        description="the X-Request-ID of the request that made this step (also on its outbox event "
        "and in the logs); null for the system's steps and steps made before it was kept"
    )


class AvailableAction(Shape):
    action: str
    label: str
    fields: list[str] = Field(description="the body fields the action takes")


class CaseContact(Shape):
    """The reporter's callback contact (回访联系方式): masked in a case, in clear when revealed."""

    name: str | None = Field(description="masked (张*) unless revealed")
    phone: str | None = Field(description="masked (138****8000) unless revealed")
    masked: bool


class CaseDetail(CaseSummary):
    """A case with its history, its clock and what the caller may do with it now."""

    proposed_department: UnitRef | None
    cooperating: list[UnitRef]
    assignee_id: int | None
    filed_at: datetime | None
    dispatched_at: datetime | None
    disposed_at: datetime | None
    rework_count: int
    reopen_count: int
    extension_count: int
    escalation_level: int
    pending_request: dict[str, Any] | None = Field(description="an extension or return waiting for an answer")
    clock: CaseClock | None
    contact: CaseContact | None = Field(
        description="the reporter's callback contact, masked; null when none was left, and for citizens"
    )
    history: list[CaseEvent]
    actions: list[AvailableAction]


class CaseList(Shape):
    total: int
    page: int
    page_size: int
    items: list[CaseSummary]


class Point(Shape):
    type: Literal["Point"]
    coordinates: list[float] = Field(description="[lon, lat], WGS84")


class CaseFeatureProperties(Shape):
    id: int
    number: str
    class_name: str
    state: str
    light: str | None


class CaseFeature(Shape):
    type: Literal["Feature"]
    geometry: Point
    properties: CaseFeatureProperties


class LightCounts(Shape):
    red: int
    yellow: int
    green: int


class CaseClusterProperties(Shape):
    cluster: Literal[True]
    count: int = Field(description="the cases in the cell")
    light: str | None = Field(description="the most urgent light among them; null when no clock runs")
    lights: LightCounts = Field(description="how many of them show each light")
    bbox: list[float] = Field(description="the cell: min_lon, min_lat, max_lon, max_lat")


class CaseCluster(Shape):
    type: Literal["Feature"]
    geometry: Point = Field(description="the mean position of the cell's cases")
    properties: CaseClusterProperties


class CaseFeatures(Shape):
    type: Literal["FeatureCollection"]
    features: list[CaseFeature | CaseCluster] = Field(
        description="a point per case; per cell of the window when `clustered`"
    )
    truncated: bool = Field(description="more cases lie in the window than `limit`")
    clustered: bool = Field(description="the window held more than `limit` cases and `cluster` was asked")


class AttachmentOut(Shape):
    id: int
    filename: str
    content_type: str
    size: int
    taken_at: datetime | None = Field(description="when the photo was taken, from its EXIF; null without")
    taken_lon: float | None = Field(description="where it was taken (EXIF GPS, WGS84); null without")
    taken_lat: float | None


class NotificationOut(Shape):
    id: int
    kind: str
    text: str
    case_id: int | None
    created_at: datetime


class NotificationList(Shape):
    items: list[NotificationOut]


IMAGES = {"image/jpeg": BINARY, "image/png": BINARY, "image/webp": BINARY}


# --- territory, grids, classes ------------------------------------------------------------------


class Named(Shape):
    code: str
    name: str | None


class Located(Shape):
    lon: float
    lat: float
    district: Named | None
    street: Named | None
    community: Named | None
    grids: CaseGrids


class ClassOut(Shape):
    """A class of the catalogue with its network, owner, criteria and time limits."""

    ref: str = Field(description="standard:kind:code, one string naming the class")
    standard: str
    kind: str
    major_code: str
    major_name: str
    minor_code: str
    code: str
    name: str
    name_en: str
    network: str
    owner_department: str
    owner_by_area: dict[str, str]
    cooperating: list[str]
    urgency_levels: list[str]
    default_urgency: str
    filing_criteria: str
    closing_criteria: str
    limits: dict[str, str] = Field(description="per stage, e.g. {'dispose': '3 work_hours'}")
    urgent_limits: dict[str, str]
    rural_limits: dict[str, str]
    public: bool
    photo_required: list[str] = Field(
        description="the actions refused without at least one photo (核实、核查、处置反馈 by default)"
    )
    source: str


class ClassList(Shape):
    total: int
    items: list[ClassOut]


class GridProperties(Shape):
    layer: str
    code: str
    version: int
    district_code: str
    street_code: str
    community_code: str | None
    area_m2: float
    valid_from: datetime
    source: str


class Geometry(Shape):
    """A GeoJSON geometry (Polygon, MultiPolygon, Point, …), WGS84."""

    type: str
    coordinates: list[Any]


class GridFeature(Shape):
    type: Literal["Feature"]
    properties: GridProperties
    geometry: Geometry


class GridFeatures(Shape):
    type: Literal["FeatureCollection"]
    features: list[GridFeature]
    truncated: bool = Field(description="more grids lie in the window: zoom in")


class GridOverlap(Shape):
    layer: str
    code: str
    overlap_m2: float
    share: float = Field(description="of the grid's own area")


class GridDetail(GridProperties):
    overlaps: list[GridOverlap]


class BoundaryProperties(Shape):
    code: str
    name: str
    level: str


class BoundaryFeature(Shape):
    type: Literal["Feature"]
    properties: BoundaryProperties
    geometry: Geometry


class BoundaryFeatures(Shape):
    type: Literal["FeatureCollection"]
    features: list[BoundaryFeature]


# --- the working calendar -----------------------------------------------------------------------


class CalendarDayOut(Shape):
    day: date
    is_workday: bool
    note: str


class CalendarListedDay(Shape):
    day: date
    is_workday: bool
    name: str = Field(description="the holiday's name, or the city's note for its own days")
    source: Literal["national", "computed", "city"] = Field(
        description="national: the national table; computed: a statutory holiday computed from the rules "
        "in force, for a year the table does not know; city: the city's own setting"
    )


class CalendarConfirmed(Shape):
    year: int
    confirmed: list[str] = Field(description="the computed holidays made the city's own rest days now")


class CalendarYear(Shape):
    year: int
    national_table_known: bool
    unconfirmed: int = Field(description="computed statutory holidays the city admin has not confirmed")
    warning: str | None = Field(description="set when the national holiday table does not know the year")
    days: list[CalendarListedDay] = Field(
        description="every day of the year that is not an ordinary weekday or weekend day"
    )
    work_periods: list[str] = Field(description="the working hours of a working day, e.g. 08:30-12:00")


# --- evaluations and rankings -------------------------------------------------------------------


class IndicatorDefinition(Shape):
    key: str
    label: str
    label_en: str
    unit: str
    numerator: str = sometimes("the fact counted above the line")
    denominator: str | None = sometimes("the fact below the line; null for a plain count")
    lower_is_better: bool
    weight: float = Field(description="in the composite (0: shown, not weighted)")


class IndicatorValue(Shape):
    value: float | None = Field(description="numerator / denominator, rounded half-up to 2 places")
    numerator: int
    denominator: int | None
    score: float | None


class Scope(Shape):
    """Who or what a row assesses: a region, a department or a person's post."""

    kind: str
    level: str
    code: str
    name: str


class EvaluationRow(Shape):
    scope: Scope
    peer_group: str | None
    rank: int | None
    rate_ranks: dict[str, int | None] = Field(
        default_factory=dict,
        description="the row's rank by each 12345 rate on its own list (接诉即办): "
        "hotline_response_rate, hotline_resolution_rate, hotline_satisfaction_rate; null: no value",
    )
    indicators: dict[str, IndicatorValue]
    composite: float | None
    grade: str | None
    facts: dict[str, int] = Field(description="the counts behind the indicators")


class Evaluation(Shape):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    period: str
    from_: datetime = Field(alias="from", description="the first moment of the period")
    to: datetime = Field(description="the end of the period (not included)")
    months: float
    as_of: datetime = Field(description="outcomes are judged at this moment")
    kind: str
    level: str
    composite: str
    area: str = Field(description="the territory code the rows are limited to ('' = the whole city)")
    config: str
    counted_from: str = Field(description="rollups | cases: where the facts were read")
    indicators: list[IndicatorDefinition]
    total: int
    page: int
    page_size: int | None
    rows: list[EvaluationRow]


class RankingConfig(Shape):
    source: str
    as_of: datetime
    composite: str
    indicators: list[IndicatorDefinition]
    grades: dict[str, float] = Field(description="each grade's lowest score")
    lowest_grade: str
    peer_groups: dict[str, list[str]]


class Ranking(Shape):
    period: str
    kind: str
    version: int
    versions: int | None = Field(description="how many versions the month has")
    corrected: bool
    reason: str | None
    published_at: datetime
    published_by: int | None
    config: RankingConfig
    rows: list[EvaluationRow] = Field(description="every row exactly as evaluated when published")


class RankingVersion(Shape):
    version: int
    published_at: datetime
    published_by: int | None
    reason: str | None
    rows: int


class RankingVersions(Shape):
    period: str
    kind: str
    versions: list[RankingVersion]


class SupervisionDepartment(Shape):
    id: int
    code: str
    name: str


class SupervisionListEntry(Shape):
    case_id: int
    number: str = Field(description="the case number people quote (案件编号)")
    class_name: str
    state: str = Field(description="the case's state now")
    stage: str | None = Field(description="the department's stage that ran late: dispose | rework")
    stage_name: str | None = Field(description="处置 | 返工")
    department: SupervisionDepartment | None = Field(description="the department charged")
    deadline: datetime | None = Field(description="the stage's deadline it missed")
    overdue_hours: float | None = Field(
        description="calendar hours past the deadline: to now while the stage runs, else to the disposal"
    )
    reason: str = Field(description="escalated (joined this month) | carried_over (from an earlier month)")
    added_at: datetime


class SupervisionList(Shape):
    period: str
    entries: list[SupervisionListEntry]


# --- components ---------------------------------------------------------------------------------


class ComponentSummary(Shape):
    code: str = Field(description="the identity code (标识码)")
    class_code: str
    class_name: str | None
    name: str
    state: str
    state_label: str
    lon: float
    lat: float
    grid_code: str | None
    owner_name: str
    distance_m: float = sometimes("from the point asked about (nearest)")


class ComponentList(Shape):
    total: int
    page: int
    page_size: int
    items: list[ComponentSummary]


class ComponentFeature(Shape):
    type: Literal["Feature"]
    geometry: Point
    properties: ComponentSummary


class ComponentFeatures(Shape):
    type: Literal["FeatureCollection"]
    features: list[ComponentFeature]
    truncated: bool


class NearestComponents(Shape):
    items: list[ComponentSummary]


class ComponentVersion(Shape):
    version: int
    state: str
    name: str
    owner_name: str
    maintainer_name: str | None
    change_date: date | None
    note: str | None
    valid_from: datetime
    valid_to: datetime | None
    recorded_by: str


class ComponentDetail(ComponentSummary):
    standard: str
    version: int
    district_code: str
    street_code: str
    community_code: str | None
    owner_code: str | None
    owner_unit_id: int | None
    keeper_code: str | None
    keeper_name: str | None
    maintainer_code: str | None
    maintainer_name: str | None
    initial_date: date
    change_date: date | None
    source: str | None
    note: str | None
    history: list[ComponentVersion]
    cases: list[CaseSummary] = sometimes("the newest cases about it the caller may see (GET)")


# --- departments' systems and webhooks ----------------------------------------------------------


class DepartmentRef(Shape):
    id: int
    code: str
    name: str


class IntegrationCases(Shape):
    department: DepartmentRef
    list_: str = Field(alias="list", description="incoming | disposing | waiting | open")
    items: list[CaseSummary] = Field(description="nearest deadline first")


class Subscription(Shape):
    name: str
    department: DepartmentRef | None
    scope: str
    events: list[str]
    url: str
    active: bool
    created_by: str
    created_at: datetime
    disabled_at: datetime | None


class SubscriptionWithCounts(Subscription):
    deliveries: dict[str, int] = Field(description="deliveries by status: pending, delivered, failed, …")


class NewSubscription(Subscription):
    secret: str = Field(description="the signing secret: shown now, never again")


class Subscriptions(Shape):
    items: list[SubscriptionWithCounts]
    events: list[str] = Field(description="the events one may subscribe to")


# --- exports ------------------------------------------------------------------------------------


# A GeoJSON FeatureCollection as the exports stream it (written as JSON Schema: it documents a
# media type of its own, not a model of the JSON answers)
GEOJSON_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "A GeoJSON FeatureCollection (RFC 7946), WGS84",
    "required": ["type", "features"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "geometry", "properties"],
                "properties": {
                    "type": {"type": "string", "enum": ["Feature"]},
                    "geometry": {"type": ["object", "null"]},
                    "properties": {"type": "object"},
                },
            },
        },
    },
}
GEOJSON = {"application/geo+json": {"schema": GEOJSON_SCHEMA}}
