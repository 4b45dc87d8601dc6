"""Open311 GeoReport v2 (docs/design/OPEN311.md): the platform seen through the open standard
that citizen apps, 311 CRMs and civic tools speak. `api.open311` serves it at /open311/v2/; this
module holds everything it decides. Values come back as plain dicts (datetimes aware, in the city's
zone; codes and ids as strings); `api.open311_format` renders them as XML or JSON.

How the standard maps onto the platform:
- Services are the classes (minor classes) open to the public (`public.public_classes`). A service
  code is the class code; where several public classes share a code (a component and an event class
  of CJ/T 214, say), the code gets the kind and, if needed, the standard as suffix
  (`0101-component`), so every code names one class.
- Service definitions: classes carry no questions of their own, so the one question every class
  does have is asked: `urgency`, a singlevaluelist of the class's urgency levels (default the
  class's default level; the higher levels get the shorter urgent time limits), described by the
  class's filing criteria, which say what counts as urgent.
- Client applications get an API key from an administrator (`issue_client`; only its SHA-256 is
  stored). Each application reports under its own citizen account (`open311-NAME`, sign-in
  disabled), on the citizen channel; a request becomes a case located and routed like any other.
  The request id is the case number; a token (`tokens/{token}`) is issued with it as well.
- Location: lat/long (WGS84), or an `address_id` that is a city-management unit grid code (单元网格
  编码; the case is placed at a point inside the grid). An address string alone cannot be located.
- What anyone may read follows the public portal (`services.public`): never the public-security
  network's cases, never a person's name, contact or words, coordinates rounded to about 100 m.
  The application that filed a request reads it back in full (its description, exact point and
  address) when it sends its api_key.
- status is closed once the case is closed, rejected or voided; expected_datetime is the disposal
  deadline (as it stood when disposal was reported) or, before that, the running stage's deadline
  once the report is taken up (none while it waits for intake).

Everything that can refuse a request is checked before anything is written: a refusal leaves no trace.
"""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import Any

import shapely
from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, lazyload, selectinload

from gridcity.db.engine import unit_of_work
from gridcity.db.models import Case, CaseClass, CaseEvent, Grid, Open311Client, OrgUnit, User
from gridcity.db.queries import CaseFilter
from gridcity.domain.errors import Conflict, Forbidden, Invalid, NotFound
from gridcity.domain.messages import message
from gridcity.domain.principal import Principal
from gridcity.domain.taxonomy import ClassDef, Stage
from gridcity.domain.territory import parse_bbox
from gridcity.domain.workflow import TERMINAL_STATES, CaseAction, CaseState, Role
from gridcity.services import cases, public
from gridcity.services.access import require_city_admin
from gridcity.services.platform import Platform
from gridcity.services.security import token_digest
from gridcity.services.system_accounts import add_account, check_new_system
from gridcity.services.users import principal_of

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
FORMATS = ("text/xml", "application/json")
MAX_RESULTS = 1000  # the default and the largest page of requests or updates
MAX_SPAN = timedelta(days=90)  # start_date..end_date may not span more (and is the default window)
MAX_DESCRIPTION = public.MAX_DESCRIPTION  # 4,000 characters
MAX_ADDRESS = 300  # Case.address
MAX_MEDIA_URL = 500
ACCOUNT_PREFIX = "open311-"
TOKEN_PREFIX = "open311:"  # Case.client_key of a request filed through Open311: prefix + token
DEMO_CLIENT = "demo"
DEMO_KEY = "demo"
CLOSED_STATES = frozenset(s.value for s in TERMINAL_STATES)  # closed, rejected, void
_PHONE = re.compile(r"^\+?[0-9][0-9-]{3,18}[0-9]$")
_ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
_LIST_STRING = re.compile(r"^\s*\[.*\]\s*$", re.S)
URGENCY_NAMES = {"normal": "一般 normal", "urgent": "紧急 urgent"}


# --- client applications and their API keys ---------------------------------------------------


