"""The public portal (市民服务): what citizens do without signing in, and what the public may see.

- Reports from people without an account go in under one system citizen account (`public-portal`,
  which nobody can sign in as) on the citizen channel; the reporter gets the case number, which
  anyone may use to follow the case, and a receipt key (shown once, stored only as an argon2 hash),
  which lets them rate the case after closure or reopen it within the reopen window. A signed-in
  citizen reports under their own account and needs no key for their own cases.
- Ratings: one per closure (`case_ratings.round` = the case's reopen_count when rated), 1 to 5 stars.
- Public views never carry a person's name, contact, the reporter's or staff's words, or photos;
  public-security cases are never shown; the public map rounds coordinates to about 100 m.

Every check that can refuse runs before anything is written, so a refused report leaves no trace.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import shapely
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gridcity.db.engine import unit_of_work
from gridcity.db.models import Case, CaseRating, OrgUnit, PublicReceipt, User
from gridcity.domain.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from gridcity.domain.messages import Message, message
from gridcity.domain.principal import Principal
from gridcity.domain.taxonomy import ClassDef, Stage
from gridcity.domain.workflow import CaseAction, CaseState, Role
from gridcity.services import attachments, cases, rollups, territory
from gridcity.services.platform import Platform
from gridcity.services.security import hash_password, verify_password
from gridcity.services.users import principal_of
from gridcity.spatial.geojson import Feature, write_feature_collection

PORTAL_USERNAME = "public-portal"
PORTAL_DISPLAY_NAME = "市民服务平台（匿名上报）"
# Not an argon2 hash: verify_password can never accept anything against it.
NO_PASSWORD = "!no-sign-in: reports from the public portal"

# The receipt key: 10 characters of an alphabet without 0/O, 1/I/L (about 50 bits).
KEY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
KEY_LENGTH = 10
MAX_PHOTOS = 5
MAX_DESCRIPTION = 4000
MAX_COMMENT = 500
MAX_REASON = 1000
# Phone: 5 to 20 characters of digits and '-', optionally after a leading '+'; at least 5 digits.
_PHONE = re.compile(r"^\+?[0-9][0-9-]{3,18}[0-9]$")
_CLIENT_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")

# The public map: the city-management network only (problems in public space), never cases that
# were rejected or voided, coordinates rounded to 3 decimals (about 110 m north-south, 85 m east-west).
MAP_NETWORKS = ("city_management",)
MAP_HIDDEN_STATES = (CaseState.REJECTED.value, CaseState.VOID.value)
MAP_DECIMALS = 3
MAP_MAX_CASES = 3000
# Never on any public page: the public-security network's cases (leads name people and places).
HIDDEN_NETWORKS = ("public_security",)


def refused(error: type[DomainError], text: str | Message, reason: str, **params: Any) -> DomainError:
    """A refusal the portal words for the citizen: `reason` names the message, `params` fill it."""
    return error(text, reason=reason, **params)


# --- the portal's system account ---------------------------------------------------------------


def portal_account(platform: Platform, db: Session) -> User:
    """The citizen account that reports of people without an account are made under; created on
    first use, in the city root, with no password anyone could enter and sign-in disabled."""
    user = db.scalar(select(User).where(User.username == PORTAL_USERNAME))
    if user is None:
        city = db.scalar(select(OrgUnit).where(OrgUnit.kind == "city"))
        if city is None:
            raise Invalid(message("portal.no_territory"))
        try:
            with unit_of_work(db):
                user = User(
                    username=PORTAL_USERNAME,
                    display_name=PORTAL_DISPLAY_NAME,
                    password_hash=NO_PASSWORD,
                    role=Role.CITIZEN.value,
                    org_unit_id=city.id,
                    active=False,
                    created_at=platform.now(),
                )
                db.add(user)
        except IntegrityError:  # another request created it at the same moment
            user = db.scalar(select(User).where(User.username == PORTAL_USERNAME))
            assert user is not None
    if user.role != Role.CITIZEN:
        raise Conflict(
            message(
                "portal.username_taken",
                role=user.role,
                username=PORTAL_USERNAME,
                role_zh=Role(user.role).label_zh,
            )
        )
    return user


# --- reporting ---------------------------------------------------------------------------------


@dataclass
class PublicReport:
    class_ref: str  # ClassDef.ref: 'standard:kind:code'
    lon: float | None
    lat: float | None
    description: str
    anonymous: bool = True
    contact_name: str = ""
    contact_phone: str = ""
    photos: Sequence[tuple[str, bytes]] = ()
    client_key: str | None = None  # the form's own key: a repeated submission returns the first case


@dataclass
class Receipt:
    case: Case
    number: str
    key: str | None  # None for a signed-in citizen's own report
    created: bool  # False: the same form was submitted again (the key was issued anew)


def public_classes(platform: Platform, db: Session) -> list[ClassDef]:
    """The classes open to the public (the `public` flag of the class settings), national first."""
    book = platform.catalogue(db)
    order = {s: i for i, s in enumerate(book.catalogue.standards)}
    items = book.catalogue.select(public=True)
    return sorted(items, key=lambda c: (order[c.standard], c.kind != "event", c.code))


def public_class(platform: Platform, db: Session, ref: str) -> ClassDef:
    if not ref.strip():
        raise refused(Invalid, message("field.no_class"), "class_missing")
    try:
        cls = platform.catalogue(db).catalogue.by_ref(ref.strip())
    except (Invalid, NotFound):
        raise refused(Invalid, message("portal.unknown_class", ref=ref), "class_unknown") from None
    if not cls.public:
        raise refused(
            Invalid, message("portal.class_not_public", cls_code=cls.code, cls_name=cls.name), "class_unknown"
        )
    return cls


def check_report(platform: Platform, db: Session, report: PublicReport) -> ClassDef:
    """Everything that can refuse a report, checked before anything is stored."""
    cls = public_class(platform, db, report.class_ref)
    if report.lon is None or report.lat is None:
        raise refused(Invalid, message("portal.no_place"), "place_missing")
    if not (-180 <= report.lon <= 180 and -90 <= report.lat <= 90):
        raise refused(Invalid, message("portal.bad_coordinates"), "place_outside")
    try:
        platform.territory(db).locate(report.lon, report.lat)
    except NotFound:
        raise refused(Invalid, message("portal.outside_city"), "place_outside") from None
    text = report.description.strip()
    if not text:
        raise refused(Invalid, message("portal.no_description"), "description_missing")
    if len(text) > MAX_DESCRIPTION:
        raise refused(Invalid, message("portal.long_description"), "description_long", limit=MAX_DESCRIPTION)
    if not report.anonymous:
        check_contact(report.contact_name, report.contact_phone)
    if len(report.photos) > MAX_PHOTOS:
        raise refused(
            Invalid, message("field.too_many_photos", limit=MAX_PHOTOS), "photos_count", limit=MAX_PHOTOS
        )
    settings = platform.settings
    for name, content in report.photos:
        if not content:
            raise refused(Invalid, message("portal.empty_photo", name=name), "photo_type", name=name)
        if len(content) > settings.max_upload_bytes:
            mb = f"{settings.max_upload_bytes / 1e6:.0f}"
            raise refused(
                Invalid, message("portal.large_photo", name=name), "photo_size", name=name, limit=mb
            )
        if attachments.sniff_type(content) not in settings.upload_types:
            raise refused(Invalid, message("field.not_a_photo", name=name), "photo_type", name=name)
    if report.client_key is not None and not _CLIENT_KEY.match(report.client_key):
        raise refused(Invalid, message("portal.form_damaged"), "form_damaged")
    return cls


def check_contact(name: str, phone: str) -> None:
    name, phone = name.strip(), phone.strip().replace(" ", "")
    if not name or len(name) > 40:
        raise refused(Invalid, message("portal.contact_name"), "contact_name")
    if not _PHONE.match(phone) or sum(ch.isdigit() for ch in phone) < 5:
        raise refused(Invalid, message("georeport.bad_phone", phone=phone), "contact_phone")


def report(platform: Platform, db: Session, signed_in: Principal | None, rep: PublicReport) -> Receipt:
    """A citizen's report from the portal. `signed_in` is the signed-in user, if any: a citizen
    reports under their own account (no key); anyone else under the portal account, with a key."""
    cls = check_report(platform, db, rep)
    own = signed_in is not None and signed_in.role == Role.CITIZEN
    reporter = signed_in if own and signed_in is not None else principal_of(portal_account(platform, db))
    client_key = f"portal:{rep.client_key}" if rep.client_key else None
    if client_key is not None:
        first = db.scalar(select(Case).where(Case.client_key == client_key))
        if first is not None:  # the same form again (a double tap, a retry after a lost reply)
            if first.reporter_id != reporter.id:
                raise refused(Conflict, message("portal.form_used"), "form_damaged")
            return Receipt(first, platform.case_number(first), _issue_key(platform, db, first, own), False)
    ids = [attachments.store_upload(platform, db, reporter, name, data).id for name, data in rep.photos]
    contact = not rep.anonymous
    case, created = cases.report_case(
        platform,
        db,
        reporter,
        cases.Report(
            class_code=cls.code,
            standard=cls.standard,
            kind=str(cls.kind),
            lon=float(rep.lon or 0.0),
            lat=float(rep.lat or 0.0),
            description=rep.description.strip(),
            channel=cases.Channel.CITIZEN,
            client_key=client_key,
            contact_name=rep.contact_name.strip() if contact else None,
            contact_phone=rep.contact_phone.strip().replace(" ", "") if contact else None,
            attachments=ids,
        ),
    )
    return Receipt(case, platform.case_number(case), _issue_key(platform, db, case, own), created)


def _issue_key(platform: Platform, db: Session, case: Case, own: bool) -> str | None:
    """A new receipt key for the case (replacing an earlier one); none for a citizen's own report."""
    if own:
        return None
    key = "".join(secrets.choice(KEY_ALPHABET) for _ in range(KEY_LENGTH))
    with unit_of_work(db):
        row = db.get(PublicReceipt, case.id)
        if row is None:
            db.add(PublicReceipt(case_id=case.id, key_hash=hash_password(key), created_at=platform.now()))
        else:
            row.key_hash, row.created_at = hash_password(key), platform.now()
    return key


