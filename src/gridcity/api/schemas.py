"""Request bodies and the JSON shapes of responses (XCreate / XPublic)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Path
from pydantic import BaseModel, BeforeValidator, Field

from gridcity.db.models import MAX_ID, MAX_ROW_ID

# A database id in a body or a path: what the integer columns can hold, so an absurd number is a
# clear 422 and never reaches the driver.
DbId = Annotated[int, Field(ge=1, le=MAX_ID)]
RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]  # a larger one names no row (and PostgreSQL refuses it)
CasePath = Annotated[int, Path(ge=1, le=MAX_ID)]
RowPath = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


def _written(pattern: str, form: str) -> Any:
    """A date or a moment in a path or a query only as written in ISO 8601: pydantic alone would
    also read a bare number as seconds since 1970 (`/calendar/0` setting 1 January 1970)."""

    def check(value: object) -> object:
        if isinstance(value, str) and not re.fullmatch(pattern, value.strip()):
            raise ValueError(f"write it {form}")
        return value

    return BeforeValidator(check)


# A day, YYYY-MM-DD; a moment, a day then its time (the routes ask for an offset, e.g. +08:00)
Day = Annotated[date, _written(r"\d{4}-\d{2}-\d{2}", "YYYY-MM-DD")]
Moment = Annotated[datetime, _written(r"\d{4}-\d{2}-\d{2}.*", "YYYY-MM-DDThh:mm:ss+08:00")]


class CaseCreate(BaseModel):
    class_code: str = Field(description="minor class code, e.g. 01001 (GB/T 47678.5) or 0101 (Beijing)")
    lon: float = Field(ge=-180, le=180, description="WGS84 longitude")
    lat: float = Field(ge=-90, le=90, description="WGS84 latitude")
    description: str = Field(default="", max_length=4000)
    channel: str | None = Field(
        default=None, description="supervisor|citizen|hotline|sensor|higher_level|media"
    )
    client_key: str | None = Field(default=None, max_length=120, description="retry-safe key from the client")
    standard: str | None = Field(default=None, description="class standard when the code is ambiguous")
    kind: str | None = Field(default=None, description="component | event, when both share the code")
    urgency: str | None = None
    address: str | None = Field(default=None, max_length=300)
    contact_name: str | None = Field(default=None, max_length=80)
    contact_phone: str | None = Field(default=None, max_length=40)
    attachment_ids: list[RowId] = Field(
        default_factory=list, max_length=20, description="ids from POST /api/v1/attachments"
    )
    component_code: str | None = Field(
        default=None,
        max_length=17,
        description="the component (部件) reported, by its identity code; default: the nearest of the class",
    )


class CaseActionIn(BaseModel):
    action: str
    version: int = Field(
        ge=1, le=MAX_ID, description="the case version you saw; a stale one is refused with 409"
    )
    note: str = Field(default="", max_length=4000)
    attachment_ids: list[RowId] = Field(default_factory=list, max_length=20)
    assignee_id: RowId | None = None
    department_id: RowId | None = None
    cooperating_ids: list[RowId] | None = Field(default=None, max_length=20)
    class_code: str | None = None
    standard: str | None = None
    kind: str | None = None
    urgency: str | None = None
    extension: str | None = Field(
        default=None, description="e.g. '4 work_hours', '2 work_days', '90 minutes'"
    )
    closing_type: str | None = None
    network: str | None = None
    to_role: str | None = None
    verdict: str | None = Field(
        default=None,
        description="回访 (callback): satisfied 满意 | basically_satisfied 基本满意 | dissatisfied 不满意",
    )
    solved: bool | None = Field(default=None, description="回访 (callback): the caller says it was solved")

    def fields(self) -> dict[str, Any]:
        return self.model_dump(exclude={"action", "version", "note", "attachment_ids"}, exclude_none=True)


class ContactRevealIn(BaseModel):
    """Why the caller needs the reporter's contact in clear; the read is logged with it."""

    reason: str = Field(
        default="",
        max_length=1000,
        description="why (e.g. 回访核实处置结果), 4 to 500 characters; refused in Chinese otherwise",
    )


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