def issue_client(
    platform: Platform,
    db: Session,
    name: str,
    actor: Principal | None = None,
    issuer: str | None = None,
    key: str | None = None,
) -> tuple[Open311Client, str]:
    """Register a client application and issue its API key, which is returned here only (the
    database keeps its SHA-256). `actor`: the administrator issuing it (None: the command line,
    named by `issuer`). `key`: a chosen key (the demo's `demo`); None: a random one."""
    require_city_admin(actor, message("task.georeport"))
    city = db.scalar(select(OrgUnit).where(OrgUnit.kind == "city"))
    if city is None:
        raise Invalid(message("georeport.no_territory"))
    system = check_new_system(db, Open311Client, name, message("noun.georeport_client"), ACCOUNT_PREFIX, key)
    now = platform.now()
    try:
        with unit_of_work(db):
            # reports come in under this account, as a citizen's of the whole city
            account = add_account(db, system, f"Open311: {system.name}", Role.CITIZEN.value, city.id, now)
            client = Open311Client(
                name=system.name,
                key_hash=system.digest,
                account_id=account.id,
                issued_by_id=actor.id if actor is not None else None,
                issued_by=actor.username if actor is not None else (issuer or "command line"),
                issued_at=now,
                active=True,
            )
            db.add(client)
    except IntegrityError:  # the same name or key at the same moment
        raise Conflict(message("georeport.client_exists", system_name=system.name)) from None
    return client, system.key


def list_clients(db: Session, actor: Principal | None = None) -> list[Open311Client]:
    require_city_admin(actor, message("task.georeport"))
    return list(db.scalars(select(Open311Client).order_by(Open311Client.name)))


def revoke_client(
    platform: Platform, db: Session, name: str, actor: Principal | None = None
) -> Open311Client:
    """Revoke a client's API key: from now on it gets 403. Its requests stay as they are."""
    require_city_admin(actor, message("task.georeport"))
    client = db.scalar(select(Open311Client).where(Open311Client.name == (name or "").strip()))
    if client is None:
        raise NotFound(message("georeport.no_client", name=name))
    if client.active:
        with unit_of_work(db):
            client.active = False
            client.revoked_at = platform.now()
    return client


def ensure_demo_client(platform: Platform, db: Session) -> bool:
    """The demo's client application, whose API key is `demo`; True when registered just now."""
    if db.scalar(select(Open311Client.id).where(Open311Client.name == DEMO_CLIENT)) is not None:
        return False
    issue_client(platform, db, DEMO_CLIENT, issuer="gridcity demo", key=DEMO_KEY)
    return True


def client_for_key(db: Session, key: str | None) -> Open311Client:
    """The active client holding this API key; 403 for none, an unknown or a revoked key."""
    if not key:
        raise Forbidden(message("georeport.key_required"))
    client = db.scalar(select(Open311Client).where(Open311Client.key_hash == token_digest(key)))
    if client is None:
        raise Forbidden(message("georeport.key_invalid"))
    if not client.active:
        raise Forbidden(message("georeport.key_revoked"))
    return client


def check_jurisdiction(platform: Platform, jurisdiction_id: str | None) -> None:
    """A single-jurisdiction server: the city's own code is accepted, as is none."""
    if jurisdiction_id and jurisdiction_id.strip() != platform.settings.city_code:
        raise NotFound(
            message(
                "georeport.unknown_jurisdiction",
                jurisdiction_id=jurisdiction_id,
                city_code=platform.settings.city_code,
                city_name=platform.settings.city_name,
            )
        )


# --- services and their definitions -----------------------------------------------------------