def format_key(key: str) -> str:
    """ABCDE-FGHJK: easier to copy down."""
    return f"{key[:5]}-{key[5:]}"


def normalize_key(text: str) -> str:
    return re.sub(r"[\s-]", "", text or "").upper()


# --- following a case --------------------------------------------------------------------------


def case_by_number(platform: Platform, db: Session, number: str) -> Case | None:
    """The case a number names, if the public may see it."""
    case_id = platform.case_id_from_number(number or "")
    case = db.get(Case, case_id) if case_id is not None else None
    if case is None or platform.case_number(case) != number.strip() or case.network in HIDDEN_NETWORKS:
        return None
    return case


def _is_own(viewer: Principal | None, case: Case) -> bool:
    return viewer is not None and viewer.role == Role.CITIZEN and case.reporter_id == viewer.id


def reopen_until(platform: Platform, case: Case) -> datetime | None:
    if case.state != CaseState.CLOSED or case.closed_at is None:
        return None
    return case.closed_at + timedelta(days=platform.settings.reopen_days)


def public_view(
    platform: Platform, db: Session, case: Case, viewer: Principal | None = None
) -> dict[str, Any]:
    """What anyone holding the number may see: no names, no notes, no contact, no photos."""
    tz = platform.calendar(db).tz
    names = platform.territory(db).names
    department = platform.unit_ref(db, case.department_id)
    proposed = platform.unit_ref(db, case.proposed_department_id) if department is None else None
    given = ratings(db, case)
    closed = case.state == CaseState.CLOSED
    until = reopen_until(platform, case)
    rated = {r.round for r in given}
    return {
        "id": case.id,
        "version": case.version,
        "number": platform.case_number(case),
        "class_code": case.class_code,
        "class_name": case.class_name,
        "state": CaseState(case.state),
        "street": names.get(case.street_code, case.street_code),
        "district": names.get(case.district_code, case.district_code),
        "reported_on": case.reported_at.astimezone(tz).date(),
        "closed_on": case.closed_at.astimezone(tz).date() if closed and case.closed_at else None,
        "department": (department or {}).get("name"),
        "proposed_department": (proposed or {}).get("name"),
        "history": public_history(case, tz),
        "ratings": [
            {"round": r.round, "stars": r.stars, "rated_on": r.rated_at.astimezone(tz).date()} for r in given
        ],
        "own": _is_own(viewer, case),
        "has_receipt": db.get(PublicReceipt, case.id) is not None,
        "can_rate": closed and case.reopen_count not in rated,
        "reopen_until": until.astimezone(tz) if until else None,
        "can_reopen": until is not None and platform.now() <= until,
        "reopen_count": case.reopen_count,
    }


