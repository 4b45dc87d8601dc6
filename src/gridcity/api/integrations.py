"""The inbound API for departments' own systems at /api/v1/integrations/ (`services.integrations`):
the department desk's actions by API key (header `X-Api-Key`).

- `GET  /integrations/cases?list=incoming|disposing|waiting|open` — the department's cases
- `GET  /integrations/cases/{id}` — one of them with its history and the actions open now
- `POST /integrations/attachments` — upload a photo (multipart `file`), then name its id
- `POST /integrations/cases/{id}/accept` — 签收 `{"version"?, "note"?}`
- `POST /integrations/cases/{id}/report_done` — 处置反馈 `{"version"?, "note"?, "attachment_ids"}`
- `POST /integrations/cases/{id}/request_extension` — 申请延期 `{"version"?, "note", "extension"}`

And for the city platform's admin (bearer token), webhook subscriptions (`services.webhooks`):
`GET /webhooks/subscriptions`, `POST /webhooks/subscriptions` (the secret is in the answer, once),
`POST /webhooks/subscriptions/{name}/disable`.

`version` is optional: given, a stale one is refused (409) as on the page; left out, the action
applies to the case as it is. Refusals are 4xx with a `detail` message: 401 no key, 403 a bad or
revoked key or a case not with the department, 404 no such case (or not the department's), 409 a
state or version that does not allow the action, 422 bad input.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Header, Path, Query, UploadFile
from pydantic import BaseModel, Field

from gridcity.api.deps import DbDep, PlatformDep, UserDep
from gridcity.api.responses import (
    AttachmentOut,
    CaseDetail,
    IntegrationCases,
    NewSubscription,
    Responses,
    Subscription,
    Subscriptions,
    answers,
    refusal,
    refusals,
)
from gridcity.api.schemas import MAX_ID, CasePath
from gridcity.api.views import FastJSON, case_detail, case_summary
from gridcity.db.models import DepartmentIntegration
from gridcity.domain.principal import Principal
from gridcity.domain.workflow import CaseAction
from gridcity.services import attachments, cases, integrations, webhooks

router = APIRouter(tags=["integrations"])


def _caller(
    db: DbDep,
    api_key: Annotated[
        str | None, Header(alias=integrations.KEY_HEADER, description="the integration's key")
    ] = None,
) -> tuple[DepartmentIntegration, Principal]:
    return integrations.for_key(db, api_key)


Caller = Annotated[tuple[DepartmentIntegration, Principal], Depends(_caller)]

# What every route of a department's system may answer besides its own refusals.
KEY_REFUSALS: Responses = refusal(401, "No API key: send it in the `X-Api-Key` header.") | refusal(
    403, "The API key is not valid or was revoked, or the case is not with the department."
)
CASE_REFUSALS: Responses = (
    KEY_REFUSALS
    | refusal(404, "No such case, or none of the department's.")
    | refusal(409, "A stale `version`, or a state of the case that does not allow the action.")
    | refusals(422)
)
ADMIN_ONLY: Responses = refusals(401) | refusal(
    403, "Webhook subscriptions are managed by the city platform's admin."
)


class ActionIn(BaseModel):
    version: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="the version you saw (optional): a stale one gives 409"
    )
    note: str = Field(default="", max_length=4000)


# attachments.id is a 32-bit integer column: a larger id is a clear 422, never a database error
PhotoId = Annotated[int, Field(ge=1, le=2**31 - 1)]


class ReportDoneIn(ActionIn):
    attachment_ids: list[PhotoId] = Field(
        default_factory=list, max_length=20, description="photos from POST /api/v1/integrations/attachments"
    )


class ExtensionIn(ActionIn):
    note: str = Field(min_length=1, max_length=4000, description="why more time is needed")
    extension: str = Field(max_length=40, description="e.g. '4 work_hours', '2 work_days', '90 minutes'")


def _department(row: DepartmentIntegration) -> dict[str, Any]:
    unit = row.department
    return {"id": unit.id, "code": unit.code, "name": unit.name}


@router.get(
    "/integrations/cases",
    response_model=None,
    responses=answers(IntegrationCases, 422) | KEY_REFUSALS,
)
def list_cases(
    platform: PlatformDep,
    db: DbDep,
    caller: Caller,
    list_: Annotated[
        str, Query(alias="list", description="incoming | disposing | waiting | open")
    ] = "incoming",
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> FastJSON:
    """The department's cases of a list (default: waiting to be accepted), the nearest deadline first."""
    row, _account = caller
    rows = integrations.cases_waiting(platform, db, row, list_, limit)
    items = [case_summary(platform, db, c) | {"version": c.version} for c in rows]
    return FastJSON({"department": _department(row), "list": list_, "items": items})


