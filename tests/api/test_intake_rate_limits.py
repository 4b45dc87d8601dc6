"""Rate limits on anonymous intake (services.rate_limits, the `limits` library): the portal's report
form per client address, Open311 POST per api_key — a throttled intake answers 429 with
Retry-After in seconds, on the portal's page and in Open311's own error document, and nothing is
written for it. The limits count in real time (a moving window), so each test gives itself small
ones and keys of its own."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.api.test_open311 import error_of, json_of, xml_of
from tests.web.test_portal import report_form

from gridcity.app import create_app
from gridcity.config import Settings
from gridcity.db.models import Case
from gridcity.domain.errors import TooManyRequests
from gridcity.services import open311
from gridcity.services.platform import Platform
from gridcity.services.rate_limits import OPEN311_POST, IntakeLimits

SPOT = {"lat": "39.9207", "long": "116.4053"}


@pytest.fixture
def limits_of(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """limits_of(portal=..., open311=..., storage=...): the platform's intake limits from now on."""

    def set_limits(
        portal: str = "1000/minute", open311: str = "1000/minute", storage: str = "memory://"
    ) -> None:
        settings = Settings(  # type: ignore[call-arg]
            portal_report_rate=portal, open311_post_rate=open311, rate_limit_storage=storage, _env_file=None
        )
        monkeypatch.setattr(platform, "intake_limits", IntakeLimits(settings))

    return set_limits


@pytest.fixture
def browser_at(platform: Platform) -> Iterator[Callable[[str], TestClient]]:
    app = create_app(platform=platform)
    opened: list[TestClient] = []

    def at(address: str) -> TestClient:
        client = TestClient(app, client=(address, 5000))
        client.__enter__()
        opened.append(client)
        return client

    yield at
    for client in opened:
        client.__exit__(None, None, None)


def _cases(db) -> int:  # type: ignore[no-untyped-def]
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(Case)) or 0)


def test_the_portal_takes_so_many_reports_an_hour_from_one_address(limits_of, browser_at, db) -> None:  # type: ignore[no-untyped-def]
    limits_of(portal="2/hour")
    citizen = browser_at("203.0.113.50")
    for _ in range(2):
        assert citizen.post("/portal/report", data=report_form(citizen)).status_code == 201
    before = _cases(db)
    typed = report_form(citizen, description="第三次上报：路口垃圾")
    refused = citizen.post("/portal/report", data=typed)
    assert refused.status_code == 429
    wait = int(refused.headers["Retry-After"])
    assert 0 < wait <= 3600 and f"请 {wait} 秒后再试" in refused.text
    assert "第三次上报：路口垃圾" in refused.text  # what was typed is still there
    assert _cases(db) == before  # nothing written
    citizen.cookies.set("gridcity_lang", "en")
    english = citizen.post("/portal/report", data=report_form(citizen))
    assert english.status_code == 429 and "too many submissions from here" in english.text
    # a neighbour at another address is not held up
    neighbour = browser_at("203.0.113.51")
    assert neighbour.post("/portal/report", data=report_form(neighbour)).status_code == 201


def test_open311_takes_so_many_requests_a_minute_per_api_key(limits_of, client, platform, db) -> None:  # type: ignore[no-untyped-def]
    limits_of(open311="2/minute")
    services = client.get("/open311/v2/services.json").json()
    code = next(s["service_code"] for s in services if "垃圾" in s["service_name"])
    _, key = open311.issue_client(platform, db, f"app-{uuid.uuid4().hex[:6]}", issuer="test")
    form = {"api_key": key, "service_code": code, **SPOT}
    for _ in range(2):
        json_of(client.post("/open311/v2/requests.json", data=form), 201)
    before = _cases(db)
    refused = client.post("/open311/v2/requests.json", data=form)
    assert "too many submissions" in error_of(refused, 429, "json")
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    as_xml = client.post("/open311/v2/requests.xml", data=form)
    root = xml_of(as_xml, 429)
    assert root.tag == "errors" and root.findtext("error/code") == "429"
    assert int(as_xml.headers["Retry-After"]) > 0
    assert _cases(db) == before
    # another client application has its own count
    _, other = open311.issue_client(platform, db, f"app-{uuid.uuid4().hex[:6]}", issuer="test")
    json_of(client.post("/open311/v2/requests.json", data={**form, "api_key": other}), 201)


def test_a_bad_rate_stops_the_start_with_the_setting_named() -> None:
    with pytest.raises(ValueError, match="GRIDCITY_PORTAL_REPORT_RATE"):
        Settings(portal_report_rate="lots", _env_file=None)  # type: ignore[call-arg]


def test_processes_sharing_redis_share_the_count() -> None:
    """Two processes' limiters over one Redis count together (the real Redis at 127.0.0.1:6379)."""
    storage = "redis://127.0.0.1:6379/15"  # the counted key below is new to this test
    settings = Settings(open311_post_rate="3/minute", rate_limit_storage=storage, _env_file=None)  # type: ignore[call-arg]
    one, two = IntakeLimits(settings), IntakeLimits(settings)
    key = uuid.uuid4().hex
    one.hit(OPEN311_POST, key)
    two.hit(OPEN311_POST, key)
    one.hit(OPEN311_POST, key)
    with pytest.raises(TooManyRequests):
        two.hit(OPEN311_POST, key)