def ratings(db: Session, case: Case) -> list[CaseRating]:
    """The citizen's ratings of a case, one per closure, oldest first (staff see the comments)."""
    return list(
        db.scalars(select(CaseRating).where(CaseRating.case_id == case.id).order_by(CaseRating.round))
    )


def public_history(case: Case, tz: Any) -> list[tuple[datetime, str, CaseState]]:
    """What happened and when; never who, nor their notes (they may name people)."""
    return [
        (e.at.astimezone(tz), e.action, CaseState(e.to_state))
        for e in case.events
        if e.action != CaseAction.COMMENT
    ]


def own_cases(platform: Platform, db: Session, user: Principal, limit: int = 20) -> list[dict[str, Any]]:
    """A signed-in citizen's latest reports."""
    rows = db.execute(
        select(Case.id, Case.reported_at, Case.class_name, Case.state)
        .where(Case.reporter_id == user.id)
        .order_by(Case.reported_at.desc(), Case.id.desc())
        .limit(limit)
    ).all()
    tz = platform.calendar(db).tz
    return [
        {
            "number": platform.case_number(r),
            "class_name": r.class_name,
            "state": CaseState(r.state),
            "reported_on": r.reported_at.astimezone(tz).date(),
        }
        for r in rows
    ]


# --- acting on one's own case: rate, reopen ----------------------------------------------------


