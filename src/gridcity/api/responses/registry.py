"""The social registry's answers (人地事物组织), for the OpenAPI document: see `api.responses`.
Built by `services.registry.records` (`place_view`, `resident_view`, …); personal data masked unless read in
clear with a reason."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from gridcity.api.responses import Shape


class LocatedRecord(Shape):
    """Where a record lies: its point, territory and the grid of each of the three networks."""

    lon: float
    lat: float
    district_code: str
    street_code: str
    community_code: str | None
    grid_code: str | None = Field(description="the city-management unit grid")
    ss_grid_code: str | None = Field(description="the social-service grid")
    ps_grid_code: str | None = Field(description="the public-security grid")
    valid_from: datetime
    valid_to: datetime | None = Field(description="set when the record ended; it stays as history")


class PlaceOut(LocatedRecord):
    id: int
    kind: str = Field(description="building | house | shop | other")
    kind_label: str
    name: str
    address: str
    parent_id: int | None = Field(description="the building a house lies in")
    area_m2: float | None
    attrs: dict[str, Any]


class OrganisationOut(LocatedRecord):
    id: int
    kind: str
    kind_label: str
    name: str
    uscc: str | None = Field(description="统一社会信用代码")
    place_id: int | None
    phone: str | None
    attrs: dict[str, Any]


class ThingOut(LocatedRecord):
    id: int
    kind: str = Field(description="key_facility | hazard")
    kind_label: str
    name: str
    risk_level: str
    place_id: int | None
    attrs: dict[str, Any]


class ResidentOut(Shape):
    """A resident as the caller may see them: ID number and phone masked unless `masked` is false."""

    id: int
    household_id: int
    place_id: int
    address: str
    name: str
    gender: str
    birth_year: int | None
    relation: str
    relation_label: str
    id_number: str | None = Field(description="masked unless read in clear")
    phone: str | None = Field(description="masked unless read in clear")
    masked: bool
    tags: list[str] = Field(description="the tags the caller's role may see")
    tag_labels: list[str]
    moved_in_at: datetime
    moved_out_at: datetime | None
    street_code: str
    community_code: str | None
    ss_grid_code: str | None
    ps_grid_code: str | None
    may_unmask: bool = Field(description="whether the caller may read the personal data in clear")


class HouseholdOut(LocatedRecord):
    id: int
    number: str | None = Field(description="户号")
    place_id: int
    address: str
    place_name: str
    residents: list[ResidentOut] = Field(description="the current residents, masked")


class PlacePage(Shape):
    items: list[PlaceOut]
    total: int
    page: int
    page_size: int


class OrganisationPage(Shape):
    items: list[OrganisationOut]
    total: int
    page: int
    page_size: int


class ThingPage(Shape):
    items: list[ThingOut]
    total: int
    page: int
    page_size: int


class HouseholdPage(Shape):
    items: list[HouseholdOut]
    total: int
    page: int
    page_size: int


class ResidentPage(Shape):
    items: list[ResidentOut]
    total: int
    page: int
    page_size: int


class ResidentMatches(Shape):
    items: list[ResidentOut]


class VisitOut(Shape):
    id: int
    kind: str = Field(description="visit | service_request")
    kind_label: str
    household_id: int | None
    resident_id: int | None
    place_id: int | None
    user_id: int
    at: datetime
    note: str
    case_id: int | None = Field(description="the case a service request became")


class VisitWithCase(VisitOut):
    case_number: str


class VisitList(Shape):
    items: list[VisitOut]


class GridStaffOut(Shape):
    user_id: int
    layer: str
    grid_code: str


class StaffGrid(Shape):
    layer: str
    grid_code: str


class StaffGrids(Shape):
    items: list[StaffGrid]


class AccessLogEntry(Shape):
    id: int
    at: datetime
    user_id: int | None = Field(description="null: the command line")
    username: str
    role: str
    action: str = Field(description="view | export")
    record_kind: str = Field(description="resident | residents | case_contact (record_id: the case)")
    record_id: int | None
    record_name: str | None = Field(description="the resident's name, masked")
    fields: list[str]
    reason: str
    scope_code: str
    detail: dict[str, Any]


class AccessLog(Shape):
    items: list[AccessLogEntry]
    total: int


class MaskedPerson(Shape):
    """A person the caller may not see in the registry: a masked name only."""

    id: int
    name: str
    masked: bool


class SubjectOut(Shape):
    id: int
    kind: str = Field(description="place | organisation | resident | thing")
    kind_label: str
    subject_id: int
    role: str = Field(description="involved | party | victim | responsible")
    role_label: str
    note: str
    created_by: str
    created_at: datetime
    subject: PlaceOut | OrganisationOut | ThingOut | ResidentOut | MaskedPerson


class SubjectList(Shape):
    items: list[SubjectOut]
