"""Open311 end to end: a request filed by a client application through GeoReport v2 becomes a case
that the platform's people handle through the workflow on a moving clock, and the client reads it
back closed, with `expected_datetime` the case's disposal deadline (on SQLite and PostgreSQL).
And the administrator's side: API keys issued, listed and revoked from the command line; the
demo's client application with the key `demo`."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.conftest import CST
from tests.support import photos_for
from typer.testing import CliRunner

from gridcity.app import create_app
from gridcity.cli import app as cli_app
from gridcity.config import Settings
from gridcity.db.models import Case, Open311Client
from gridcity.services import cases, demo, open311
from gridcity.services.demo import data_file
from gridcity.services.platform import Platform

BASE = "/open311/v2"
CGW = "110101-CGW"  # 东城区城管委: where exposed garbage in 东城区 goes
SPOT = (116.4187, 39.9321)  # in 东城区, a spot of this file's own
MONDAY = datetime(2026, 7, 6, 9, 0, tzinfo=CST)  # a working Monday no other test reports on


def request_fields(client: TestClient, number: str, key: str) -> dict[str, str | None]:
    r = client.get(f"{BASE}/requests/{number}.xml?api_key={key}&extensions=true")
    assert r.status_code == 200 and r.headers["content-type"] == "text/xml; charset=utf-8"
    request = ET.fromstring(r.content).find("request")
    assert request is not None
    return {child.tag: child.text for child in request}


def test_a_request_is_handled_through_the_workflow_and_read_back_closed(
    platform, db, client, clock, make_user
) -> None:  # type: ignore[no-untyped-def]
    app, key = open311.issue_client(platform, db, "flow-app", issuer="test")
    clock.set(MONDAY)
    r = client.post(
        f"{BASE}/requests.json",
        data={
            "api_key": key,
            "service_code": "06010",
            "lat": str(SPOT[1]),
            "long": str(SPOT[0]),
            "description": "小区门口垃圾堆了三天",
            "attribute[urgency]": "normal",
        },
    )
    assert r.status_code == 201, r.text
    number = r.json()[0]["service_request_id"]
    case_id = platform.case_id_from_number(number)
    assert request_fields(client, number, key)["status"] == "open"

    operator, supervisor = make_user("operator"), make_user("supervisor")
    leader, dispatcher, handler = (
        make_user("shift_leader"),
        make_user("dispatcher"),
        make_user("handler", CGW),
    )
    cgw = platform.unit_id(db, CGW, "department")

    def act(user: Any, action: str, minutes: int, **fields: Any) -> Case:
        clock.advance(minutes=minutes)
        db.expire_all()
        case = db.get(Case, case_id)
        assert case is not None
        photos = photos_for(platform, db, user, action)
        request = cases.ActionRequest(action, case.version, f"{action} (test)", fields, photos)
        return cases.transition(platform, db, user, case_id, request)

    act(operator, "send_verify", 5, assignee_id=supervisor.id)
    verifying = request_fields(client, number, key)
    assert verifying["status"] == "open"
    db.expire_all()
    verify_deadline = db.get(Case, case_id).stage_deadline  # type: ignore[union-attr]
    assert (
        datetime.fromisoformat(verifying["expected_datetime"] or "") == verify_deadline
    )  # the running stage
    act(supervisor, "verify_ok", 20)
    act(leader, "file", 5)
    dispatched = act(dispatcher, "dispatch", 5, department_id=cgw)
    assert request_fields(client, number, key)["agency_responsible"] == "东城区城市管理委员会"
    disposal_deadline = dispatched.stage_deadline
    assert disposal_deadline is not None
    in_disposal = request_fields(client, number, key)
    assert datetime.fromisoformat(in_disposal["expected_datetime"] or "") == disposal_deadline
    act(handler, "accept", 10)
    act(handler, "report_done", 90)
    act(operator, "assign_check", 5, assignee_id=supervisor.id)
    act(supervisor, "check_pass", 30)
    closed_case = act(leader, "close", 10)
    assert closed_case.state == "closed" and closed_case.dispose_deadline == disposal_deadline

    fields = request_fields(client, number, key)
    assert fields["status"] == "closed" and "closed" in (fields["status_notes"] or "")
    assert datetime.fromisoformat(fields["expected_datetime"] or "") == closed_case.dispose_deadline
    assert datetime.fromisoformat(fields["updated_datetime"] or "") == clock.t
    assert fields["description"] == "小区门口垃圾堆了三天"  # the filing application reads its own words
    listed = client.get(f"{BASE}/requests.json?service_request_id={number}&extensions=true").json()
    assert [n["type"] for n in listed[0]["notes"]] == [
        "report",
        "send_verify",
        "verify_ok",
        "file",
        "dispatch",
        "accept",
        "report_done",
        "assign_check",
        "check_pass",
        "close",
    ]
    assert listed[0]["description"] is None  # the public does not
    assert (
        client.get(f"{BASE}/requests.json?status=closed&bbox=116.4185,39.9319,116.4189,39.9323").json()[0][
            "service_request_id"
        ]
        == number
    )
    updates = client.get(
        f"{BASE}/servicerequestupdates.json?start_date={MONDAY.date().isoformat()}"
        f"&end_date={(MONDAY + timedelta(days=2)).date().isoformat()}"
    ).json()
    mine = [u for u in updates if u["service_request_id"] == number]
    assert len(mine) == 10 and mine[-1]["status"] == "closed" and mine[-2]["status"] == "open"
    assert app.name == "flow-app"


def test_the_demo_client_application_has_the_key_demo(platform, db, client) -> None:  # type: ignore[no-untyped-def]
    open311.ensure_demo_client(platform, db)
    assert open311.ensure_demo_client(platform, db) is False  # registered once
    row = db.scalar(select(Open311Client).where(Open311Client.name == "demo"))
    assert row is not None and row.key_hash != "demo" and row.active  # only a hash is stored
    assert row.issued_by == "gridcity demo"
    assert demo.OPEN311_KEY == open311.DEMO_KEY == "demo"
    r = client.get(f"{BASE}/requests.xml?api_key=demo&status=closed")
    assert r.status_code == 200, r.text


# --- the command line ------------------------------------------------------------------------


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GRIDCITY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("GRIDCITY_DATABASE_URL", raising=False)
    runner = CliRunner()

    def invoke(*args: str) -> tuple[int, str]:
        result = runner.invoke(cli_app, list(args))
        return result.exit_code, result.output

    return invoke


def _reads_with(settings_dir: Path, key: str) -> int:
    """The status of a read with this api_key against the command line's database."""
    platform = Platform(Settings(data_dir=settings_dir, _env_file=None))  # type: ignore[call-arg]
    try:
        with TestClient(create_app(platform=platform)) as client:
            return client.get(f"{BASE}/requests.xml?api_key={key}").status_code
    finally:
        platform.engine.dispose()


