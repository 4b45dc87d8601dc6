"""What a field supervisor (监督员) does on the phone: report a problem with photos, and work
through the verify and check tasks waiting for them, nearest first.

A report from the field page is checked completely (class, point, area, photos, a replayed client
key) before anything is stored, so that a refused report leaves nothing behind; a phone that
re-sends a report it already delivered gets the first case back and stores no second copy of
its photos.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session, lazyload

from gridcity.db.engine import unit_of_work
from gridcity.db.models import Attachment, Case
from gridcity.domain.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from gridcity.domain.messages import Message, message
from gridcity.domain.principal import Principal
from gridcity.domain.workflow import CaseState, Role
from gridcity.services import attachments, case_clock, cases, territory
from gridcity.services.access import place_in_scope, visibility_clause
from gridcity.services.classes import ClassDef
from gridcity.services.platform import Platform
from gridcity.spatial.crs import distance_m

RECENT_CLASSES = 8  # how many recently used classes head the class list
MAX_PHOTOS = 9  # photos per report or action (a phone's usual multi-pick limit)
MAX_DESCRIPTION = 4000
MAX_TASKS = 500  # the task list is for one person's area; more than this is a console job


class FieldError(Invalid):
    """A report the field page refuses, with a `reason` the page turns into words in the person's
    language (the details carry what the words need: the file name, its size, the limit)."""

    def __init__(
        self, reason: str, message: str | Message, status_code: int = 422, **details: object
    ) -> None:
        super().__init__(message, reason=reason, **details)
        self.status_code = status_code


# --- classes -------------------------------------------------------------------------------


def recent_classes(
    platform: Platform, db: Session, user: Principal, limit: int = RECENT_CLASSES
) -> list[ClassDef]:
    """The classes this person reported most recently (from their own reports), newest first."""
    last = func.max(Case.reported_at)
    rows = db.execute(
        select(Case.standard, Case.kind, Case.class_code)
        .where(Case.reporter_id == user.id)
        .group_by(Case.standard, Case.kind, Case.class_code)
        .order_by(last.desc())
        .limit(limit)
    ).all()
    catalogue = platform.catalogue(db).catalogue
    found = []
    for standard, kind, code in rows:
        cls = catalogue.classes.get((standard, kind, code))
        if cls is not None:  # a class the city removed since is simply not offered
            found.append(cls)
    return found


def all_classes(platform: Platform, db: Session) -> list[ClassDef]:
    """Every class a supervisor may report: the city-management network first (their own), then
    the others; within each, events before components, by standard and code."""
    items = list(platform.catalogue(db).catalogue)
    return sorted(
        items, key=lambda c: (c.network != "city_management", c.kind != "event", c.standard, c.code)
    )


def find_class(platform: Platform, db: Session, ref: str) -> ClassDef:
    """The class named by a form's value 'standard:kind:code'."""
    ref = (ref or "").strip()
    if not ref:
        raise FieldError("no_class", message("field.no_class"))
    try:
        return platform.catalogue(db).catalogue.by_ref(ref)  # type: ignore[no-any-return]
    except (Invalid, NotFound):
        raise FieldError("unknown_class", message("field.unknown_class", ref=ref), ref=ref) from None


# --- reporting -----------------------------------------------------------------------------


@dataclass
class Photo:
    filename: str
    content: bytes


@dataclass
class FieldReport:
    class_ref: str
    lon: float | None
    lat: float | None
    description: str = ""
    client_key: str | None = None
    photos: Sequence[Photo] = field(default_factory=list)
    component_code: str | None = None  # the 部件 the supervisor picked (else the nearest of the class)


def check_photos(platform: Platform, photos: Sequence[Photo], required: bool) -> None:
    """Size, count and real type of each photo, before any of them is stored."""
    settings = platform.settings
    if required and not photos:
        raise FieldError("no_photo", message("field.no_photo"))
    if len(photos) > MAX_PHOTOS:
        raise FieldError(
            "too_many_photos", message("field.too_many_photos", limit=MAX_PHOTOS), limit=MAX_PHOTOS
        )
    for photo in photos:
        name = photo.filename or "photo"
        if not photo.content:
            raise FieldError("empty_photo", message("field.empty_photo", name=name), filename=name)
        if len(photo.content) > settings.max_upload_bytes:
            raise FieldError(
                "photo_too_large",
                message("field.photo_too_large", name=name, limit=_size(settings.max_upload_bytes)),
                status_code=413,
                filename=name,
                limit=_size(settings.max_upload_bytes),
            )
        kind = attachments.sniff_type(photo.content)
        if kind is None or kind not in settings.upload_types or not kind.startswith("image/"):
            raise FieldError(
                "not_a_photo", message("field.not_a_photo", name=name), status_code=415, filename=name
            )


def _size(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1e6:.1f}".removesuffix(".0") + " MB"
    return f"{max(n / 1e3, 0.1):.1f}".removesuffix(".0") + " KB"


def store_photos(platform: Platform, db: Session, user: Principal, photos: Sequence[Photo]) -> list[int]:
    return [attachments.store_upload(platform, db, user, p.filename, p.content).id for p in photos]


def forget_photos(db: Session, user: Principal, ids: Sequence[int]) -> None:
    """Remove the rows of photos stored for a report or action that was then refused (they were
    never linked to anything; the files stay, stored by checksum, possibly shared)."""
    if not ids:
        return
    with unit_of_work(db):
        db.execute(
            delete(Attachment).where(
                Attachment.id.in_(list(ids)), Attachment.uploaded_by == user.id, Attachment.event_id.is_(None)
            )
        )


