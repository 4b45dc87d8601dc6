"""Open311 GeoReport v2 conformance (docs/design/OPEN311.md): every endpoint in XML and JSON,
parsed with a real XML parser; content types, the declaration, no namespace, string ids, datetimes
with a zone; the filters, defaults and limits; every error with its status and an Open311 error
document; and the client behaviours met in the wild. On SQLite and PostgreSQL.

Tests share one database: each test reports at its own spot (`spot`) and reads with a bbox around
it, or by the ids of its own requests."""

from __future__ import annotations

import itertools
import uuid
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.conftest import CST, T0

from gridcity.db.models import Case, Grid, Open311Client, User
from gridcity.services import cases, contact_store, open311

BASE = "/open311/v2"
GARBAGE = "06010"  # 暴露垃圾 exposed garbage (GB/T 47678.5-2026 event), open to the public
LIGHTS = "01001"  # 供水井盖异常 water-supply manhole cover (GB/T 47678.5-2026 event), public too
XML_TYPE = "text/xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
DECLARATION = '<?xml version="1.0" encoding="utf-8"?>'
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]

_spots = itertools.count()


# --- helpers ---------------------------------------------------------------------------------


def xml_of(r: Any, status: int = 200) -> ET.Element:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == XML_TYPE
    assert r.text.startswith(DECLARATION)
    root = ET.fromstring(r.content)
    assert all("}" not in e.tag for e in root.iter()), "no namespace"
    return root