def test_clients_are_added_listed_and_revoked_from_the_command_line(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, out = run("open311", "clients", "add", "city-app")
    assert code == 1 and "import it before" in out and "Traceback" not in out
    code, out = run("import", "districts", str(data_file("beijing", "beijing_districts_wgs84.geojson")))
    assert code == 0

    code, out = run("open311", "clients", "add", "city-app")
    assert code == 0 and "shown only now" in out
    key = out.strip().splitlines()[-1]
    assert len(key) >= 24 and " " not in key
    assert _reads_with(tmp_path / "data", key) == 200
    code, out = run("open311", "clients", "add", "city-app")
    assert code == 1 and "exists already" in out
    code, out = run("open311", "clients", "add", "no spaces please")
    assert code == 1 and "not an Open311 client name" in out

    code, out = run("open311", "clients", "list")
    assert code == 0 and "city-app" in out and "active" in out and "command line" in out
    assert key not in out  # the key is never shown again

    code, out = run("open311", "clients", "revoke", "city-app")
    assert code == 0 and "revoked" in out
    code, out = run("open311", "clients", "list")
    assert "revoked" in out
    assert _reads_with(tmp_path / "data", key) == 403
    code, out = run("open311", "clients", "revoke", "nobody")
    assert code == 1 and "no Open311 client named 'nobody'" in out


def test_the_demo_prints_the_open311_base_url_and_key(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # a database the demo was built in before (its dispatcher exists): the demo starts on it
    assert run("import", "districts", str(data_file("beijing", "beijing_districts_wgs84.geojson")))[0] == 0
    assert (
        run(
            "users",
            "add",
            "dispatcher",
            "--role",
            "dispatcher",
            "--unit",
            "110101",
            "--password",
            "manhole-cover-2026",
        )[0]
        == 0
    )
    code, out = run("demo", "--build-only", "--port", "8311")
    assert code == 0, out
    assert "http://127.0.0.1:8311/open311/v2/" in out and "API key: demo" in out
    assert _reads_with(tmp_path / "data", "demo") == 200
    assert run("demo", "--build-only")[0] == 0  # a second start keeps the one client
    code, out = run("open311", "clients", "list")
    assert code == 0 and "gridcity demo" in out and "active" in out


# --- the admin page ---------------------------------------------------------------------------


def test_the_city_admin_issues_and_revokes_keys_on_the_admin_page(client, make_user) -> None:  # type: ignore[no-untyped-def]
    from tests.web.test_pages import csrf_of, sign_in

    sign_in(client, make_user("admin", "110101"))
    page = client.get("/admin/open311")
    assert page.status_code == 200 and "open311-add" not in page.text  # a district admin cannot
    refused = client.post("/admin/open311/clients", data={"csrf_token": csrf_of(page.text), "name": "x-app"})
    assert refused.status_code == 403

    sign_in(client, make_user("admin", "110000"))
    page = client.get("/admin/open311")
    assert page.status_code == 200 and 'href="/admin/open311"' in page.text
    token = csrf_of(page.text)
    name = f"page-app-{uuid.uuid4().hex[:6]}"
    r = client.post("/admin/open311/clients", data={"csrf_token": token, "name": name})
    assert r.status_code == 201
    key = r.text.split('id="open311-key">', 1)[1].split("<", 1)[0]
    assert client.get(f"{BASE}/requests.xml?api_key={key}").status_code == 200
    listing = client.get("/admin/open311").text
    assert f'data-client="{name}"' in listing and key not in listing  # shown once only
    again = client.post("/admin/open311/clients", data={"csrf_token": token, "name": name})
    assert again.status_code == 409 and "已存在" in again.text
    r = client.post(
        "/admin/open311/clients/revoke", data={"csrf_token": token, "name": name}, follow_redirects=False
    )
    assert r.status_code == 303
    assert client.get(f"{BASE}/requests.xml?api_key={key}").status_code == 403
    forged = client.post("/admin/open311/clients", data={"csrf_token": "0" * 64, "name": "forged-app"})
    assert forged.status_code == 403 and "forged-app" not in client.get("/admin/open311").text
