"""How cases, users and units look in JSON. One place, so the API and the pages agree."""

from __future__ import annotations

from operator import attrgetter
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


_summary_values = attrgetter(*(column.key for column in SUMMARY_COLUMNS))
_STATE_LABELS = {state.value: state.label_zh for state in CaseState}


def case_summary(
    platform: Platform,
    db: Session,
    case: Case | Row[Any],
    clock: dict[str, Any] | None = None,
    reader: case_clock.ClockReader | None = None,
) -> dict[str, Any]:
    """A case as a list shows it: from a Case, or a row of exactly SUMMARY_COLUMNS (its values
    unpacked in their order: the same answer). `reader` reads the clock of each case of a list at
    one moment; `clock`, already read, is used as it is."""
    (
        case_id, state, version, channel, standard, class_code, class_name, kind, network, urgency,
        description, address, lon, lat, district_code, street_code, community_code, grid_code,
        ss_grid_code, ps_grid_code, component_code, department_id, reported_at, updated_at, closed_at,
        closing_type, stage, started_at, unit, budget_s, paused_s, paused_since, deadline,
    ) = case if isinstance(case, Row) else _summary_values(case)  # fmt: skip
    if reader is None:
        reader = case_clock.ClockReader(platform, db)
    if clock is None:
        light = reader.light_of(stage, started_at, unit, budget_s, paused_s, paused_since, deadline)
    else:
        light = clock["light"] if clock else None
    return {
        "id": case_id,
        "number": reader.number(case_id, reported_at),
        "state": state,
        "state_label": _STATE_LABELS[state],
        "version": version,
        "channel": channel,
        "standard": standard,
        "class_code": class_code,
        "class_name": class_name,
        "kind": kind,
        "network": network,
        "urgency": urgency,
        "description": description,
        "address": address,
        "lon": lon,
        "lat": lat,
        "district_code": district_code,
        "street_code": street_code,
        "community_code": community_code,
        "grids": {
            "city_management": grid_code,
            "social_service": ss_grid_code,
            "public_security": ps_grid_code,
        },
        "component_code": component_code,
        "department": platform.unit_ref(db, department_id),
        "reported_at": reported_at,
        "updated_at": updated_at,
        "closed_at": closed_at,
        "closing_type": closing_type,
        "deadline": deadline,
        "traffic_light": light,
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
