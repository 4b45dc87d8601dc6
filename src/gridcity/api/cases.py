"""Cases: report, list, read, act; attachments; notifications."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.responses import FileResponse

from gridcity.api.deps import DbDep, PlatformDep, UserDep
from gridcity.api.responses import (
    IMAGES,
    AttachmentOut,
    CaseContact,
    CaseDetail,
    CaseFeatures,
    CaseList,
    NotificationList,
    answers,
    media,
    refusal,
    refusals,
)
from gridcity.api.schemas import (
    MAX_ROW_ID,
    CaseActionIn,
    CaseCreate,
    CasePath,
    ContactRevealIn,
    Moment,
    RowPath,
)
from gridcity.api.views import SUMMARY_COLUMNS, FastJSON, case_detail, case_summary, split_values
from gridcity.db.models import Case
from gridcity.db.queries import SORTS, CaseFilter
from gridcity.domain.errors import Invalid
from gridcity.domain.messages import message
from gridcity.domain.territory import parse_bbox
from gridcity.services import attachments, case_clock, case_contact, cases, notifications
from gridcity.services.access import case_visible, visibility_clause
from gridcity.services.case_map import FEATURE_COLUMNS, case_clusters, case_features, cluster_rows

router = APIRouter(tags=["cases"])


@router.post(
    "/cases",
    status_code=201,
    response_model=None,
    responses=answers(CaseDetail, status=201, description="The new case")
    | answers(CaseDetail, description="The case first reported with this `client_key`: nothing new")
    | refusal(
        403,
        "The role may not report through this channel, the point lies outside the caller's area, or "
        "an attachment was uploaded by someone else.",
    )
    | refusal(404, "No such class or component, or the point lies outside the city.")
    | refusal(409, "The `client_key` was used by another reporter.")
    | refusals(401, 422),
)
async def report_case(platform: PlatformDep, db: DbDep, user: UserDep, body: CaseCreate) -> FastJSON:
    """Report a problem at a point. Repeating a `client_key` returns the first case (200), never a
    second one."""
    report = cases.Report(
        class_code=body.class_code,
        lon=body.lon,
        lat=body.lat,
        description=body.description,
        channel=body.channel,
        client_key=body.client_key,
        standard=body.standard,
        kind=body.kind,
        urgency=body.urgency,
        address=body.address,
        contact_name=body.contact_name,
        contact_phone=body.contact_phone,
        attachments=body.attachment_ids,
        component_code=body.component_code,
    )

    def work() -> FastJSON:
        case, created = cases.report_case(platform, db, user, report)
        return FastJSON(case_detail(platform, db, user, case), status_code=201 if created else 200)

    return await platform.run_write(work)


def case_filter(
    platform: PlatformDep,
    user: UserDep,
    state: Annotated[list[str] | None, Query(description="repeat or comma-separate")] = None,
    class_code: Annotated[list[str] | None, Query()] = None,
    network: str | None = None,
    channel: str | None = None,
    district: str | None = None,
    street: str | None = None,
    community: str | None = None,
    grid: str | None = None,
    department_id: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
    overdue: bool | None = None,
    reported_from: Moment | None = None,
    reported_to: Moment | None = None,
    q: str | None = Query(
        default=None, max_length=100, description="a case number, or words of the description"
    ),
    sort: str = Query(default="-reported_at", description=", ".join(SORTS)),
) -> CaseFilter:
    """The filters of a case list (GET /cases, the exports), within what the caller may see."""
    if sort not in SORTS:
        raise Invalid(message("list.unknown_sort", sort=sort, sorts=", ".join(SORTS)))
    for moment in (reported_from, reported_to):
        if moment is not None and moment.tzinfo is None:
            raise Invalid(message("list.timezone_needed"))
    numbered = platform.case_id_from_number(q or "")
    return CaseFilter(
        states=split_values(state),
        class_codes=split_values(class_code),
        network=network,
        channel=channel,
        district_code=district,
        street_code=street,
        community_code=community,
        grid_code=grid,
        department_id=department_id,
        overdue=overdue,
        reported_from=reported_from,
        reported_to=reported_to,
        ids=[numbered] if numbered is not None else [],
        text=None if numbered is not None else q,
        sort=sort,
        extra=[visibility_clause(user)],
    )


CaseQuery = Annotated[CaseFilter, Depends(case_filter)]


@router.get("/cases", response_model=None, responses=answers(CaseList, 401, 422))
def list_cases(
    platform: PlatformDep,
    db: DbDep,
    flt: CaseQuery,
    page: int = Query(default=1, ge=1, le=1_000_000),
    page_size: int = Query(default=50, ge=1, le=500),
) -> FastJSON:
    now = platform.now()
    total = db.scalar(flt.count(now)) or 0
    stmt = flt.columns(now, *SUMMARY_COLUMNS).offset((page - 1) * page_size).limit(page_size)
    reader = case_clock.ClockReader(platform, db)
    # rows of columns through the session's connection: the ORM's loading adds nothing to them
    rows = db.connection().execute(stmt)
    return FastJSON(
        {
            "total": total,
            "page": page,
            "page_size": page_size,
            "items": [case_summary(platform, db, row, reader=reader) for row in rows],
        }
    )


@router.get("/cases.geojson", response_model=None, responses=answers(CaseFeatures, 401, 422))
def cases_geojson(
    platform: PlatformDep,
    db: DbDep,
    user: UserDep,
    bbox: str = Query(description="min_lon,min_lat,max_lon,max_lat"),
    state: Annotated[list[str] | None, Query()] = None,
    limit: int = Query(default=5000, ge=1, le=20000),
    cluster: bool = Query(
        default=False,
        description="when the window holds more than `limit` cases: answer with clusters (the window "
        "cut into 16 × 16 cells; per cell its cases' count and lights) instead of the latest `limit`",
    ),
) -> FastJSON:
    """The cases in a map window the caller may see, as GeoJSON points with their traffic light; a
    window with more than `limit` of them: the latest `limit` (`truncated`), or with `cluster`
    every one of them counted in clusters (`clustered`)."""
    box = parse_bbox(bbox)
    flt = CaseFilter(
        states=split_values(state), bbox=box, sort="-reported_at", extra=[visibility_clause(user)]
    )
    reader = case_clock.ClockReader(platform, db)
    connection = db.connection()
    if cluster and (db.scalar(flt.count(reader.now)) or 0) > limit:
        clusters = case_clusters(reader, connection.execute(cluster_rows(flt, reader)), box)
        return FastJSON(
            {"type": "FeatureCollection", "features": clusters, "truncated": False, "clustered": True}
        )
    rows = connection.execute(flt.columns(reader.now, *FEATURE_COLUMNS).limit(limit + 1))
    features, truncated = case_features(platform, reader, rows, limit)
    return FastJSON(
        {"type": "FeatureCollection", "features": features, "truncated": truncated, "clustered": False}
    )


@router.get("/cases/{case_id}", response_model=None, responses=answers(CaseDetail, 401, 404, 422))
def get_case(platform: PlatformDep, db: DbDep, user: UserDep, case_id: CasePath) -> FastJSON:
    """A case with its history, deadline clock, three grid codes, and `actions`: what you may do now."""
    return FastJSON(case_detail(platform, db, user, cases.get_case(db, user, case_id)))


@router.post(
    "/cases/{case_id}/actions",
    response_model=None,
    responses=answers(CaseDetail, 401, 404)
    | refusal(
        422,
        "A field breaks a rule, or the step needs a photo the case's class requires (核实、核查、处置反馈 "
        "by default): the message, in Chinese, names the step.",
    )
    | refusal(403, "Not the caller's to act on: another role's step, or outside their area.")
    | refusal(409, "A stale `version` (`info` has the current one), or an action the state does not allow."),
)
async def act(
    platform: PlatformDep, db: DbDep, user: UserDep, case_id: CasePath, body: CaseActionIn
) -> FastJSON:
    """Take one workflow action. 409 when the state or your version is stale, 403 when not yours, 422
    when the class requires a photo for the step and `attachment_ids` names none."""
    request = cases.ActionRequest(
        action=body.action,
        version=body.version,
        note=body.note,
        fields=body.fields(),
        attachments=body.attachment_ids,
    )

    def work() -> FastJSON:
        case = cases.transition(platform, db, user, case_id, request)
        return FastJSON(case_detail(platform, db, user, case))

    return await platform.run_write(work)


@router.post(
    "/cases/{case_id}/contact",
    response_model=None,
    responses=answers(CaseContact, 401, 404, description="The contact in clear; the read is logged")
    | refusal(403, "A citizen: contacts are for the staff who handle the case.")
    | refusal(422, "No reason, or one shorter than 4 characters (the message is in Chinese)."),
)
async def reveal_contact(
    platform: PlatformDep, db: DbDep, user: UserDep, case_id: CasePath, body: ContactRevealIn
) -> FastJSON:
    """The reporter's callback contact in clear, for staff who may see the case, with a reason; the
    read is written to the personal-data access log (who, when, which case, why). 404 when the case
    is not the caller's to see or the reporter left no contact."""

    def work() -> FastJSON:
        found = case_contact.reveal_contact(platform, db, user, case_id, body.reason)
        return FastJSON(found, headers={"Cache-Control": "no-store"})

    return await platform.run_write(work)