def _reporter_acting(
    platform: Platform, db: Session, case: Case, key: str | None, viewer: Principal | None
) -> Any:
    """The reporting user, if the caller is them: the signed-in citizen who reported, or whoever
    holds the case's receipt key (then the portal account the case was reported under)."""
    if _is_own(viewer, case):
        return viewer
    given = normalize_key(key or "")
    if not given:
        raise refused(Forbidden, message("portal.key_missing"), "key_missing")
    receipt = db.get(PublicReceipt, case.id)
    if receipt is None or len(given) > 40 or not verify_password(receipt.key_hash, given):
        raise refused(Forbidden, message("portal.key_wrong"), "key_wrong")
    reporter = db.get(User, case.reporter_id) if case.reporter_id is not None else None
    if reporter is None:
        raise refused(Forbidden, message("portal.key_wrong"), "key_wrong")
    return reporter


def rate(
    platform: Platform,
    db: Session,
    case: Case,
    stars: Any,
    comment: str = "",
    key: str | None = None,
    viewer: Principal | None = None,
) -> CaseRating:
    """The reporter's rating of the case's latest closure: once per closure, 1 to 5 stars."""
    if case.state != CaseState.CLOSED:
        raise refused(Conflict, message("portal.rate_not_closed"), "rate_not_closed")
    try:
        value = int(str(stars))
    except ValueError:
        value = 0
    if not 1 <= value <= 5:
        raise refused(Invalid, message("portal.stars"), "stars")
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise refused(Invalid, message("portal.long_comment"), "comment_long", limit=MAX_COMMENT)
    rater = _reporter_acting(platform, db, case, key, viewer)
    row = CaseRating(
        case_id=case.id,
        round=case.reopen_count,
        stars=value,
        comment=comment,
        rated_by=rater.id,
        rated_at=platform.now(),
        department_id=case.department_id,  # the department that did the rated work keeps the rating
        source="portal",
    )
    try:
        with unit_of_work(db):
            db.add(row)
            rollups.track_rating(platform, db, case, row)
    except IntegrityError:
        raise refused(Conflict, message("portal.rated_twice"), "rated_twice") from None
    return row