@lru_cache(maxsize=4)
def _codes(book: Any) -> tuple[dict[tuple[str, str, str], str], dict[str, ClassDef]]:
    """(class key -> service code, service code -> class) over the whole catalogue: a public class
    whose code no other public class shares is served under its plain code; every other class
    under its code with the kind (and, if still shared, the standard) appended."""
    classes = sorted(book.catalogue.select(), key=lambda c: c.key)
    public_count: dict[str, int] = {}
    for c in classes:
        if c.public:
            public_count[c.code] = public_count.get(c.code, 0) + 1
    code_of = {c.key: c.code for c in classes if c.public and public_count[c.code] == 1}
    rest = [c for c in classes if c.key not in code_of]
    kind_count: dict[tuple[str, str], int] = {}
    for c in rest:
        kind_count[(c.code, str(c.kind))] = kind_count.get((c.code, str(c.kind)), 0) + 1
    for c in rest:
        code_of[c.key] = f"{c.code}-{c.kind}"
        if kind_count[(c.code, str(c.kind))] > 1:
            code_of[c.key] += "-" + re.sub(r"[^A-Za-z0-9]+", "", c.standard).lower()
    return code_of, {code_of[c.key]: c for c in classes}


def service_code(platform: Platform, db: Session, standard: str, kind: str, code: str) -> str:
    return _codes(platform.catalogue(db))[0].get((standard, str(kind), code), code)


def public_service(platform: Platform, db: Session, code: str) -> ClassDef:
    """The public class a service code names; NotFound otherwise."""
    cls = _codes(platform.catalogue(db))[1].get((code or "").strip())
    if cls is None or not cls.public:
        raise NotFound(message("georeport.unknown_service", service_code=code))
    return cls


def services(platform: Platform, db: Session) -> list[dict[str, Any]]:
    codes = _codes(platform.catalogue(db))[0]
    out = []
    for c in public.public_classes(platform, db):
        out.append(
            {
                "service_code": codes[c.key],
                "service_name": c.name,
                "description": _class_description(c),
                "metadata": bool(attributes_of(c)),
                "type": "realtime",  # the case number comes back at once
                "keywords": ", ".join(k for k in (c.name, c.name_en, c.major_name, c.code) if k),
                "group": c.major_name,
            }
        )
    return out


def _class_description(c: ClassDef) -> str:
    kind = {"component": "部件 component", "event": "事件 event"}.get(str(c.kind), str(c.kind))
    english = f" ({c.name_en})" if c.name_en else ""
    return f"{c.name}{english}: {c.major_name}, {kind}, {c.standard}"


@dataclass(frozen=True)
class Attribute:
    """One question of a service definition."""

    code: str
    datatype: str  # string | number | datetime | text | singlevaluelist | multivaluelist
    required: bool
    description: str
    datatype_description: str = ""
    order: int = 1
    variable: bool = True
    values: tuple[tuple[str, str], ...] = ()

    @property
    def keys(self) -> list[str]:
        return [k for k, _ in self.values]


def attributes_of(c: ClassDef) -> list[Attribute]:
    """The questions asked for a class: its urgency, where the class has more than one level."""
    if len(c.urgency_levels) < 2:
        return []
    criteria = f" 立案条件 (what is urgent): {c.filing_criteria}" if c.filing_criteria else ""
    return [
        Attribute(
            code="urgency",
            datatype="singlevaluelist",
            required=False,
            description=f"紧急程度 How urgent is it?{criteria}",
            datatype_description=(
                f"one of {', '.join(c.urgency_levels)}; default {c.default_urgency}. "
                "Levels above the default get the class's shorter urgent time limits."
            ),
            values=tuple((level, URGENCY_NAMES.get(level, level)) for level in c.urgency_levels),
        )
    ]


def service_definition(platform: Platform, db: Session, code: str) -> dict[str, Any]:
    cls = public_service(platform, db, code)
    return {
        "service_code": _codes(platform.catalogue(db))[0][cls.key],
        "attributes": [
            {
                "variable": a.variable,
                "code": a.code,
                "datatype": a.datatype,
                "required": a.required,
                "datatype_description": a.datatype_description,
                "order": a.order,
                "description": a.description,
                "values": [{"key": k, "name": n} for k, n in a.values],
            }
            for a in attributes_of(cls)
        ],
    }