@router.get(
    "/integrations/cases/{case_id}",
    response_model=None,
    responses=answers(CaseDetail, 404, 422) | KEY_REFUSALS,
)
def get_case(platform: PlatformDep, db: DbDep, caller: Caller, case_id: CasePath) -> FastJSON:
    _row, account = caller
    return FastJSON(case_detail(platform, db, account, cases.get_case(db, account, case_id)))


@router.post(
    "/integrations/attachments",
    status_code=201,
    response_model=Any,
    responses=answers(AttachmentOut, status=201, description="Stored: name its id when reporting done")
    | KEY_REFUSALS
    | refusal(422, "Not a JPEG, PNG or WebP image, or too large."),
)
async def upload(
    platform: PlatformDep, db: DbDep, caller: Caller, file: Annotated[UploadFile, File()]
) -> dict[str, Any]:
    """Upload a photo (JPEG, PNG, WebP) first, then name its id when reporting done."""
    _row, account = caller
    content = await file.read(platform.settings.max_upload_bytes + 1)
    name = file.filename or "upload"
    stored = await platform.run_write(lambda: attachments.store_upload(platform, db, account, name, content))
    return {
        "id": stored.id,
        "filename": stored.filename,
        "content_type": stored.content_type,
        "size": stored.size,
        "taken_at": stored.taken_at,
        "taken_lon": stored.taken_lon,
        "taken_lat": stored.taken_lat,
    }


async def _act(
    platform: Any,
    db: Any,
    account: Principal,
    case_id: int,
    action: CaseAction,
    body: ActionIn,
    fields: dict[str, Any] | None = None,
    photos: list[int] | None = None,
) -> FastJSON:
    def work() -> FastJSON:
        case = integrations.act(
            platform,
            db,
            account,
            case_id,
            action,
            version=body.version,
            note=body.note,
            fields=fields,
            attachments=photos or [],
        )
        return FastJSON(case_detail(platform, db, account, case))

    return await platform.run_write(work)  # type: ignore[no-any-return]


@router.post(
    "/integrations/cases/{case_id}/accept", response_model=None, responses=answers(CaseDetail) | CASE_REFUSALS
)
async def accept(
    platform: PlatformDep, db: DbDep, caller: Caller, case_id: CasePath, body: ActionIn
) -> FastJSON:
    """签收: the department takes the case; its disposal clock runs."""
    return await _act(platform, db, caller[1], case_id, CaseAction.ACCEPT, body)


@router.post(
    "/integrations/cases/{case_id}/report_done",
    response_model=None,
    responses=answers(CaseDetail) | CASE_REFUSALS,
)
async def report_done(
    platform: PlatformDep, db: DbDep, caller: Caller, case_id: CasePath, body: ReportDoneIn
) -> FastJSON:
    """处置反馈: done, with the photos uploaded before (at least one where the class requires it, as
    every class does by default); the case goes to the check."""
    return await _act(
        platform, db, caller[1], case_id, CaseAction.REPORT_DONE, body, photos=list(body.attachment_ids)
    )


