"""The OpenAPI document tells the truth. Schemathesis reads /openapi.json and, for every operation
of /api/v1 and Open311, sends requests made from the document alone — valid ones and invalid ones —,
valid ones naming records that exist, and a few whole valid requests, as a city admin, a district
dispatcher and a caller without a token (every operation), a supervisor (reporting) and a
department's system (its API key: its operations). Every answer must be one the document declares:
no server error, a documented status, content type and headers, and a body that fits its schema
(the checks of `schemathesis run --checks` not_a_server_error, status_code_conformance,
content_type_conformance, response_headers_conformance, response_schema_conformance). Nearly every
operation must also have answered with a success, so that its success shape was checked too.

The requests write (reports, registry records, calendar days, class and component changes, rankings),
so they run against a city of their own per database, built like the shared test city, never the
shared one. Hypothesis is derandomized and bounded: the same requests every run, well under a minute
per database. How to run the same checks against a running demo: docs/api-contract.md."""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select
from tests.api.test_components import _census
from tests.conftest import BACKENDS, T0, Clock, _postgres_url
from tests.support import build_test_city, png

from gridcity.app import create_app
from gridcity.config import Settings
from gridcity.db.migrate import upgrade
from gridcity.db.models import Case, Grid, User
from gridcity.domain.registry import id_check_char
from gridcity.services import cases, integrations, open311, signin_guard, users
from gridcity.services.platform import Platform

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
DONGHUAMEN = (116.4040, 39.9140)  # 东华门街道 110101001
GARBAGE = {"class_code": "06010", "kind": "event", "standard": "GB/T 47678.5-2026"}
PASSWORD = "secret-pw"
# Requests per operation and caller: generated from the document (valid, then invalid), and valid
# ones naming the seeded records (per set of known path values).
GENERATED, NEGATIVE, KNOWN = 6, 4, 3
# Operations none of the callers here can complete: visits are the grid worker's, an extension is
# asked for before the department reports the case done (its generated requests do that first).
NO_SUCCESS_HERE = {
    "POST /api/v1/registry/visits",
    "POST /api/v1/registry/visits/{visit_id}/case",
    "POST /api/v1/integrations/cases/{case_id}/request_extension",
}


@pytest.fixture(scope="module", params=BACKENDS)
def contract_platform(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Platform]:
    """A test city of its own (东城区: territory, grids, departments, classes) on each database."""
    backend = request.param
    data_dir = tmp_path_factory.mktemp(f"contract-{backend}")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    urls = (
        _postgres_url(f"contract_{worker}")
        if backend == "postgresql"
        else iter([f"sqlite:///{data_dir / 'contract.db'}"])
    )
    url = next(urls)
    upgrade(url)
    # every request comes from one address with one clock: the address throttle would soon hold up
    # every sign-in the checks make (its 429 is documented and checked all the same)
    settings = Settings(
        database_url=url, data_dir=data_dir, signin_address_free_failures=10**6, _env_file=None
    )  # type: ignore[call-arg]
    platform = Platform(settings)
    build_test_city(platform)
    platform.now = Clock(T0)  # type: ignore[method-assign]
    yield platform
    platform.engine.dispose()
    for _ in urls:  # drops the PostgreSQL database
        pass


@dataclass
class Caller:
    headers: dict[str, str]
    asks: Callable[[str], bool] = lambda label: True  # the operations (by label) it calls
    invalid: bool = True  # also sends invalid requests


@dataclass
class City:
    """The callers, and the records and requests the checks may name."""

    callers: dict[str, Caller]
    paths: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # known path values
    requests: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # valid requests, by label


def _user(platform: Platform, role: str, unit: str) -> str:
    with platform.sessions() as db:
        name = f"contract-{role}-{uuid.uuid4().hex[:6]}"
        return users.add_user(db, name, PASSWORD, role, unit, policy=None).username  # the tests' password