def parse_attributes(
    definitions: Sequence[Attribute], items: Iterable[tuple[str, str]]
) -> dict[str, str | list[str]]:
    """The answers in a POST's `attribute[code]=value` / `attribute[code][]=value` parameters,
    checked against the definitions (empty values count as not sent)."""
    sent: dict[str, list[str]] = {}
    for key, value in items:
        m = _ATTRIBUTE_KEY.match(key)
        if m is None:
            if key.startswith("attribute"):
                raise Invalid(message("georeport.not_an_attribute", key=key))
            continue
        if value.strip():
            sent.setdefault(m.group(1), []).append(value.strip())
    known = {a.code: a for a in definitions}
    for code in sent:
        if code not in known:
            asked = ", ".join(known) or "nothing"
            raise Invalid(message("georeport.unknown_attribute", attribute=code, asked=asked))
    answers: dict[str, str | list[str]] = {}
    for a in definitions:
        values = sent.get(a.code, [])
        if not values:
            if a.required:
                raise Invalid(
                    message("georeport.attribute_required", a_code=a.code, description=a.description)
                )
            continue
        where = f"attribute[{a.code}]"
        if a.datatype == "multivaluelist":
            for v in values:
                if v not in a.keys:
                    if _LIST_STRING.match(v):
                        raise Invalid(
                            message("georeport.list_as_string", where=where, v=v, keys=", ".join(a.keys))
                        )
                    raise Invalid(message("georeport.not_a_choice", where=where, v=v, keys=", ".join(a.keys)))
            answers[a.code] = list(dict.fromkeys(values))
            continue
        if len(values) > 1:
            raise Invalid(message("georeport.one_value", where=where, values=len(values)))
        value = values[0]
        if a.datatype == "singlevaluelist":
            if value not in a.keys:
                if _LIST_STRING.match(value):
                    raise Invalid(
                        message("georeport.one_value_list", where=where, value=value, keys=", ".join(a.keys))
                    )
                raise Invalid(message("georeport.not_a_choice", where=where, keys=", ".join(a.keys), v=value))
        elif a.datatype == "number":
            try:
                number = float(value)
            except ValueError:
                number = math.nan
            if not math.isfinite(number):
                raise Invalid(message("georeport.not_a_number", where=where, value=value))
        elif a.datatype == "datetime":
            parse_datetime(value, None, where)
        elif len(value) > MAX_DESCRIPTION:
            raise Invalid(message("georeport.too_long", where=where, limit=f"{MAX_DESCRIPTION:,}"))
        answers[a.code] = value
    return answers


# --- posting a request -----------------------------------------------------------------------


def param(params: Mapping[str, Sequence[str]], name: str) -> str | None:
    """A single-valued parameter; sent empty is as if not sent."""
    for value in params.get(name, ()):
        if value.strip():
            return value.strip()
    return None


def _coordinate(text: str, name: str, low: float, high: float) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and low <= value <= high):
        raise Invalid(
            message(
                "georeport.bad_coordinate",
                name=name,
                text=text,
                x="latitude" if name == "lat" else "longitude",
                x_zh="纬度" if name == "lat" else "经度",
            )
        )
    return value


def _grid_point(db: Session, code: str) -> tuple[float, float]:
    """A point inside the current city-management unit grid of this code."""
    wkb = db.scalar(
        select(Grid.geom_wkb).where(
            Grid.layer == "city_management", Grid.code == code, Grid.valid_to.is_(None)
        )
    )
    if wkb is None:
        raise Invalid(message("georeport.bad_address_id", address_id=code))
    point = shapely.from_wkb(wkb).representative_point()
    return float(point.x), float(point.y)