@router.post(
    "/integrations/cases/{case_id}/request_extension",
    response_model=None,
    responses=answers(CaseDetail) | CASE_REFUSALS,
)
async def request_extension(
    platform: PlatformDep, db: DbDep, caller: Caller, case_id: CasePath, body: ExtensionIn
) -> FastJSON:
    """申请延期: ask the dispatcher for more time; the answer comes as the case's next change (the
    `extension_decided` webhook event)."""
    return await _act(
        platform,
        db,
        caller[1],
        case_id,
        CaseAction.REQUEST_EXTENSION,
        body,
        fields={"extension": body.extension},
    )


# --- webhook subscriptions (the city platform's admin) ----------------------------------------


class SubscriptionIn(BaseModel):
    name: str = Field(max_length=60)
    url: str = Field(max_length=500, description="http:// or https://")
    events: list[str] = Field(min_length=1, max_length=20, description=", ".join(webhooks.EVENTS))
    department: str | None = Field(default=None, max_length=40, description="a department's code: its cases")
    scope: str = Field(default="", max_length=20, description="else a territory code ('' = the whole city)")
    secret: str | None = Field(default=None, max_length=200, description="default: a random one")


def _subscription(sub: Any, counts: dict[str, int] | None = None) -> dict[str, Any]:
    unit = sub.org_unit
    return {
        "name": sub.name,
        "department": {"id": unit.id, "code": unit.code, "name": unit.name} if unit else None,
        "scope": sub.scope_code,
        "events": sub.events,
        "url": sub.url,
        "active": sub.active,
        "created_by": sub.created_by,
        "created_at": sub.created_at,
        "disabled_at": sub.disabled_at,
        **({"deliveries": dict(counts)} if counts is not None else {}),
    }


@router.get(
    "/webhooks/subscriptions",
    tags=["webhooks"],
    response_model=None,
    responses=answers(Subscriptions) | ADMIN_ONLY,
)
def list_subscriptions(db: DbDep, user: UserDep) -> FastJSON:
    rows = webhooks.list_subscriptions(db, actor=user)
    counts = webhooks.delivery_counts(db)
    return FastJSON(
        {"items": [_subscription(s, counts.get(s.id, {})) for s in rows], "events": list(webhooks.EVENTS)}
    )


@router.post(
    "/webhooks/subscriptions",
    status_code=201,
    tags=["webhooks"],
    response_model=None,
    responses=answers(NewSubscription, status=201, description="Subscribed; the secret is shown only now")
    | ADMIN_ONLY
    | refusal(404, "No department, enterprise or territory with that code.")
    | refusal(409, "A subscription of that name exists already.")
    | refusals(422),
)
async def add_subscription(platform: PlatformDep, db: DbDep, user: UserDep, body: SubscriptionIn) -> FastJSON:
    """Subscribe a docked system; the answer carries the signing secret, shown only now."""

    def work() -> FastJSON:
        sub, secret = webhooks.add_subscription(
            platform,
            db,
            body.name,
            body.url,
            body.events,
            department=body.department,
            scope=body.scope,
            secret=body.secret,
            actor=user,
        )
        return FastJSON(_subscription(sub) | {"secret": secret}, status_code=201)

    return await platform.run_write(work)  # type: ignore[no-any-return]


@router.post(
    "/webhooks/subscriptions/{name}/disable",
    tags=["webhooks"],
    response_model=None,
    responses=answers(Subscription)
    | ADMIN_ONLY
    | refusal(404, "No subscription of that name.")
    | refusals(422),
)
async def disable_subscription(
    platform: PlatformDep, db: DbDep, user: UserDep, name: Annotated[str, Path(max_length=60)]
) -> FastJSON:
    def work() -> FastJSON:
        return FastJSON(_subscription(webhooks.disable_subscription(platform, db, name, actor=user)))

    return await platform.run_write(work)  # type: ignore[no-any-return]