def _seed(platform: Platform, client: TestClient, tmp_path: Path) -> City:
    """A few of everything, made through the API and the services as people would."""

    def login(username: str) -> dict[str, str]:
        r = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    def post(path: str, headers: dict[str, str], status: int = 201, **kwargs: Any) -> Any:
        r = client.post(path, headers=headers, **kwargs)
        assert r.status_code == status, (path, r.text)
        return r.json()

    admin = login(_user(platform, "admin", "110000"))  # the city platform's admin
    names = {role: _user(platform, role, "110101") for role in ("dispatcher", "supervisor", "shift_leader")}
    dispatcher, supervisor = login(names["dispatcher"]), login(names["supervisor"])
    worker_name = _user(platform, "grid_worker", "110101")
    worker = login(worker_name)

    # cases: one reported with a photo, one dispatched to 城管委 (for its system)
    photo = post("/api/v1/attachments", supervisor, files={"file": ("p.png", io.BytesIO(png()), "image/png")})
    body = {**GARBAGE, "lon": DONGHUAMEN[0], "lat": DONGHUAMEN[1], "description": "暴露垃圾"}
    case = post("/api/v1/cases", supervisor, json={**body, "attachment_ids": [photo["id"]]})
    another = {**body, "description": "再次发现"}
    with platform.sessions() as db:
        people = {role: db.scalar(select(User).where(User.username == name)) for role, name in names.items()}
        # a reporter who left a contact (回访联系方式), for the read in clear
        contact = {"contact_name": "张三", "contact_phone": "13800138000"}
        spot = {"lon": DONGHUAMEN[0], "lat": DONGHUAMEN[1]}
        report = cases.Report(description="部门系统", **spot, **GARBAGE, **contact)
        dispatched = cases.report_case(platform, db, people["supervisor"], report)[0].id
        department = platform.unit_id(db, "110101-CGW", "department")
        for role, action, fields in (
            ("shift_leader", "file", {}),
            ("dispatcher", "dispatch", {"department_id": department}),
        ):
            db.expire_all()
            version = db.get(Case, dispatched).version  # type: ignore[union-attr]
            request = cases.ActionRequest(action, version, note="", fields=fields)
            cases.transition(platform, db, people[role], dispatched, request)
        _, key = integrations.issue_integration(platform, db, f"cgw-{uuid.uuid4().hex[:6]}", "110101-CGW")
        _, app_key = open311.issue_client(platform, db, f"app-{uuid.uuid4().hex[:6]}", issuer="test")
        grid = db.scalar(select(Grid.code).where(Grid.layer == "city_management", Grid.valid_to.is_(None)))
        locked = f"locked-{uuid.uuid4().hex[:6]}"  # a username locked after failed sign-ins, to unlock
        for _ in range(platform.settings.signin_lock_after):
            signin_guard.failed(platform, db, locked, "192.0.2.1", None)

    # the department system's photo of the work done: 处置反馈 needs one (the class table's default)
    done_photo = post(
        "/api/v1/integrations/attachments",
        {"X-Api-Key": key},
        files={"file": ("done.png", io.BytesIO(png()), "image/png")},
    )

    # the registry: a house, its household and resident, an organisation, a thing, a visit
    lon, lat = DONGHUAMEN
    place = post(
        "/api/v1/registry/places",
        admin,
        json={"kind": "house", "name": "房1", "address": "1号", "lon": lon, "lat": lat},
    )
    household = post("/api/v1/registry/households", admin, json={"place_id": place["id"], "number": "1"})
    post(
        "/api/v1/registry/grid-staff",
        admin,
        json={"username": worker_name, "grid_code": place["ss_grid_code"]},
    )
    resident = post(
        "/api/v1/registry/residents", worker, json={"household_id": household["id"], "name": "周一"}
    )
    visit = post(
        "/api/v1/registry/visits",
        worker,
        json={"household_id": household["id"], "note": "走访", "resident_id": resident["id"]},
    )
    org = post(
        "/api/v1/registry/organisations",
        admin,
        json={"kind": "company", "name": "公司", "place_id": place["id"]},
    )
    thing = post(
        "/api/v1/registry/things", admin, json={"kind": "hazard", "name": "危险源", "lon": lon, "lat": lat}
    )
    post(f"/api/v1/cases/{case['id']}/subjects", admin, json={"kind": "place", "subject_id": place["id"]})
    # a place and a household with nothing in them, to be ended
    empty_place = post(
        "/api/v1/registry/places", admin, json={"kind": "other", "name": "空地", "lon": lon, "lat": lat}
    )
    empty_household = post(
        "/api/v1/registry/households", admin, json={"place_id": place["id"], "number": "3"}
    )
    first = f"110101{19480315}{uuid.uuid4().int % 1000:03d}"
    id_number = first + id_check_char(first)

    # components, the calendar, a webhook subscription, a published ranking
    (component,) = _census(platform, tmp_path, [(116.4120, 39.9400)])
    r = client.put("/api/v1/calendar/2026-12-31", json={"is_workday": False, "note": "测试"}, headers=admin)
    assert r.status_code == 200, r.text
    subscription = post(
        "/api/v1/webhooks/subscriptions",
        admin,
        json={"name": "contract", "url": "https://example.org/hook", "events": ["dispatched"]},
    )
    post("/api/v1/rankings/2026-10/district", admin)
    # a responsibility grid (责任网格) of the supervisor, the supervisor on duty
    held = {"username": names["supervisor"], "grid_codes": [grid]}
    post("/api/v1/supervisor-grids", admin, status=200, json=held)
    r = client.put("/api/v1/patrol/duty", json={"on_duty": True}, headers=supervisor)
    assert r.status_code == 200, r.text

    # Open311: a request filed by a client application, answered with its id and a token
    service = client.get("/open311/v2/services.json").json()[0]["service_code"]
    form = {"api_key": app_key, "service_code": service, "lat": str(lat), "long": str(lon)}
    (filed,) = post("/open311/v2/requests.json", {}, data=form)

    numbered = {"case_id": case["id"]}
    known: dict[str, list[dict[str, Any]]] = {
        "/api/v1/cases/{case_id}": [numbered],
        "/api/v1/cases/{case_id}/actions": [numbered],
        "/api/v1/cases/{case_id}/subjects": [numbered],
        "/api/v1/cases/{case_id}/contact": [{"case_id": dispatched}],
        "/api/v1/attachments/{attachment_id}": [{"attachment_id": photo["id"]}],
        "/api/v1/integrations/cases/{case_id}": [{"case_id": dispatched}],
        "/api/v1/integrations/cases/{case_id}/accept": [{"case_id": dispatched}],
        "/api/v1/integrations/cases/{case_id}/report_done": [{"case_id": dispatched}],
        "/api/v1/integrations/cases/{case_id}/request_extension": [{"case_id": dispatched}],
        "/api/v1/classes/{standard_or_code}": [{"standard_or_code": "06010"}, {"standard_or_code": "01001"}],
        "/api/v1/classes/{code}": [{"code": "01001"}],
        "/api/v1/grids/{layer}/{code}": [{"layer": "city_management", "code": grid}],
        "/api/v1/components/{code}": [{"code": component}],
        "/api/v1/calendar/{day}": [{"day": "2026-12-31"}],
        "/api/v1/rankings/{period}/{kind}": [{"period": "2026-10", "kind": "district"}],
        "/api/v1/rankings/{period}/{kind}/versions": [{"period": "2026-10", "kind": "district"}],
        "/api/v1/webhooks/subscriptions/{name}/disable": [{"name": subscription["name"]}],
        "/api/v1/export/cases.{fmt}": [{"fmt": f} for f in ("csv", "xlsx", "geojson")],
        "/api/v1/registry/places/{place_id}": [{"place_id": place["id"]}],
        "/api/v1/registry/places/{place_id}/end": [{"place_id": place["id"]}],
        "/api/v1/registry/organisations/{org_id}": [{"org_id": org["id"]}],
        "/api/v1/registry/organisations/{org_id}/end": [{"org_id": org["id"]}],
        "/api/v1/registry/things/{thing_id}": [{"thing_id": thing["id"]}],
        "/api/v1/registry/things/{thing_id}/end": [{"thing_id": thing["id"]}],
        "/api/v1/registry/households/{household_id}/end": [{"household_id": household["id"]}],
        "/api/v1/registry/residents/{resident_id}": [{"resident_id": resident["id"]}],
        "/api/v1/registry/residents/{resident_id}/move-out": [{"resident_id": resident["id"]}],
        "/api/v1/registry/visits/{visit_id}/case": [{"visit_id": visit["id"]}],
        "/api/v1/supervisor-grids/{grid_code}": [{"grid_code": grid}],
    }
    for path in (
        "discovery.{fmt}",
        "services.{fmt}",
        "requests.{fmt}",
        "servicerequestupdates.{fmt}",
    ):
        known[f"/open311/v2/{path}"] = [{"fmt": "json"}, {"fmt": "xml"}]
    known["/open311/v2/services/{service_code}.{fmt}"] = [{"service_code": service, "fmt": "json"}]
    known["/open311/v2/requests/{service_request_id}.{fmt}"] = [
        {"service_request_id": filed["service_request_id"], "fmt": f} for f in ("json", "xml")
    ]
    known["/open311/v2/tokens/{token}.{fmt}"] = [{"token": filed["token"], "fmt": "json"}]
    bbox = {"bbox": "116.38,39.88,116.45,39.97"}  # 东城区
    requests: dict[str, list[dict[str, Any]]] = {
        "POST /api/v1/auth/token": [
            {"body": {"username": names["dispatcher"], "password": PASSWORD}},
        ],
        "POST /api/v1/auth/locks/unlock": [{"body": {"username": locked, "reason": "help desk call"}}],
        "GET /api/v1/locate": [{"query": {"lon": lon, "lat": lat}}],
        "GET /api/v1/supervision-list": [{"query": {"period": "2026-10"}}],
        "POST /api/v1/calendar/confirm": [{"body": {"year": 2027}}],
        "GET /api/v1/grids": [{"query": bbox}],
        "GET /api/v1/cases.geojson": [{"query": bbox}],
        "GET /api/v1/components": [{"query": bbox}],
        "GET /api/v1/components.geojson": [{"query": bbox}],
        "GET /api/v1/components/nearest": [{"query": {"lon": 116.4120, "lat": 39.9400, "radius": 100}}],
        "PATCH /api/v1/classes/{code}": [
            {
                "path_parameters": {"code": "06010"},
                "query": {"standard": GARBAGE["standard"]},
                "body": {"limits": {"dispose": "4 work_hours"}},
            }
        ],
        "POST /api/v1/cases": [{"body": another}],
        "POST /api/v1/attachments": [{"body": {"file": png()}}],
        "POST /api/v1/integrations/attachments": [{"body": {"file": png()}}],
        "POST /api/v1/integrations/cases/{case_id}/report_done": [
            {"path_parameters": {"case_id": dispatched}, "body": {"attachment_ids": [done_photo["id"]]}}
        ],
        "POST /api/v1/cases/{case_id}/actions": [
            {
                "path_parameters": numbered,
                "body": {"action": "comment", "version": case["version"], "note": "?"},
            }
        ],
        "POST /api/v1/cases/{case_id}/contact": [
            {"path_parameters": {"case_id": dispatched}, "body": {"reason": "回访核实处置结果"}}
        ],
        "POST /api/v1/cases/{case_id}/subjects": [
            {"path_parameters": numbered, "body": {"kind": "thing", "subject_id": thing["id"]}}
        ],
        "POST /api/v1/rankings/{period}/{kind}": [
            {"path_parameters": {"period": "2026-10", "kind": "street"}}
        ],
        "POST /api/v1/webhooks/subscriptions": [
            {"body": {"name": "contract-2", "url": "https://example.org/2", "events": ["closed"]}}
        ],
        "POST /api/v1/registry/places": [{"body": {"kind": "shop", "name": "店", "lon": lon, "lat": lat}}],
        "POST /api/v1/registry/organisations": [
            {"body": {"kind": "school", "name": "校", "lon": lon, "lat": lat}}
        ],
        "POST /api/v1/registry/things": [
            {"body": {"kind": "key_facility", "name": "泵站", "lon": lon, "lat": lat}}
        ],
        "POST /api/v1/registry/households": [{"body": {"place_id": place["id"], "number": "2"}}],
        "POST /api/v1/registry/residents": [{"body": {"household_id": household["id"], "name": "周二"}}],
        "POST /api/v1/registry/residents/lookup": [{"body": {"id_number": id_number}}],
        "POST /api/v1/registry/grid-staff": [
            {"body": {"username": worker_name, "grid_code": place["ss_grid_code"]}}
        ],
        "GET /api/v1/registry/residents/{resident_id}": [
            {
                "path_parameters": {"resident_id": resident["id"]},
                "query": {"unmask": True, "reason": "核对低保资格"},
            }
        ],
        "GET /api/v1/registry/export/residents.csv": [{"query": {"reason": "核对低保资格"}}],
        "POST /api/v1/registry/places/{place_id}/end": [{"path_parameters": {"place_id": empty_place["id"]}}],
        "POST /api/v1/registry/households/{household_id}/end": [
            {"path_parameters": {"household_id": empty_household["id"]}}
        ],
        "POST /api/v1/supervisor-grids": [{"body": held}],
        "POST /api/v1/patrol/points": [
            {"body": {"points": [{"at": T0.isoformat(), "lon": lon, "lat": lat, "accuracy_m": 10}]}}
        ],
        "PUT /api/v1/patrol/duty": [{"body": {"on_duty": True}}],
        "POST /open311/v2/requests.{fmt}": [
            {"path_parameters": {"fmt": f}, "body": form, "media_type": "application/x-www-form-urlencoded"}
            for f in ("json", "xml")
        ],
    }
    reporting = {"POST /api/v1/cases", "POST /api/v1/attachments", "GET /api/v1/cases"}
    patrolling = {"GET /api/v1/me/grids", "GET /api/v1/patrol/duty", "PUT /api/v1/patrol/duty"}
    patrolling |= {"POST /api/v1/patrol/points", "GET /api/v1/patrols"}
    return City(
        callers={
            "city admin": Caller(admin),
            "dispatcher": Caller(dispatcher),
            "supervisor": Caller(supervisor, asks=(reporting | patrolling).__contains__, invalid=False),
            "no token": Caller({}, invalid=False),
            "department system": Caller({"X-Api-Key": key}, asks=lambda label: "/integrations/" in label),
        },
        paths=known,
        requests=requests,
    )