def reopen(
    platform: Platform,
    db: Session,
    case: Case,
    version: int,
    reason: str,
    key: str | None = None,
    viewer: Principal | None = None,
) -> Case:
    """The reporter reopens the closed case within the reopen window: back to FILED (the workflow's
    reopen action, taken as the reporting user)."""
    if case.state != CaseState.CLOSED:
        raise refused(Conflict, message("portal.reopen_not_closed"), "reopen_not_closed")
    until = reopen_until(platform, case)
    if until is None or platform.now() > until:
        days = platform.settings.reopen_days
        raise refused(
            Conflict,
            message("case.reopen_too_late", days=days),
            "reopen_window",
            days=days,
        )
    reason = (reason or "").strip()
    if not reason:
        raise refused(Invalid, message("portal.reason_missing"), "reason_missing")
    if len(reason) > MAX_REASON:
        raise refused(Invalid, message("portal.long_reason"), "reason_long", limit=MAX_REASON)
    reporter = _reporter_acting(platform, db, case, key, viewer)
    try:
        return cases.transition(
            platform,
            db,
            reporter,
            case.id,
            cases.ActionRequest(action="reopen", version=version, note=reason),
        )
    except Conflict as exc:
        if "current_version" in exc.details:
            raise refused(Conflict, exc.message, "stale") from None
        raise


# --- the public map ----------------------------------------------------------------------------


def recent_cases(
    platform: Platform, db: Session, days: int = 30, limit: int = MAP_MAX_CASES
) -> tuple[list[dict[str, Any]], bool]:
    """The cases of the last `days` days for the public map: number, class, state, street, report
    date and rounded coordinates — nothing else. Returns (rows, truncated)."""
    since = platform.now() - timedelta(days=days)
    rows = db.execute(
        select(Case.id, Case.reported_at, Case.class_name, Case.state, Case.street_code, Case.lon, Case.lat)
        .where(
            Case.reported_at >= since,
            Case.network.in_(MAP_NETWORKS),
            Case.state.not_in(MAP_HIDDEN_STATES),
        )
        .order_by(Case.reported_at.desc(), Case.id.desc())
        .limit(limit + 1)
    ).all()
    tz = platform.calendar(db).tz
    names = platform.territory(db).names
    out = [
        {
            "number": platform.case_number(r),
            "class_name": r.class_name,
            "state": r.state,
            "street": names.get(r.street_code, r.street_code),
            "reported_on": r.reported_at.astimezone(tz).date().isoformat(),
            "lon": round(r.lon, MAP_DECIMALS),
            "lat": round(r.lat, MAP_DECIMALS),
        }
        for r in rows[:limit]
    ]
    return out, len(rows) > limit


def recent_counts(platform: Platform, db: Session, days: int = 30) -> dict[str, int]:
    """How many public-map cases were reported in the last `days` days, and how many are closed."""
    since = platform.now() - timedelta(days=days)
    rows = db.execute(
        select(Case.state, func.count())
        .where(
            Case.reported_at >= since, Case.network.in_(MAP_NETWORKS), Case.state.not_in(MAP_HIDDEN_STATES)
        )
        .group_by(Case.state)
    ).all()
    counts = dict(rows)
    return {"reported": sum(counts.values()), "closed": counts.get(CaseState.CLOSED.value, 0)}


def city_bounds(db: Session) -> list[float] | None:
    """min_lon, min_lat, max_lon, max_lat of the city's territory."""
    return territory.area_bounds(db, "")


# Outline simplification per level, in degrees: about 50 m for the city-wide district layer (a
# fifth of the bytes; invisible at the zoom it is seen at), about 10 m below.
_SIMPLIFY = {"district": 0.0005, "street": 0.0001, "community": 0.0001}


def boundaries(db: Session, level: str, parent: str | None) -> dict[str, Any]:
    """Outlines of the districts, of the streets of a district, or of the communities of a street,
    with their code and name: the public maps' base layer."""
    if level not in _SIMPLIFY:
        raise Invalid(message("territory.bad_level"))
    stmt = select(OrgUnit.code, OrgUnit.name, OrgUnit.geom_wkb).where(
        OrgUnit.kind == level, OrgUnit.geom_wkb.is_not(None)
    )
    if parent:
        stmt = stmt.where(OrgUnit.code.startswith(parent))
    features = [
        Feature(
            {"code": r.code, "name": r.name, "level": level},
            shapely.from_wkb(r.geom_wkb).simplify(_SIMPLIFY[level]),
        )
        for r in db.execute(stmt.order_by(OrgUnit.code))
    ]
    return write_feature_collection(features)