def _position(report: FieldReport) -> tuple[float, float]:
    lon, lat = report.lon, report.lat
    if lon is None or lat is None:
        raise FieldError("no_position", message("field.no_position"))
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise FieldError("bad_position", message("field.bad_position", lon=lon, lat=lat))
    return lon, lat


def submit_report(platform: Platform, db: Session, user: Principal, report: FieldReport) -> tuple[Case, bool]:
    """Check the whole report, then store the photos and register the case on the supervisor
    channel. Returns (case, created); a client key seen before returns that first case."""
    key = (report.client_key or "").strip() or None
    if key is not None and len(key) > 120:
        raise FieldError("bad_client_key", message("field.long_client_key"))
    if key is not None:
        existing = db.scalar(select(Case).where(Case.client_key == key))
        if existing is not None:
            if existing.reporter_id != user.id:
                raise Conflict(message("case.key_used", key=key))
            return existing, False  # delivered before: the phone did not hear the answer
    cls = find_class(platform, db, report.class_ref)
    lon, lat = _position(report)
    if len(report.description) > MAX_DESCRIPTION:
        raise FieldError("long_description", message("case.long_description", limit="4,000"))
    try:
        place = platform.territory(db).locate(lon, lat)
    except NotFound:
        raise FieldError(
            "outside_city", message("field.outside_city", lon=lon, lat=lat), status_code=422
        ) from None
    if not place_in_scope(user, place.district_code, place.street_code, place.community_code):
        raise FieldError(
            "outside_area",
            message("field.outside_area", lon=f"{lon:.5f}", lat=f"{lat:.5f}"),
            status_code=403,
        )
    check_photos(platform, report.photos, required=True)
    ids = store_photos(platform, db, user, report.photos)
    try:
        case, created = cases.report_case(
            platform,
            db,
            user,
            cases.Report(
                class_code=cls.code,
                standard=cls.standard,
                kind=str(cls.kind),
                lon=lon,
                lat=lat,
                description=report.description.strip(),
                channel=cases.Channel.SUPERVISOR,
                client_key=key,
                attachments=ids,
                component_code=(report.component_code or "").strip() or None,
            ),
        )
    except DomainError:
        forget_photos(db, user, ids)
        raise
    if not created:  # the same key arrived twice at the same moment: the first one's photos count
        forget_photos(db, user, ids)
    return case, created


def my_reports(platform: Platform, db: Session, user: Principal, limit: int = 5) -> list[Case]:
    """This person's latest reports, newest first."""
    stmt = (
        select(Case)
        .options(lazyload(Case.events), lazyload(Case.cooperating))
        .where(Case.reporter_id == user.id)
        .order_by(Case.reported_at.desc(), Case.id.desc())
        .limit(limit)
    )
    return list(db.scalars(stmt))


def area_bounds(db: Session, user: Principal) -> list[float] | None:
    """The box around the territory this person patrols."""
    return territory.area_bounds(db, user.org_unit.scope_code)


# --- tasks ---------------------------------------------------------------------------------

# The two field tasks: 核实 a public report, 核查 a department's disposal.
TASK_STATES = {CaseState.VERIFYING.value: "verify", CaseState.DISPOSED.value: "check"}


@dataclass
class Task:
    case: Case
    kind: str  # verify | check
    assigned: bool  # named to this supervisor (else: open to the supervisors of the area)
    clock: dict[str, Any] | None
    distance_m: float | None


def _mine(user: Principal) -> Any:
    """Tasks named to this supervisor, and those of their area named to no one: the same people a
    task's notification reaches (services.notifications)."""
    return and_(
        Case.state.in_(list(TASK_STATES)),
        or_(Case.assignee_id == user.id, and_(Case.assignee_id.is_(None), visibility_clause(user))),
    )


def task_count(db: Session, user: Principal) -> int:
    return int(db.scalar(select(func.count()).select_from(Case).where(_mine(user))) or 0)


def my_tasks(
    platform: Platform, db: Session, user: Principal, lon: float | None = None, lat: float | None = None
) -> list[Task]:
    """The verify and check tasks waiting for this supervisor: nearest first when the phone's
    position is known, else the earliest deadline first."""
    if user.role != Role.SUPERVISOR:
        raise Forbidden(message("field.supervisors_only"))
    stmt = (
        select(Case)
        .options(lazyload(Case.events), lazyload(Case.cooperating))
        .where(_mine(user))
        .order_by(Case.stage_deadline.asc(), Case.id.asc())
        .limit(MAX_TASKS)
    )
    found = list(db.scalars(stmt))
    distances: list[float | None] = [None] * len(found)
    if found and lon is not None and lat is not None:
        metres = distance_m(
            [lon] * len(found), [lat] * len(found), [c.lon for c in found], [c.lat for c in found]
        )
        distances = [float(m) for m in metres]
    tasks = [
        Task(
            case=c,
            kind=TASK_STATES[c.state],
            assigned=c.assignee_id == user.id,
            clock=case_clock.case_clock(platform, db, c),
            distance_m=d,
        )
        for c, d in zip(found, distances, strict=True)
    ]
    if lon is not None and lat is not None:
        tasks.sort(key=lambda t: (t.distance_m or 0.0, t.case.id))
    return tasks