def _can_be_invalid(op: Any) -> bool:
    """Whether the document leaves room for an invalid request: a body, or a parameter that is more
    than any text (for which hypothesis would search in vain, hundreds of tries)."""
    if op.body:
        return True
    parameters = [*op.path_parameters, *op.query, *op.headers]
    plain = {"type": "string"}
    return any(
        {k: v for k, v in p.definition.get("schema", {}).items() if k not in ("title", "description")}
        != plain
        for p in parameters
    )


def _failures(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [f for group in exc.exceptions for f in _failures(group)]
    return [exc]


def test_every_answer_is_the_documented_one(contract_platform: Platform, tmp_path: Path) -> None:
    app = create_app(platform=contract_platform)
    with TestClient(app) as client:
        city = _seed(contract_platform, client, tmp_path)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 81 and all(
        op.path.startswith(("/api/v1/", "/open311/v2/")) for op in operations
    )
    findings: dict[tuple[str, str, str], str] = {}
    unsatisfiable: list[str] = []
    answered: set[tuple[str, int]] = set()
    asked = 0

    def run(caller: str, headers: dict[str, str], op: Any, strategy: Any, examples: int) -> None:
        @given(case=strategy)
        @settings(
            max_examples=examples,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def ask(case: Any) -> None:
            nonlocal asked
            asked += 1
            try:
                response = case.call(headers=headers)
                answered.add((op.label, response.status_code))
                case.validate_response(response, checks=CHECKS)
            except (Exception, BaseExceptionGroup) as exc:  # every finding is collected, then reported
                for failure in _failures(exc):
                    title = getattr(failure, "title", type(failure).__name__)
                    message = str(getattr(failure, "message", failure)).splitlines()
                    key = (caller, op.label, title)
                    findings.setdefault(key, f"{' / '.join(message[:6])[:600]}\n    {case.as_curl_command()}")

        try:
            ask()
        except Unsatisfiable:  # hypothesis found no request of the kind asked for: a gap in coverage
            unsatisfiable.append(f"{caller} · {op.label}")

    for name, caller in city.callers.items():
        for op in operations:
            if not caller.asks(op.label):
                continue
            strategies: list[tuple[Any, int]] = [(op.as_strategy(), GENERATED)]
            if caller.invalid and _can_be_invalid(op):
                strategies.append((op.as_strategy(GenerationMode.NEGATIVE), NEGATIVE))
            for values in city.paths.get(op.path, []):
                strategies.append((op.as_strategy(path_parameters=values), KNOWN))
            for request in city.requests.get(op.label, []):
                strategies.append((op.as_strategy(**request), 1))
            for strategy, examples in strategies:
                run(name, caller.headers, op, strategy, examples)

    report = "\n".join(
        f"{caller} · {label} · {title}:\n    {text}" for (caller, label, title), text in findings.items()
    )
    assert not findings, f"{len(findings)} findings in {asked} requests:\n{report}"
    assert asked > 2000 and not unsatisfiable, unsatisfiable
    succeeded = {label for label, status in answered if status < 300}
    assert {op.label for op in operations} - succeeded <= NO_SUCCESS_HERE, sorted(
        {op.label for op in operations} - succeeded - NO_SUCCESS_HERE
    )


def test_a_bare_number_is_no_date(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    """Found by schemathesis (negative data accepted): pydantic reads a number as seconds since 1970,
    so `PUT /calendar/0` set 1 January 1970. Days and moments are taken as written in ISO 8601."""
    admin = login(make_user("admin", "110000"))
    r = client.put("/api/v1/calendar/0", json={"is_workday": False}, headers=admin)
    assert r.status_code == 422 and "YYYY-MM-DD" in r.json()["detail"], r.text
    assert client.delete("/api/v1/calendar/19700101", headers=admin).status_code == 422
    for params in ({"reported_to": "0.5"}, {"reported_from": "1700000000"}):
        r = client.get("/api/v1/cases", params=params, headers=admin)
        assert r.status_code == 422 and r.json()["errors"][0]["field"].startswith("query.reported_"), r.text
    r = client.get("/api/v1/registry/access-log", params={"until": "0"}, headers=admin)
    assert r.status_code == 422, r.text
    # as written, they are read as before
    assert (
        client.get(
            "/api/v1/cases", params={"reported_from": "2026-11-01T00:00:00+08:00"}, headers=admin
        ).status_code
        == 200
    )
    naive = client.get("/api/v1/cases", params={"reported_from": "2026-11-01"}, headers=admin)
    assert naive.status_code == 422 and "timezone" in naive.json()["detail"]
    assert (
        client.get("/api/v1/registry/access-log", params={"until": "2026-11-16"}, headers=admin).status_code
        == 200
    )