# --- the published class list (responsibilities and time limits) --------------------------------

# Words for department-name placeholders when no district or street is chosen.
ANY_DISTRICT = "所在区"
ANY_STREET = "所在街道"
# the posts a reporter's case passes through, as the published class list shows them
STAGES = (Stage.ACCEPT, Stage.VERIFY, Stage.FILE, Stage.DISPATCH, Stage.DISPOSE, Stage.CHECK, Stage.CLOSE)


@dataclass
class ClassEntry:
    cls: ClassDef
    owner: str
    owner_varies: bool  # some districts or streets have another owner (shown when no area is chosen)
    cooperating: list[str]
    limits: dict[Stage, Any]
    urgent_limits: dict[Stage, Any]


def area_names(platform: Platform, db: Session) -> Mapping[str, str]:
    return platform.territory(db).names  # type: ignore[no-any-return]


def class_entries(
    platform: Platform,
    db: Session,
    text: str | None = None,
    standard: str | None = None,
    area: str | None = None,
) -> list[ClassEntry]:
    """The public classes with their responsible and cooperating departments — concrete for a
    district (6-digit code) or street (9-digit code), else named generically — and stage limits."""
    names = area_names(platform, db)
    district, street = _area(area, names)
    catalogue = platform.catalogue(db).catalogue
    needle = (text or "").strip().lower()
    out = []
    for c in public_classes(platform, db):
        if standard and c.standard != standard:
            continue
        if needle and not (
            needle in c.code.lower()
            or needle in c.name.lower()
            or needle in c.name_en.lower()
            or needle in c.major_name.lower()
        ):
            continue
        owner_code = c.owner_department
        if street and street in c.owner_by_area:
            owner_code = c.owner_by_area[street]
        elif district and district in c.owner_by_area:
            owner_code = c.owner_by_area[district]
        out.append(
            ClassEntry(
                cls=c,
                owner=_department_name(catalogue, owner_code, district, street, names),
                owner_varies=bool(c.owner_by_area) and not street,
                cooperating=[_department_name(catalogue, d, district, street, names) for d in c.cooperating],
                limits={s: c.limit(s) for s in STAGES},
                urgent_limits={s: c.urgent_limits[s] for s in STAGES if s in c.urgent_limits},
            )
        )
    return out


def _area(area: str | None, names: Mapping[str, str]) -> tuple[str | None, str | None]:
    code = (area or "").strip()
    if not code:
        return None, None
    if code not in names or len(code) not in (6, 9):
        raise refused(Invalid, message("portal.unknown_area", area_code=code), "area_unknown")
    return (code, None) if len(code) == 6 else (code[:6], code)


def _department_name(
    catalogue: Any, code: str, district: str | None, street: str | None, names: Mapping[str, str]
) -> str:
    """The name of a department or department template code: the concrete unit where the chosen
    area decides it, else the template's name with 所在区 / 所在街道 in place of the area."""
    if ("{street}" in code and not street) or ("{district}" in code and not district):
        template = catalogue.departments.get(code)
        if template is None:
            return code
        district_name = names.get(district, ANY_DISTRICT) if district else ANY_DISTRICT
        values = {
            "district": district or "",
            "street": "",
            "district_name": district_name,
            "district_short": _strip(district_name, ("区", "县")) if district else ANY_DISTRICT,
            "street_name": ANY_STREET,
            "street_short": ANY_STREET,
        }
        try:
            return str(template.name.format(**values))
        except (KeyError, IndexError, ValueError):
            return str(template.name)
    try:
        return str(
            catalogue.department(code.format(district=district or "", street=street or ""), names).name
        )
    except DomainError:
        return code


def _strip(name: str, suffixes: Sequence[str]) -> str:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def areas(platform: Platform, db: Session) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(district code, name, [(street code, name)]) for the class list's area choice."""
    names = area_names(platform, db)
    districts = sorted(c for c in names if len(c) == 6)
    return [
        (
            d,
            names[d],
            sorted(((s, names[s]) for s in names if len(s) == 9 and s.startswith(d)), key=lambda x: x[0]),
        )
        for d in districts
    ]