def submit(
    platform: Platform, db: Session, params: Mapping[str, Sequence[str]], items: Sequence[tuple[str, str]]
) -> dict[str, Any]:
    """POST requests: `params` the parameters by name (query string and body together), `items`
    the body's (name, value) pairs in order (for the attributes). Returns the response's request."""
    client = client_for_key(db, param(params, "api_key"))
    check_jurisdiction(platform, param(params, "jurisdiction_id"))
    code = param(params, "service_code")
    if code is None:
        raise Invalid(message("georeport.service_code_required"))
    try:
        cls = public_service(platform, db, code)
    except NotFound as exc:
        raise Invalid(exc.message) from None
    lat_text, lon_text = param(params, "lat"), param(params, "long")
    address = param(params, "address_string")
    address_id = param(params, "address_id")
    if lat_text is not None or lon_text is not None:
        if lat_text is None or lon_text is None:
            raise Invalid(message("georeport.both_coordinates"))
        lat = _coordinate(lat_text, "lat", -90, 90)
        lon = _coordinate(lon_text, "long", -180, 180)
    elif address_id is not None:
        lon, lat = _grid_point(db, address_id)
    elif address is not None:
        raise Invalid(message("georeport.address_needs_point"))
    else:
        raise Invalid(message("georeport.location_required"))
    try:
        platform.territory(db).locate(lon, lat)
    except NotFound:
        raise Invalid(message("georeport.outside_city", lat=lat, lon=lon)) from None
    if address is not None and len(address) > MAX_ADDRESS:
        raise Invalid(message("georeport.too_long", where="address_string", limit=MAX_ADDRESS))
    description = (param(params, "description") or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise Invalid(message("georeport.too_long", where="description", limit=f"{MAX_DESCRIPTION:,}"))
    answers = parse_attributes(attributes_of(cls), items)
    media_url = param(params, "media_url")
    if media_url is not None and (
        len(media_url) > MAX_MEDIA_URL or not re.match(r"^https?://[^\s]+$", media_url, re.I)
    ):
        raise Invalid(message("georeport.bad_media_url", limit=MAX_MEDIA_URL))
    name = " ".join(p for p in (param(params, "first_name"), param(params, "last_name")) if p)
    if len(name) > 80:
        raise Invalid(message("georeport.name_too_long"))
    phone = param(params, "phone")
    if phone is not None:
        phone = re.sub(r"[\s().]", "", phone)
        if not _PHONE.match(phone) or sum(ch.isdigit() for ch in phone) < 5:
            raise Invalid(message("georeport.bad_phone", phone=phone))
    if media_url is not None:  # staff see the client's photo link with the report's words
        description = f"{description}\n\n{media_url}".strip()
        if len(description) > MAX_DESCRIPTION:
            raise Invalid(message("georeport.description_too_long", limit=f"{MAX_DESCRIPTION:,}"))
    account = db.get(User, client.account_id)
    if account is None:
        raise Forbidden(message("georeport.key_account_missing"))
    token = secrets.token_hex(16)
    urgency = answers.get("urgency")
    case, _ = cases.report_case(
        platform,
        db,
        principal_of(account),
        cases.Report(
            class_code=cls.code,
            standard=cls.standard,
            kind=str(cls.kind),
            lon=lon,
            lat=lat,
            description=description,
            channel=cases.Channel.CITIZEN,
            client_key=f"{TOKEN_PREFIX}{token}",
            urgency=urgency if isinstance(urgency, str) else None,
            address=address,
            contact_name=name or None,
            contact_phone=phone,
        ),
    )
    number = platform.case_number(case)
    return {
        "service_request_id": number,
        "token": token,
        "service_notice": (
            f"received as case {number} ({cls.name}); follow it with GET requests/{number}.xml "
            f"or at the public portal's /track?number={number}"
        ),
        "account_id": None,
    }


def token_request(platform: Platform, db: Session, token: str) -> dict[str, Any]:
    token = (token or "").strip()
    case = None
    if re.fullmatch(r"[0-9a-f]{32}", token):
        case = db.scalar(select(Case).where(Case.client_key == f"{TOKEN_PREFIX}{token}"))
    if case is None:
        raise NotFound(message("georeport.unknown_token", token=token))
    return {"service_request_id": platform.case_number(case), "token": token}


# --- reading requests ------------------------------------------------------------------------


def parse_datetime(text: str, tz: tzinfo | None, name: str) -> datetime:
    """A W3C/ISO 8601 datetime; a date alone is its midnight; without a zone: the city's time."""
    value = text.strip()
    # a '+' of the offset sent unencoded in a query string arrives as a space
    value = re.sub(r"(T[0-9:.]+) ([0-9]{2}:?[0-9]{2})$", r"\1+\2", value)
    try:
        if len(value) == 10:
            moment = datetime.combine(date.fromisoformat(value), time())
        else:
            moment = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        example = "2026-11-01T00:00:00+08:00"
        raise Invalid(message("georeport.bad_datetime", name=name, text=text, example=example)) from None
    if moment.tzinfo is None:
        if tz is None:
            raise Invalid(message("georeport.needs_timezone", name=name, text=text))
        moment = moment.replace(tzinfo=tz)
    if not 1900 <= moment.year <= 2200:
        raise Invalid(message("georeport.year_out_of_range", name=name, text=text))
    return moment


def _flag(params: Mapping[str, Sequence[str]], name: str) -> bool:
    value = param(params, name)
    if value is None:
        return False
    if value.lower() in ("true", "1", "yes"):
        return True
    if value.lower() in ("false", "0", "no"):
        return False
    raise Invalid(message("georeport.bad_boolean", name=name, value=value))


def _positive(params: Mapping[str, Sequence[str]], name: str, default: int, high: int) -> int:
    text = param(params, name)
    if text is None:
        return default
    if not text.isdigit() or not 1 <= int(text) <= high:
        raise Invalid(message("georeport.bad_whole_number", name=name, high=f"{high:,}", text=text))
    return int(text)


def _window(
    platform: Platform, params: Mapping[str, Sequence[str]], tz: tzinfo, default: bool
) -> tuple[datetime | None, datetime | None]:
    """start_date..end_date, at most 90 days; one end given: 90 days from or to it; neither: the
    last 90 days (when `default`)."""
    start_text, end_text = param(params, "start_date"), param(params, "end_date")
    start = parse_datetime(start_text, tz, "start_date") if start_text else None
    end = parse_datetime(end_text, tz, "end_date") if end_text else None
    if start is None and end is None:
        if not default:
            return None, None
        end = platform.now()
    if start is None:
        assert end is not None
        start = end - MAX_SPAN
    if end is None:
        end = start + MAX_SPAN
    if end < start:
        raise Invalid(message("georeport.period_reversed"))
    if end - start > MAX_SPAN:
        raise Invalid(message("georeport.period_too_long"))
    return start, end


def _status_states(params: Mapping[str, Sequence[str]]) -> list[str] | None:
    text = param(params, "status")
    if text is None:
        return None
    wanted = {s.strip().lower() for s in text.split(",") if s.strip()}
    if not wanted or not wanted <= {"open", "closed"}:
        raise Invalid(message("georeport.bad_status", text=text))
    if wanted == {"open", "closed"}:
        return None
    closed = sorted(CLOSED_STATES)
    return closed if "closed" in wanted else [s.value for s in CaseState if s.value not in CLOSED_STATES]


@dataclass
class _Query:
    clauses: list[ColumnElement[bool]] = field(default_factory=list)
    page: int = 1
    page_size: int = MAX_RESULTS


def _class_clause(platform: Platform, db: Session, text: str) -> ColumnElement[bool]:
    keys = []
    for code in (c.strip() for c in text.split(",")):
        if not code:
            continue
        try:
            keys.append(public_service(platform, db, code).key)
        except NotFound as exc:
            raise Invalid(exc.message) from None
    if not keys:
        raise Invalid(message("georeport.no_such_service"))
    return or_(*(and_(Case.standard == s, Case.kind == k, Case.class_code == c) for s, k, c in keys))


MAX_CASE_ID = 2**63 - 1  # the largest id a case can have (BIGINT): larger ones name no case


def case_id(platform: Platform, number: str) -> int | None:
    """The case id a service_request_id names, if it is a case number at all."""
    found = platform.case_id_from_number(number)
    return found if found is not None and 1 <= found <= MAX_CASE_ID else None


def _ids(platform: Platform, text: str) -> list[int]:
    ids = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        found = case_id(platform, part)
        if found is None:
            raise Invalid(message("georeport.bad_request_id", part=part))
        ids.append(found)
    if len(ids) > MAX_RESULTS:
        raise Invalid(message("georeport.too_many_ids", limit=f"{MAX_RESULTS:,}"))
    return ids


def search_requests(
    platform: Platform,
    db: Session,
    params: Mapping[str, Sequence[str]],
    viewer: Open311Client | None = None,
) -> list[dict[str, Any]]:
    """GET requests: the filters of the standard and the extensions (page/page_size,
    updated_after/updated_before, bbox, extensions=true), newest first, at most 1,000."""
    check_jurisdiction(platform, param(params, "jurisdiction_id"))
    tz = platform.calendar(db).tz
    extensions = _flag(params, "extensions")
    page = _positive(params, "page", 1, 1_000_000)
    page_size = _positive(params, "page_size", MAX_RESULTS, MAX_RESULTS)
    flt = CaseFilter(extra=[Case.network.not_in(public.HIDDEN_NETWORKS)])
    ids_text = param(params, "service_request_id")
    if ids_text is not None:  # overrides every other filter
        flt.ids = _ids(platform, ids_text) or [0]
    else:
        after, before = param(params, "updated_after"), param(params, "updated_before")
        flt.updated_from = parse_datetime(after, tz, "updated_after") if after else None
        updated_to = parse_datetime(before, tz, "updated_before") if before else None
        if updated_to is not None:
            flt.extra.append(Case.updated_at <= updated_to)
        start, end = _window(platform, params, tz, default=after is None and before is None)
        flt.reported_from = start
        if end is not None:
            flt.extra.append(Case.reported_at <= end)
        code_text = param(params, "service_code")
        if code_text is not None:
            flt.extra.append(_class_clause(platform, db, code_text))
        states = _status_states(params)
        if states is not None:
            flt.states = states
        box = param(params, "bbox")
        if box is not None:
            flt.bbox = parse_bbox(box)
    # the history only when the notes are asked for (a list of 1,000 cases without it is cheap)
    stmt = (
        select(Case)
        .options(
            selectinload(Case.events) if extensions else lazyload(Case.events), lazyload(Case.cooperating)
        )
        .where(*flt.clauses(platform.now()))
        .order_by(Case.reported_at.desc(), Case.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    rows = db.scalars(stmt).all()
    # a number names its case only with the case's own report date
    wanted = {n.strip() for n in ids_text.split(",")} if ids_text is not None else None
    return [
        request_view(platform, db, c, viewer, extensions)
        for c in rows
        if wanted is None or platform.case_number(c) in wanted
    ]


def get_request(
    platform: Platform,
    db: Session,
    number: str,
    params: Mapping[str, Sequence[str]],
    viewer: Open311Client | None = None,
) -> dict[str, Any]:
    check_jurisdiction(platform, param(params, "jurisdiction_id"))
    extensions = _flag(params, "extensions")
    case = public.case_by_number(platform, db, number) if case_id(platform, number) else None
    if case is None:
        raise NotFound(message("georeport.no_request", number=number))
    return request_view(platform, db, case, viewer, extensions)


def expected_datetime(case: Case) -> datetime | None:
    """The disposal deadline: as it stood when disposal was reported, else the running stage's
    deadline while the case is not yet disposed; None once no time limit applies."""
    if case.dispose_deadline is not None:
        return case.dispose_deadline
    if case.state in CLOSED_STATES or case.disposed_at is not None:
        return None
    if case.stage == Stage.ACCEPT.value:
        return None  # the command centre's intake deadline promises nothing about the fix
    return case.stage_deadline


def request_view(
    platform: Platform,
    db: Session,
    case: Case,
    viewer: Open311Client | None = None,
    extensions: bool = False,
) -> dict[str, Any]:
    tz = platform.calendar(db).tz
    names = platform.territory(db).names
    own = viewer is not None and case.reporter_id == viewer.account_id
    state = CaseState(case.state)
    department = platform.unit_ref(db, case.department_id or case.proposed_department_id)
    area = " ".join(n for n in (names.get(case.district_code), names.get(case.street_code)) if n)
    digits = None if own else public.MAP_DECIMALS
    view: dict[str, Any] = {
        "service_request_id": platform.case_number(case),
        "status": "closed" if case.state in CLOSED_STATES else "open",
        "status_notes": f"{state.label_zh} ({state.value})",
        "service_name": case.class_name,
        "service_code": service_code(platform, db, case.standard, case.kind, case.class_code),
        "description": (case.description or None) if own else None,
        "agency_responsible": (department or {}).get("name"),
        "service_notice": None,
        "requested_datetime": _local(case.reported_at, tz),
        "updated_datetime": _local(case.updated_at, tz),
        "expected_datetime": _local(expected_datetime(case), tz),
        "address": (case.address or area or None) if own else (area or None),
        "address_id": None,
        "zipcode": None,
        "lat": case.lat if digits is None else round(case.lat, digits),
        "long": case.lon if digits is None else round(case.lon, digits),
        "media_url": None,
    }
    if extensions:
        view["extended_attributes"] = {
            "channel": case.channel,
            "state": case.state,
            "urgency": case.urgency,
            "district_code": case.district_code,
            "street_code": case.street_code,
            "community_code": case.community_code,
            "grid_code": case.grid_code,
            "duplicate_of": None,  # the platform does not merge duplicate reports (yet)
            "parent_request_id": None,
        }
        view["notes"] = [
            {"datetime": at, "type": action, "summary": _summary(action, to_state)}
            for at, action, to_state in public.public_history(case, tz)
        ]
    return view


def _summary(action: str, to_state: CaseState) -> str:
    try:
        label = CaseAction(action).label_zh
    except ValueError:
        label = action
    return f"{label} → {to_state.label_zh} ({to_state.value})"


def _local(moment: datetime | None, tz: tzinfo) -> datetime | None:
    return moment.astimezone(tz) if moment is not None else None


# --- the status-update feed (servicerequestupdates) ----------------------------------------------


def request_updates(
    platform: Platform, db: Session, params: Mapping[str, Sequence[str]]
) -> list[dict[str, Any]]:
    """Every public change of a request in start_date..end_date (on the change's time; default and
    limit as for requests), oldest first: what a CRM or FixMyStreet polls to follow requests."""
    check_jurisdiction(platform, param(params, "jurisdiction_id"))
    tz = platform.calendar(db).tz
    page = _positive(params, "page", 1, 1_000_000)
    page_size = _positive(params, "page_size", MAX_RESULTS, MAX_RESULTS)
    start, end = _window(platform, params, tz, default=True)
    rows = db.execute(
        select(CaseEvent.id, CaseEvent.at, CaseEvent.action, CaseEvent.to_state, Case.id, Case.reported_at)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(
            CaseEvent.at >= start,
            CaseEvent.at <= end,
            CaseEvent.action != CaseAction.COMMENT.value,
            Case.network.not_in(public.HIDDEN_NETWORKS),
        )
        .order_by(CaseEvent.at, CaseEvent.id)
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    out = []
    for event_id, at, action, to_state, case_id, reported_at in rows:
        state = CaseState(to_state)
        out.append(
            {
                "update_id": str(event_id),
                "service_request_id": platform.case_number(_Numbered(case_id, reported_at)),
                "status": "closed" if state.value in CLOSED_STATES else "open",
                "updated_datetime": at.astimezone(tz),
                "description": _summary(action, state),
                "media_url": None,
                "external_status_code": state.value,
            }
        )
    return out


@dataclass
class _Numbered:
    id: int
    reported_at: datetime


def changeset(db: Session) -> datetime | None:
    """When the services last changed (the catalogue's latest edit)."""
    return db.scalar(select(func.max(CaseClass.updated_at)))


def discovery(platform: Platform, db: Session, base_url: str) -> dict[str, Any]:
    tz = platform.calendar(db).tz
    changed = _local(changeset(db), tz)
    settings = platform.settings
    return {
        "changeset": changed,
        "contact": f"{settings.city_name} 城市管理监督指挥中心 (gridcity): {base_url}",
        "key_service": (
            "API keys are issued per client application by the platform's administrator "
            "(gridcity open311 clients add NAME)"
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base_url,
                "changeset": changed,
                "type": "test" if settings.demo else "production",
                "formats": list(FORMATS),
            }
        ],
    }
