"""The record of erasures after the retention period, for the OpenAPI document: see `api.responses`.
Built by `services.retention.erasure_view`: what kind, whose record, which fields, when — never a value."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from gridcity.api.responses import Shape


class ErasureOut(Shape):
    id: int
    at: datetime = Field(description="when it was erased")
    kind: str = Field(description="case_contact (record_id: the case) | resident (record_id: the resident)")
    record_id: int
    case_number: str | None = Field(description="the case's number (案件编号) for a case_contact")
    fields: list[str] = Field(
        description="what was erased: contact_name, contact_phone, rating_comments, "
        "history_notes; name, id_number, phone, "
        "birth_date, tags, visit_notes"
    )
    ended_at: datetime = Field(description="when the case ended or the resident moved out")
    scope_code: str = Field(description="the record's community or street")
    erased_by: str = Field(description="worker, or the command line and its user")


class Erasures(Shape):
    items: list[ErasureOut]
    total: int