@router.post(
    "/attachments",
    status_code=201,
    response_model=Any,
    responses=answers(AttachmentOut, 401, status=201, description="Stored: name its id in a report")
    | refusal(422, "Not a JPEG, PNG or WebP image, or too large."),
)
async def upload(
    platform: PlatformDep, db: DbDep, user: UserDep, file: Annotated[UploadFile, File()]
) -> dict[str, Any]:
    """Upload a photo (JPEG, PNG, WebP) first, then name its id in a report or an action."""
    content = await file.read(platform.settings.max_upload_bytes + 1)
    name = file.filename or "upload"
    row = await platform.run_write(lambda: attachments.store_upload(platform, db, user, name, content))
    return {
        "id": row.id,
        "filename": row.filename,
        "content_type": row.content_type,
        "size": row.size,
        "taken_at": row.taken_at,
        "taken_lon": row.taken_lon,
        "taken_lat": row.taken_lat,
    }


@router.get(
    "/attachments/{attachment_id}",
    response_class=FileResponse,
    responses=media(IMAGES, 401, 404, 422, description="The image"),
)
def download(platform: PlatformDep, db: DbDep, user: UserDep, attachment_id: RowPath) -> FileResponse:
    row, path = attachments.attachment_path(platform, db, attachment_id)
    if row.case_id is None:
        if row.uploaded_by != user.id:
            raise attachments.NotFound(message("api.no_attachment", attachment=attachment_id))
    else:
        case = db.get(Case, row.case_id)
        if case is None or not case_visible(user, case):
            raise attachments.NotFound(message("api.no_attachment", attachment=attachment_id))
    # the type detected at upload, inline under a safe name (never the client's own extension)
    return FileResponse(path, media_type=row.content_type, headers=attachments.download_headers(row))


@router.get("/notifications", response_model=Any, responses=answers(NotificationList, 401, 422))
def my_notifications(
    platform: PlatformDep,
    db: DbDep,
    user: UserDep,
    since_id: Annotated[int, Query(ge=0, le=MAX_ROW_ID)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    """What you must still do: per case the newest task, warning, escalation or assist that the
    case has not moved past yet (done tasks leave the list), and the notes addressed to you; page
    on with `since_id`."""
    rows = notifications.for_user(db, user, since_id=since_id, limit=limit)
    return {
        "items": [
            {"id": n.id, "kind": n.kind, "text": n.text, "case_id": n.case_id, "created_at": n.created_at}
            for n in rows
        ]
    }
