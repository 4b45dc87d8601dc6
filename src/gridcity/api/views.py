"""How cases, users and units look in JSON. One place, so the API and the pages agree."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import Response
from sqlalchemy import Row
from sqlalchemy.orm import Session

from gridcity.db.models import Attachment, Case, CaseEvent, OrgUnit
from gridcity.domain.principal import Principal, UnitInfo
from gridcity.domain.workflow import CaseState
from gridcity.services import attachments, case_clock, case_contact, cases
from gridcity.services.platform import Platform


class FastJSON(Response):
    """JSON rendered by orjson straight from plain values (datetimes included), skipping FastAPI's
    generic encoder, which costs more than the whole database work of a report."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_UTC_Z)


def unit_ref(unit: OrgUnit | UnitInfo | None) -> dict[str, Any] | None:
    if unit is None:
        return None
    return {"id": unit.id, "code": unit.code, "name": unit.name, "kind": unit.kind, "tier": unit.tier}


def user_view(user: Principal) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "org_unit": unit_ref(user.org_unit),
    }


def attachment_view(
    platform: Platform, attachment: Attachment, case: Case, event: CaseEvent
) -> dict[str, Any]:
    """A file of the history; a photo with what its EXIF says against the case (domain.evidence)."""
    view: dict[str, Any] = {
        "id": attachment.id,
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "url": f"/api/v1/attachments/{attachment.id}",
    }
    check = attachments.photo_check(platform, attachment, case, event)
    view.update(
        taken_at=check.taken_at,
        taken_lon=check.lon,
        taken_lat=check.lat,
        distance_m=check.distance_m,
        flags=list(check.flags),
    )
    return view


def event_view(platform: Platform, event: CaseEvent, case: Case) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "at": event.at,
        "actor": {
            "id": event.actor_id,
            "name": case_contact.actor_name(event.actor_name, case),
            "role": event.actor_role,
        },
        "action": event.action,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "note": event.note,
        "data": event.data,
        "attachments": [attachment_view(platform, a, case, event) for a in event.attachments],
        "request_id": event.request_id,
    }


# what a case summary shows: a list reads exactly these columns (rows, not ORM objects); a field
# added to `case_summary` and not here fails as an unknown attribute of the row
SUMMARY_COLUMNS = (
    Case.id,
    Case.state,
    Case.version,
    Case.channel,
    Case.standard,
    Case.class_code,
    Case.class_name,
    Case.kind,
    Case.network,
    Case.urgency,
    Case.description,
    Case.address,
    Case.lon,
    Case.lat,
    Case.district_code,
    Case.street_code,
    Case.community_code,
    Case.grid_code,
    Case.ss_grid_code,
    Case.ps_grid_code,
    Case.component_code,
    Case.department_id,
    Case.reported_at,
    Case.updated_at,
    Case.closed_at,
    Case.closing_type,
    *case_clock.CLOCK_COLUMNS,
)


def case_summary(
    platform: Platform,
    db: Session,
    case: Case | Row[Any],
    clock: dict[str, Any] | None = None,
    reader: case_clock.ClockReader | None = None,
) -> dict[str, Any]:
    """A case as a list shows it: from a Case, or a row of SUMMARY_COLUMNS (the same answer).
    `reader` reads the clock of each case of a list at one moment; `clock`, already read, is used
    as it is."""
    if clock is None:
        clock = (reader or case_clock.ClockReader(platform, db)).clock(case)
    return {
        "id": case.id,
        "number": platform.case_number(case),
        "state": case.state,
        "state_label": CaseState(case.state).label_zh,
        "version": case.version,
        "channel": case.channel,
        "standard": case.standard,
        "class_code": case.class_code,
        "class_name": case.class_name,
        "kind": case.kind,
        "network": case.network,
        "urgency": case.urgency,
        "description": case.description,
        "address": case.address,
        "lon": case.lon,
        "lat": case.lat,
        "district_code": case.district_code,
        "street_code": case.street_code,
        "community_code": case.community_code,
        "grids": {
            "city_management": case.grid_code,
            "social_service": case.ss_grid_code,
            "public_security": case.ps_grid_code,
        },
        "component_code": case.component_code,
        "department": platform.unit_ref(db, case.department_id),
        "reported_at": case.reported_at,
        "updated_at": case.updated_at,
        "closed_at": case.closed_at,
        "closing_type": case.closing_type,
        "deadline": case.stage_deadline,
        "traffic_light": clock["light"] if clock else None,
    }


def case_detail(platform: Platform, db: Session, user: Principal, case: Case) -> dict[str, Any]:
    clock = case_clock.case_clock(platform, db, case)
    body = case_summary(platform, db, case, clock)
    body.update(
        {
            "proposed_department": platform.unit_ref(db, case.proposed_department_id),
            "cooperating": [platform.unit_ref(db, d.id) for d in case.cooperating],
            "assignee_id": case.assignee_id,
            "filed_at": case.filed_at,
            "dispatched_at": case.dispatched_at,
            "disposed_at": case.disposed_at,
            "rework_count": case.rework_count,
            "reopen_count": case.reopen_count,
            "extension_count": case.extension_count,
            "escalation_level": case.escalation_level,
            "pending_request": case.pending_request,
            "clock": clock,
            "contact": case_contact.contact_view(platform, user, case),
            "history": [event_view(platform, e, case) for e in case.events],
            "actions": [
                {"action": t.action.value, "label": t.action.label_zh, "fields": list(t.fields)}
                for t in cases.available_actions(platform, user, case)
            ],
        }
    )
    return body


def split_values(values: list[str] | None) -> list[str]:
    """A repeatable query parameter whose values may also be comma-separated (`?state=a,b&state=c`)."""
    return [v.strip() for value in values or [] for v in value.split(",") if v.strip()]