def json_of(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == JSON_TYPE
    return r.json()


def error_of(r: Any, status: int, fmt: str = "xml") -> str:
    """The description of the one error in an Open311 error document of this status."""
    assert "Traceback" not in r.text
    if fmt == "json":
        body = json_of(r, status)
        assert isinstance(body, list) and len(body) == 1 and body[0]["code"] == status
        return str(body[0]["description"])
    root = xml_of(r, status)
    assert root.tag == "errors" and [e.tag for e in root] == ["error"]
    assert root.findtext("error/code") == str(status)
    return root.findtext("error/description") or ""


def moment(text: str | None) -> datetime:
    """An ISO 8601 datetime with its zone."""
    assert text, "a datetime"
    parsed = datetime.fromisoformat(text)
    assert parsed.tzinfo is not None, text
    return parsed


def fields_of(element: ET.Element) -> dict[str, str | None]:
    return {child.tag: child.text for child in element}


@pytest.fixture
def spot() -> tuple[float, float]:
    """A point of this test's own in 东城区 (lon, lat)."""
    i = next(_spots)
    return (round(116.4053 + (i % 20) * 0.001, 5), round(39.9207 + (i // 20) * 0.0007, 5))


def box(spot: tuple[float, float]) -> str:
    lon, lat = spot
    return f"{lon - 0.0002},{lat - 0.0002},{lon + 0.0002},{lat + 0.0002}"


@pytest.fixture
def app_key(platform, db) -> tuple[Open311Client, str]:  # type: ignore[no-untyped-def]
    return open311.issue_client(platform, db, f"app-{uuid.uuid4().hex[:8]}", issuer="test")


@pytest.fixture
def key(app_key: tuple[Open311Client, str]) -> str:
    return app_key[1]


def post(client: Any, key: str, spot: tuple[float, float], fmt: str = "xml", **fields: Any) -> Any:
    data = {
        "api_key": key,
        "service_code": GARBAGE,
        "lat": str(spot[1]),
        "long": str(spot[0]),
        "description": "路口西侧有一堆生活垃圾",
    }
    data.update({k: str(v) for k, v in fields.items()})
    return client.post(f"{BASE}/requests.{fmt}", data={k: v for k, v in data.items() if v != "None"})


def filed(client: Any, key: str, spot: tuple[float, float], **fields: Any) -> str:
    """POST a request; its service_request_id."""
    root = xml_of(post(client, key, spot, **fields), 201)
    number = root.findtext("request/service_request_id")
    assert number
    return number


def listed(client: Any, query: str = "", fmt: str = "xml") -> list[dict[str, str | None]]:
    root = xml_of(client.get(f"{BASE}/requests.{fmt}?{query}"))
    assert root.tag == "service_requests"
    return [fields_of(r) for r in root.findall("request")]


def count_cases(db: Any, account_id: int) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(Case).where(Case.reporter_id == account_id)) or 0


# --- discovery -------------------------------------------------------------------------------


def test_discovery_in_xml_and_json(client) -> None:  # type: ignore[no-untyped-def]
    root = xml_of(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    moment(root.findtext("changeset"))
    assert root.findtext("contact") and root.findtext("key_service")
    endpoint = root.find("endpoints/endpoint")
    assert endpoint is not None
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint.findtext("url", "").endswith("/open311/v2/")
    assert endpoint.findtext("type") in ("production", "test")
    assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "application/json"]
    moment(endpoint.findtext("changeset"))

    body = json_of(client.get(f"{BASE}/discovery.json"))
    assert isinstance(body, dict)
    assert body["endpoints"][0]["formats"] == ["text/xml", "application/json"]
    assert body["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"


# --- services and service definitions ----------------------------------------------------------


def test_services_are_the_public_classes(client) -> None:  # type: ignore[no-untyped-def]
    root = xml_of(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    items = [fields_of(s) for s in root.findall("service")]
    codes = [s["service_code"] for s in items]
    assert len(codes) == len(set(codes)) > 100, "every service has its own code"
    garbage = next(s for s in items if s["service_code"] == GARBAGE)
    assert list(garbage) == [
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ]
    assert garbage["service_name"] == "暴露垃圾"
    assert garbage["metadata"] == "true" and garbage["type"] == "realtime"
    assert garbage["group"] and "暴露垃圾" in (garbage["keywords"] or "")
    assert "PS0101" not in codes, "public-security leads are not open to the public"
    # component and event classes sharing a code get distinct codes
    assert any(c and c.endswith("-component") for c in codes)

    body = json_of(client.get(f"{BASE}/services.json"))
    assert isinstance(body, list) and len(body) == len(items)
    first = next(s for s in body if s["service_code"] == GARBAGE)
    assert first["metadata"] is True and isinstance(first["service_code"], str)


def test_service_definition_asks_the_urgency(client) -> None:  # type: ignore[no-untyped-def]
    root = xml_of(client.get(f"{BASE}/services/{GARBAGE}.xml"))
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == GARBAGE
    attributes = root.findall("attributes/attribute")
    assert len(attributes) == 1
    a = attributes[0]
    assert [c.tag for c in a] == [
        "variable",
        "code",
        "datatype",
        "required",
        "datatype_description",
        "order",
        "description",
        "values",
    ]
    assert a.findtext("code") == "urgency" and a.findtext("datatype") == "singlevaluelist"
    assert a.findtext("variable") == "true" and a.findtext("required") == "false"
    assert a.findtext("order") == "1"
    assert [v.findtext("key") for v in a.findall("values/value")] == ["normal", "urgent"]
    assert "紧急" in (a.findtext("values/value[2]/name") or "")

    body = json_of(client.get(f"{BASE}/services/{GARBAGE}.json"))
    assert isinstance(body, dict), "JSON: a single object"
    assert body["service_code"] == GARBAGE
    assert body["attributes"][0]["values"] == [
        {"key": "normal", "name": "一般 normal"},
        {"key": "urgent", "name": "紧急 urgent"},
    ]
    assert body["attributes"][0]["required"] is False


def test_clients_singular_path_and_doubled_slash(client) -> None:  # type: ignore[no-untyped-def]
    for path in (f"{BASE}/service/{GARBAGE}.xml", f"{BASE}//services/{GARBAGE}.xml"):
        assert xml_of(client.get(path)).findtext("service_code") == GARBAGE
    assert xml_of(client.get(f"{BASE}//services.xml")).tag == "services"
    assert isinstance(json_of(client.get(f"{BASE}//requests.json?status=closed")), list)


def test_unknown_service_resource_and_format_are_404(client) -> None:  # type: ignore[no-untyped-def]
    assert "unknown service_code" in error_of(client.get(f"{BASE}/services/99999.xml"), 404)
    assert "unknown service_code" in error_of(client.get(f"{BASE}/services/PS0101.json"), 404, "json")
    assert "unknown format" in error_of(client.get(f"{BASE}/services.csv"), 404)
    assert "no Open311 resource" in error_of(client.get(f"{BASE}/nothing.json"), 404, "json")
    assert "no Open311 resource" in error_of(client.get(f"{BASE}/services"), 404)


def test_jurisdiction_id(client, platform) -> None:  # type: ignore[no-untyped-def]
    city = platform.settings.city_code
    assert xml_of(client.get(f"{BASE}/services.xml?jurisdiction_id={city}")).tag == "services"
    assert xml_of(client.get(f"{BASE}/services.xml?jurisdiction_id=")).tag == "services"
    assert "unknown jurisdiction_id" in error_of(
        client.get(f"{BASE}/services.xml?jurisdiction_id=x.gov"), 404
    )
    assert "unknown jurisdiction_id" in error_of(
        client.get(f"{BASE}/requests.json?jurisdiction_id=x.gov"), 404, "json"
    )


# --- POST requests ---------------------------------------------------------------------------


def test_post_a_request_in_xml_and_json(client, db, platform, app_key, spot) -> None:  # type: ignore[no-untyped-def]
    app, key = app_key
    root = xml_of(post(client, key, spot, **{"attribute[urgency]": "urgent"}), 201)
    assert root.tag == "service_requests"
    request = root.find("request")
    assert request is not None
    assert [c.tag for c in request] == ["service_request_id", "token", "service_notice", "account_id"]
    number = request.findtext("service_request_id") or ""
    case = db.get(Case, platform.case_id_from_number(number))
    assert platform.case_number(case) == number
    assert case.channel == cases.Channel.CITIZEN and case.reporter_id == app.account_id
    assert case.urgency == "urgent" and case.class_code == GARBAGE
    assert case.street_code.startswith("110101") and case.grid_code  # located on the grids
    assert case.proposed_department_id is not None  # routed
    assert case.description == "路口西侧有一堆生活垃圾"
    account = db.get(User, app.account_id)
    assert account.role == "citizen" and not account.active  # nobody signs in as it

    body = json_of(
        post(client, key, spot, fmt="json", first_name="Li", last_name="Lei", phone="138 0013 8000"), 201
    )
    assert isinstance(body, list) and len(body) == 1, "JSON: a one-element array"
    assert isinstance(body[0]["service_request_id"], str) and body[0]["account_id"] is None
    second = db.get(Case, platform.case_id_from_number(body[0]["service_request_id"]))
    assert contact_store.read(platform.settings, second) == contact_store.Contact("Li Lei", "13800138000")
    assert second.urgency == "normal"  # the class's default


def test_api_key_and_jurisdiction_in_the_query_string_or_empty(client, db, app_key, spot, platform) -> None:  # type: ignore[no-untyped-def]
    app, key = app_key
    data = {"service_code": GARBAGE, "lat": str(spot[1]), "long": str(spot[0]), "api_key": ""}
    r = client.post(f"{BASE}/requests.xml?api_key={key}&jurisdiction_id=", data=data)
    assert xml_of(r, 201).findtext("request/service_request_id")
    city = platform.settings.city_code
    r = client.post(f"{BASE}//requests.json?api_key=&jurisdiction_id={city}", data={**data, "api_key": key})
    assert json_of(r, 201)[0]["service_request_id"]
    assert count_cases(db, app.account_id) == 2


def test_refusals_write_nothing(client, db, platform, app_key, spot) -> None:  # type: ignore[no-untyped-def]
    app, key = app_key
    other, other_key = open311.issue_client(platform, db, f"gone-{uuid.uuid4().hex[:6]}", issuer="test")
    open311.revoke_client(platform, db, other.name)
    for api_key, message in (
        (None, "api_key is required"),
        ("", "api_key is required"),
        ("not-a-key", "not valid"),
        (other_key, "revoked"),
    ):
        assert message in error_of(post(client, api_key or "", spot), 403)
    assert "api_key is required" in error_of(post(client, "", spot, fmt="json"), 403, "json")

    refusals: list[tuple[dict[str, Any], str]] = [
        ({"service_code": ""}, "service_code is required"),
        ({"service_code": "99999"}, "unknown service_code"),
        ({"service_code": "PS0101"}, "unknown service_code"),
        ({"jurisdiction_id": "elsewhere"}, "unknown jurisdiction_id"),
        ({"lat": "", "long": ""}, "give the location"),
        ({"lat": "", "long": "", "address_string": "东华门大街1号"}, "give lat and long"),
        ({"lat": "", "long": "", "address_id": "nowhere"}, "give lat and long"),
        ({"lat": "north"}, "not a WGS84 latitude"),
        ({"lat": "95"}, "not a WGS84 latitude"),
        ({"long": ""}, "give both lat and long"),
        ({"lat": "31.23", "long": "121.47"}, "outside the city"),
        ({"description": "x" * 4001}, "longer than 4,000"),
        ({"attribute[urgency]": "very"}, "not one of normal, urgent"),
        ({"attribute[urgency]": "['normal', 'urgent']"}, "a list was sent as one string"),
        ({"attribute[colour]": "red"}, "unknown attribute 'colour'"),
        ({"phone": "call me"}, "not a phone number"),
        ({"media_url": "javascript:alert(1)"}, "media_url must be an http(s) URL"),
    ]
    for fields, message in refusals:
        status = 404 if "jurisdiction" in message else 400
        assert message in error_of(post(client, key, spot, **fields), status), fields
    assert count_cases(db, app.account_id) == 0
    # a multivaluelist-style list of values for a one-value question
    r = client.post(
        f"{BASE}/requests.json",
        data={
            "api_key": key,
            "service_code": GARBAGE,
            "lat": str(spot[1]),
            "long": str(spot[0]),
            "attribute[urgency][]": ["normal", "urgent"],
        },
    )
    assert "takes one value" in error_of(r, 400, "json")
    assert count_cases(db, app.account_id) == 0


def test_an_address_id_that_is_a_grid_code_is_located_in_that_grid(client, db, platform, key) -> None:  # type: ignore[no-untyped-def]
    code = db.scalar(
        select(Grid.code)
        .where(Grid.layer == "city_management", Grid.valid_to.is_(None), Grid.district_code == "110101")
        .order_by(Grid.code)
        .limit(1)
    )
    r = client.post(
        f"{BASE}/requests.xml", data={"api_key": key, "service_code": GARBAGE, "address_id": code}
    )
    number = xml_of(r, 201).findtext("request/service_request_id") or ""
    assert db.get(Case, platform.case_id_from_number(number)).grid_code == code


def test_request_by_id_and_by_token(client, key, spot) -> None:  # type: ignore[no-untyped-def]
    root = xml_of(post(client, key, spot), 201)
    number, token = root.findtext("request/service_request_id"), root.findtext("request/token")
    assert number and token

    request = xml_of(client.get(f"{BASE}/requests/{number}.xml")).find("request")
    assert request is not None
    fields = fields_of(request)
    assert list(fields) == REQUEST_FIELDS
    assert fields["service_request_id"] == number and fields["status"] == "open"
    assert fields["service_code"] == GARBAGE and fields["service_name"] == "暴露垃圾"
    assert moment(fields["requested_datetime"]) == T0 and moment(fields["updated_datetime"]) == T0
    assert fields["expected_datetime"] is None  # nothing clocked before the report is taken up
    assert fields["agency_responsible"], "the department the class routes to"

    body = json_of(client.get(f"{BASE}/requests/{number}.json"))
    assert isinstance(body, list) and len(body) == 1 and body[0]["service_request_id"] == number
    assert isinstance(body[0]["lat"], float) and body[0]["description"] is None

    tokens = xml_of(client.get(f"{BASE}/tokens/{token}.xml"))
    assert fields_of(tokens.find("request")) == {"service_request_id": number, "token": token}  # type: ignore[arg-type]
    assert json_of(client.get(f"{BASE}/tokens/{token}.json")) == [
        {"service_request_id": number, "token": token}
    ]
    assert "unknown token" in error_of(client.get(f"{BASE}/tokens/{'0' * 32}.xml"), 404)
    assert "unknown token" in error_of(client.get(f"{BASE}/tokens/nonsense.json"), 404, "json")
    assert "no service request" in error_of(client.get(f"{BASE}/requests/2026111699999999.xml"), 404)
    assert "no service request" in error_of(client.get(f"{BASE}/requests/abc.json"), 404, "json")
    too_big = "20261116" + "9" * 20  # more than any database id holds
    assert "no service request" in error_of(client.get(f"{BASE}/requests/{too_big}.xml"), 404)
    assert "not a service_request_id" in error_of(
        client.get(f"{BASE}/requests.xml?service_request_id={too_big}"), 400
    )
    wrong_day = f"20200101{number[8:]}"  # the right id with another date is not this request's id
    assert "no service request" in error_of(client.get(f"{BASE}/requests/{wrong_day}.xml"), 404)


def test_public_reads_show_no_words_and_a_rounded_point_the_filer_sees_all(client, key, spot) -> None:  # type: ignore[no-untyped-def]
    number = filed(client, key, spot, address_string="东华门大街1号 3单元")
    public = fields_of(xml_of(client.get(f"{BASE}/requests/{number}.xml")).find("request"))  # type: ignore[arg-type]
    assert public["description"] is None
    assert public["address"] == "东城区 " + (public["address"] or "").split(" ", 1)[1]
    assert "3单元" not in (public["address"] or "")
    assert float(public["lat"] or 0) == round(spot[1], 3) and float(public["long"] or 0) == round(spot[0], 3)

    own = fields_of(xml_of(client.get(f"{BASE}/requests/{number}.xml?api_key={key}")).find("request"))  # type: ignore[arg-type]
    assert own["description"] == "路口西侧有一堆生活垃圾" and own["address"] == "东华门大街1号 3单元"
    assert float(own["lat"] or 0) == spot[1] and float(own["long"] or 0) == spot[0]
    assert "not valid" in error_of(client.get(f"{BASE}/requests/{number}.xml?api_key=wrong"), 403)


def test_public_security_cases_are_never_served(client, db, platform, make_user, spot) -> None:  # type: ignore[no-untyped-def]
    officer = make_user("supervisor")
    case, _ = cases.report_case(
        platform,
        db,
        officer,
        cases.Report(class_code="PS0101", lon=spot[0], lat=spot[1], description="可疑人员"),
    )
    number = platform.case_number(case)
    assert "no service request" in error_of(client.get(f"{BASE}/requests/{number}.xml"), 404)
    assert listed(client, f"service_request_id={number}") == []
    assert listed(client, f"bbox={box(spot)}") == []


# --- GET requests: filters, defaults, limits ------------------------------------------------------


def test_default_window_is_the_last_90_days_and_the_span_is_limited(client, clock, key, spot) -> None:  # type: ignore[no-untyped-def]
    clock.set(T0 - timedelta(days=100))
    old = filed(client, key, spot)
    clock.set(T0 - timedelta(days=10))
    recent = filed(client, key, spot)
    clock.set(T0)
    assert [r["service_request_id"] for r in listed(client, f"bbox={box(spot)}")] == [recent]
    start = (T0 - timedelta(days=120)).date().isoformat()
    end = (T0 - timedelta(days=40)).isoformat()
    assert [
        r["service_request_id"] for r in listed(client, f"bbox={box(spot)}&start_date={start}&end_date={end}")
    ] == [old]
    # one end given: 90 days from or to it
    assert [r["service_request_id"] for r in listed(client, f"bbox={box(spot)}&start_date={start}")] == [old]
    assert [r["service_request_id"] for r in listed(client, f"bbox={box(spot)}&end_date={end}")] == [old]
    # empty parameters are as if absent
    empty = "start_date=&end_date=&status=&service_code=&page=&page_size=&extensions=&api_key="
    assert [r["service_request_id"] for r in listed(client, f"bbox={box(spot)}&{empty}")] == [recent]
    # the request ids override every other filter
    both = listed(client, f"service_request_id={old},{recent}&status=closed&service_code={LIGHTS}")
    assert {r["service_request_id"] for r in both} == {old, recent}

    too_long = "start_date=2026-01-01T00:00:00Z&end_date=2026-04-02T00:00:00Z"
    assert "90 days" in error_of(client.get(f"{BASE}/requests.xml?{too_long}"), 400)
    reversed_ = "start_date=2026-03-01T00:00:00+08:00&end_date=2026-02-01T00:00:00+08:00"
    assert "before start_date" in error_of(client.get(f"{BASE}/requests.json?{reversed_}"), 400, "json")
    assert "ISO 8601" in error_of(client.get(f"{BASE}/requests.xml?start_date=yesterday"), 400)
    assert "not a service_request_id" in error_of(
        client.get(f"{BASE}/requests.xml?service_request_id=x1"), 400
    )


def test_status_service_code_bbox_and_updated_filters(
    client, db, clock, platform, key, spot, make_user
) -> None:  # type: ignore[no-untyped-def]
    first = filed(client, key, spot)
    clock.advance(hours=1)
    second = filed(client, key, spot)
    operator = make_user("operator")
    case = db.get(Case, platform.case_id_from_number(second))
    clock.advance(hours=1)
    cases.transition(
        platform, db, operator, case.id, cases.ActionRequest("reject", case.version, "不属于城市管理问题")
    )
    here = f"bbox={box(spot)}"
    assert [r["service_request_id"] for r in listed(client, f"{here}&status=open")] == [first]
    closed = listed(client, f"{here}&status=closed")
    assert [r["service_request_id"] for r in closed] == [second]
    assert closed[0]["status"] == "closed" and "rejected" in (closed[0]["status_notes"] or "")
    assert len(listed(client, f"{here}&status=open,closed")) == 2
    assert "status is open, closed" in error_of(client.get(f"{BASE}/requests.xml?status=pending"), 400)

    assert len(listed(client, f"{here}&service_code={GARBAGE},{LIGHTS}")) == 2
    assert listed(client, f"{here}&service_code={LIGHTS}") == []
    assert "unknown service_code" in error_of(client.get(f"{BASE}/requests.xml?service_code=nope"), 400)
    assert "bbox" in error_of(client.get(f"{BASE}/requests.xml?bbox=1,2,3"), 400)
    assert "bbox" in error_of(client.get(f"{BASE}/requests.xml?bbox=117,40,116,39"), 400)

    rejected_at = (T0 + timedelta(hours=2)).isoformat()
    after = listed(client, f"{here}&updated_after={rejected_at.replace('+', '%2B')}")
    assert [r["service_request_id"] for r in after] == [second]
    before = listed(
        client, f"{here}&updated_before={(T0 + timedelta(minutes=90)).isoformat().replace('+', '%2B')}"
    )
    assert [r["service_request_id"] for r in before] == [first]
    assert "ISO 8601" in error_of(client.get(f"{BASE}/requests.xml?updated_after=soon"), 400)


def test_pages_and_page_size(client, clock, key, spot) -> None:  # type: ignore[no-untyped-def]
    numbers = []
    for _ in range(3):
        clock.advance(minutes=5)
        numbers.append(filed(client, key, spot))
    here = f"bbox={box(spot)}"
    newest_first = list(reversed(numbers))
    assert [r["service_request_id"] for r in listed(client, f"{here}&page_size=2")] == newest_first[:2]
    assert [r["service_request_id"] for r in listed(client, f"{here}&page_size=2&page=2")] == newest_first[2:]
    assert listed(client, f"{here}&page_size=2&page=3") == []
    for bad in ("page_size=0", "page_size=1001", "page_size=ten", "page=0", "page=-1"):
        assert "whole number" in error_of(client.get(f"{BASE}/requests.xml?{bad}"), 400), bad
    assert len(listed(client, f"{here}&page_size=1000")) == 3


@pytest.mark.backends("sqlite")  # the same query on both; a thousand reports once is enough
def test_at_most_1000_requests_by_default(client, db, platform, app_key, spot) -> None:  # type: ignore[no-untyped-def]
    app, _key = app_key
    account = db.get(User, app.account_id)
    for i in range(1001):
        report = cases.Report(class_code=GARBAGE, lon=spot[0] + (i % 7) * 1e-5, lat=spot[1])
        cases.report_case(platform, db, account, report)
    assert len(listed(client, f"bbox={box(spot)}")) == 1000
    assert len(listed(client, f"bbox={box(spot)}&page=2")) == 1


def test_json_requests_and_extensions(client, db, platform, clock, key, spot, make_user) -> None:  # type: ignore[no-untyped-def]
    number = filed(client, key, spot)
    operator = make_user("operator")
    case = db.get(Case, platform.case_id_from_number(number))
    clock.advance(minutes=3)
    cases.transition(
        platform, db, operator, case.id, cases.ActionRequest("comment", case.version, "reporter is 王五 138…")
    )
    db.expire_all()
    case = db.get(Case, case.id)
    clock.advance(minutes=3)
    supervisor = make_user("supervisor")
    cases.transition(
        platform,
        db,
        operator,
        case.id,
        cases.ActionRequest("send_verify", case.version, "去看看", fields={"assignee_id": supervisor.id}),
    )
    body = json_of(client.get(f"{BASE}/requests.json?bbox={box(spot)}"))
    assert isinstance(body, list) and len(body) == 1
    item = body[0]
    assert list(item) == REQUEST_FIELDS
    assert item["service_request_id"] == number and isinstance(item["service_request_id"], str)
    assert "extended_attributes" not in item and "notes" not in item
    assert item["zipcode"] is None and item["media_url"] is None
    # verification is clocked: its deadline is the expected time until the case is disposed
    assert moment(item["expected_datetime"]) == case.stage_deadline or item["expected_datetime"]

    extended = json_of(client.get(f"{BASE}/requests/{number}.json?extensions=true"))[0]
    attrs = extended["extended_attributes"]
    assert attrs["channel"] == "citizen" and attrs["state"] == "verifying"
    assert attrs["street_code"] == case.street_code and attrs["grid_code"] == case.grid_code
    assert [n["type"] for n in extended["notes"]] == ["report", "send_verify"], "no staff comments"
    assert all(moment(n["datetime"]) for n in extended["notes"])
    assert "王五" not in str(extended) and "去看看" not in str(extended)

    root = xml_of(client.get(f"{BASE}/requests.xml?bbox={box(spot)}&extensions=true"))
    request = root.find("request")
    assert request is not None and request.findtext("extended_attributes/channel") == "citizen"
    assert [n.findtext("type") for n in request.findall("notes/note")] == ["report", "send_verify"]
    assert "extensions is true or false" in error_of(client.get(f"{BASE}/requests.xml?extensions=maybe"), 400)


def test_service_request_updates_feed(client, db, platform, clock, key, spot, make_user) -> None:  # type: ignore[no-untyped-def]
    clock.set(datetime(2026, 6, 8, 9, 0, tzinfo=CST))  # a window no other test reports in
    number = filed(client, key, spot)
    case = db.get(Case, platform.case_id_from_number(number))
    clock.advance(minutes=10)
    cases.transition(
        platform, db, make_user("operator"), case.id, cases.ActionRequest("reject", case.version, "重复")
    )
    window = "start_date=2026-06-08T00:00:00%2B08:00&end_date=2026-06-09T00:00:00%2B08:00"
    root = xml_of(client.get(f"{BASE}/servicerequestupdates.xml?{window}"))
    assert root.tag == "service_request_updates"
    mine = [
        fields_of(u) for u in root.findall("request_update") if u.findtext("service_request_id") == number
    ]
    assert [u["status"] for u in mine] == ["open", "closed"]
    assert [u["external_status_code"] for u in mine] == ["reported", "rejected"]
    assert moment(mine[1]["updated_datetime"]) == datetime(2026, 6, 8, 9, 10, tzinfo=CST)
    assert all(u["update_id"] and u["update_id"].isdigit() for u in mine)
    body = json_of(client.get(f"{BASE}/servicerequestupdates.json?{window}"))
    assert [u["status"] for u in body if u["service_request_id"] == number] == ["open", "closed"]
    assert "90 days" in error_of(
        client.get(f"{BASE}/servicerequestupdates.xml?start_date=2026-01-01&end_date=2026-06-01"), 400
    )


# --- never a 500 ---------------------------------------------------------------------------------

ODD_READS = [
    "requests.xml?page=99999999999999999999",
    "requests.xml?page_size=%00",
    "requests.json?start_date=9999-99-99",
    "requests.xml?start_date=0001-01-01&end_date=0001-01-02",
    "requests.xml?start_date=9999-12-31",
    "requests.xml?updated_after=0001-01-01T00:00:00Z",
    "requests.xml?bbox=1e400,0,1,1",
    "requests.xml?service_code=%00",
    "requests.json?service_request_id=,,,",
    "requests.xml?status=%C3%28",
    "requests/%00.xml",
    "services/%00.json",
    "tokens/%00%FF.xml",
    "servicerequestupdates.xml?end_date=1900-01-01",
]


@pytest.mark.parametrize("path", ODD_READS)
def test_odd_reads_never_get_a_500(client, path: str) -> None:  # type: ignore[no-untyped-def]
    r = client.get(f"{BASE}/{path}")
    fmt = "json" if ".json" in path else "xml"
    assert r.status_code in (200, 400, 404), (path, r.text)
    if r.status_code != 200:
        assert error_of(r, r.status_code, fmt)
    elif fmt == "xml":  # a NUL is dropped: an empty parameter, as if absent
        assert xml_of(r).tag in ("service_requests", "service_request_updates")
    else:
        assert json_of(r) == []


def test_odd_posts_get_an_open311_error_never_a_500(client, db, app_key, spot) -> None:  # type: ignore[no-untyped-def]
    app, key = app_key
    for fields in (
        {"description": "垃圾\x00堆"},
        {"address_id": "\x00", "lat": "", "long": ""},
        {"lat": "1e400"},
        {"long": "nan"},
        {"attribute[urgency]": "\x00"},
        {"service_code": "\x00"},
        {"first_name": "名" * 100},
        {"address_string": "址" * 301},
        {"media_url": "https://example.org/" + "a" * 600},
    ):
        r = post(client, key, spot, **fields)
        assert r.status_code in (201, 400), (fields, r.text)
        if r.status_code == 400:
            assert error_of(r, 400)
    db.expire_all()
    stored = db.scalars(select(Case.description).where(Case.reporter_id == app.account_id)).all()
    assert "垃圾堆" in stored  # the NUL no database column can hold was dropped
    r = client.post(
        f"{BASE}/requests.xml", content=b"\xff\xfe", headers={"content-type": "multipart/form-data"}
    )
    assert r.status_code in (400, 403) and "Traceback" not in r.text
