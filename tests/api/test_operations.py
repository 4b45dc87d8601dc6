"""Operating the platform ([9]), as an operator's tools see it: /healthz and /readyz answering for
each check (and 503 when the database is gone or behind the migrations), /metrics parsed with
prometheus_client's own parser, the request id carried into the history, the outbox and the logs."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, inspect, select, text
from tests.conftest import _admin_engine, _postgres_url_of

from gridcity.app import create_app
from gridcity.config import Settings
from gridcity.db.migrate import alembic_config, upgrade
from gridcity.db.models import Case, CaseEvent, OutboxMessage, WebhookDelivery
from gridcity.observability import logs
from gridcity.services import readiness, webhooks
from gridcity.services import sweep as sweep_service
from gridcity.services.platform import Platform

LOOPBACK = ("127.0.0.1", 50123)  # a Prometheus on the same machine
DONGHUAMEN = (116.4040, 39.9140)
GARBAGE = {"class_code": "06010", "kind": "event", "standard": "GB/T 47678.5-2026"}
NOWHERE_PG = "postgresql+psycopg://postgres@127.0.0.1:1/gridcity"  # a port nothing listens on


def report_body(**extra):  # type: ignore[no-untyped-def]
    return {**GARBAGE, "lon": DONGHUAMEN[0], "lat": DONGHUAMEN[1], "description": "暴露垃圾", **extra}


@pytest.fixture
def ops(platform: Platform) -> Iterator[TestClient]:
    """A client from this machine's loopback address, as a local Prometheus scrapes."""
    with TestClient(create_app(platform=platform), client=LOOPBACK) as c:
        yield c


def scrape(ops: TestClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    r = ops.get("/metrics")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(r.text)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:  # type: ignore[type-arg]
    return samples.get((name, frozenset(labels.items())), 0.0)


# --- /healthz and /readyz ---------------------------------------------------------------------


def test_a_ready_process_says_so_check_by_check(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/healthz").json() == {"status": "ok"}
    r = client.get("/readyz")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"database", "migrations", "caches"}
    assert all(check["ok"] for check in body["checks"].values())
    migrations = body["checks"]["migrations"]
    assert migrations["current"] == migrations["head"] == list(readiness.migration_heads())
    assert set(body["checks"]["caches"]["built"]) == {"calendar", "catalogue", "territory"}


def _app_on(url: str, tmp_path) -> TestClient:  # type: ignore[no-untyped-def]
    settings = Settings(database_url=url, data_dir=tmp_path, readyz_timeout_s=5, _env_file=None)  # type: ignore[call-arg]
    return TestClient(create_app(platform=Platform(settings)))


def test_readyz_fails_while_the_database_server_is_unreachable(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with _app_on(NOWHERE_PG, tmp_path) as c:
        assert c.get("/healthz").status_code == 200  # alive: restarting it would not help
        r = c.get("/readyz")
        assert r.status_code == 503
        checks = r.json()["checks"]
        assert r.json()["status"] == "not ready"
        assert checks["database"]["ok"] is False and checks["database"]["error"] == "OperationalError"
        assert checks["migrations"]["ok"] is False and checks["caches"]["ok"] is False


@pytest.mark.skipif(
    "postgresql" not in __import__("tests.conftest").conftest.BACKENDS, reason="no PostgreSQL"
)
def test_readyz_fails_on_a_database_not_migrated_and_on_one_dropped(tmp_path) -> None:  # type: ignore[no-untyped-def]
    name = f"gridcity_test_readyz_{tmp_path.name[-8:].lower().replace('-', '_')}"
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        with _app_on(_postgres_url_of(name), tmp_path) as c:
            r = c.get("/readyz")  # reachable, but `gridcity db upgrade` never ran
            assert r.status_code == 503
            checks = r.json()["checks"]
            assert checks["database"]["ok"] is True
            assert checks["migrations"]["ok"] is False and checks["migrations"]["current"] == []
            assert checks["caches"]["ok"] is False
            c.app.state.platform.engine.dispose()  # type: ignore[attr-defined]
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            r = c.get("/readyz")
            assert r.status_code == 503 and r.json()["checks"]["database"]["ok"] is False
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.own_city
def test_the_request_id_migration_goes_down_and_up_and_readyz_sees_the_schema_behind(  # type: ignore[no-untyped-def]
    platform, db, client, make_user, login
) -> None:
    supervisor = login(make_user("supervisor"))
    assert client.post("/api/v1/cases", json=report_body(), headers=supervisor).status_code == 201
    db.close()  # nothing may hold the tables while their columns change
    url = platform.settings.effective_database_url
    script = ScriptDirectory.from_config(alembic_config(url))
    [ours] = [r for r in script.walk_revisions() if (r.path or "").endswith("_request_ids.py")]
    platform.engine.dispose()
    config = alembic_config(url)
    with platform.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, str(ours.down_revision))
    columns = inspect(platform.engine)
    for table in ("case_events", "outbox"):
        assert "request_id" not in {c["name"] for c in columns.get_columns(table)}
    r = client.get("/readyz")
    assert r.status_code == 503 and r.json()["checks"]["migrations"]["ok"] is False
    # the history stays append-only after the way down
    with platform.engine.connect() as connection, pytest.raises(Exception, match="append-only"):
        connection.execute(text("DELETE FROM case_events"))
    upgrade(url)
    platform.engine.dispose()
    columns = inspect(platform.engine)
    for table in ("case_events", "outbox"):
        assert "request_id" in {c["name"] for c in columns.get_columns(table)}
    assert client.get("/readyz").status_code == 200


# --- /metrics ---------------------------------------------------------------------------------


def test_metrics_answer_only_this_machine_or_the_token(client, ops, platform, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    refused = client.get("/metrics", headers={"Accept": "application/json"})  # not from loopback
    assert refused.status_code == 403 and "GRIDCITY_METRICS_ALLOW" in refused.json()["detail"]
    assert ops.get("/metrics").status_code == 200
    monkeypatch.setattr(platform.settings, "metrics_token", "scrape-secret-0123456789")
    assert (
        client.get("/metrics", headers={"Authorization": "Bearer scrape-secret-0123456789"}).status_code
        == 200
    )
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403


def test_metrics_move_with_requests_intake_transitions_and_the_outbox(  # type: ignore[no-untyped-def]
    client, ops, platform, db, make_user, login, clock
) -> None:
    supervisor = login(make_user("supervisor"))
    before = scrape(ops)
    made = [client.post("/api/v1/cases", json=report_body(), headers=supervisor).json() for _ in range(2)]
    assert client.get(f"/api/v1/cases/{made[0]['id']}", headers=supervisor).status_code == 200
    operator = login(make_user("operator"))
    acted = client.post(
        f"/api/v1/cases/{made[1]['id']}/actions",
        json={"action": "comment", "version": made[1]["version"], "note": "noted"},
        headers=operator,
    )
    assert acted.status_code == 200, acted.text
    clock.advance(minutes=7)
    after = scrape(ops)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("gridcity_cases_reported_total", channel="supervisor") == 2
    assert moved("gridcity_case_transitions_total", action="comment") == 1
    posted = {"method": "POST", "route": "/api/v1/cases", "status": "201"}
    assert moved("gridcity_http_requests_total", **posted) == 2
    assert moved("gridcity_http_request_duration_seconds_count", **posted) == 2
    one = {"method": "GET", "route": "/api/v1/cases/{case_id}", "status": "200"}
    assert moved("gridcity_http_requests_total", **one) == 1  # the route's template, not its path
    assert not [key for key in after if f"/cases/{made[0]['id']}" in dict(key[1]).get("route", "")]

    pending = db.scalar(select(func.count()).where(OutboxMessage.delivered_at.is_(None)))
    oldest = db.scalar(select(func.min(OutboxMessage.created_at)).where(OutboxMessage.delivered_at.is_(None)))
    assert pending >= 3  # two reports and a comment, not taken by a worker yet
    assert value(after, "gridcity_outbox_pending") == pending
    assert value(after, "gridcity_outbox_oldest_pending_age_seconds") == (clock() - oldest).total_seconds()
    assert value(after, "gridcity_outbox_oldest_pending_age_seconds") >= 7 * 60
    assert value(after, "gridcity_database_up") == 1


@pytest.mark.own_city
def test_sweep_lag_grows_while_no_sweep_runs_and_falls_after_one(
    ops, platform, db, client, make_user, login, clock
) -> None:  # type: ignore[no-untyped-def]
    supervisor = login(make_user("supervisor"))
    assert client.post("/api/v1/cases", json=report_body(), headers=supervisor).status_code == 201
    sweep_service.sweep(platform, db)
    assert value(scrape(ops), "gridcity_sweep_lag_seconds") == 0
    clock.advance(hours=30)  # the stage deadlines have come: the sweep is due to warn and escalate
    due = db.scalar(select(func.min(Case.sweep_at)).where(Case.sweep_at.is_not(None)))
    lag = value(scrape(ops), "gridcity_sweep_lag_seconds")
    assert lag == (clock() - due).total_seconds() and lag > 3600
    sweep_service.sweep(platform, db)
    db.expire_all()
    assert value(scrape(ops), "gridcity_sweep_lag_seconds") == 0


@pytest.mark.own_city
def test_webhook_failures_are_counted_from_the_database(
    ops, platform, db, client, make_user, login, clock, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    webhooks.add_subscription(platform, db, "ops-dead-receiver", "http://127.0.0.1:9/hook", ["any"])
    supervisor = login(make_user("supervisor"))
    assert client.post("/api/v1/cases", json=report_body(), headers=supervisor).status_code == 201
    before = scrape(ops)
    assert value(before, "gridcity_webhook_deliveries_retrying") == 0
    assert webhooks.deliver(platform, db).outcomes == {"retry": 1}  # nothing listens on port 9
    retrying = scrape(ops)
    assert value(retrying, "gridcity_webhook_deliveries_retrying") == 1
    assert value(retrying, "gridcity_webhook_deliveries", status="pending") == 1
    assert value(retrying, "gridcity_outbox_pending") == 0  # the worker took every event
    monkeypatch.setattr(platform.settings, "webhook_max_attempts", 2)
    clock.advance(hours=1)
    assert webhooks.deliver(platform, db).outcomes == {"failed": 1}
    given_up = scrape(ops)
    failed = db.scalar(select(func.count()).where(WebhookDelivery.status == "failed"))
    assert value(given_up, "gridcity_webhook_deliveries", status="failed") == failed == 1
    assert value(given_up, "gridcity_webhook_deliveries_retrying") == 0


def test_cache_rebuilds_are_counted(ops, platform) -> None:  # type: ignore[no-untyped-def]
    before = value(scrape(ops), "gridcity_cache_rebuilds_total", cache="calendar")
    platform.invalidate("calendar")
    assert ops.get("/readyz").status_code == 200  # builds what is missing
    assert value(scrape(ops), "gridcity_cache_rebuilds_total", cache="calendar") == before + 1


# --- the request id and the logs --------------------------------------------------------------


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The processes' real logging setup (observability.logs), writing into a buffer; the test
    run's own logging comes back afterwards."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    named = {n: (logging.getLogger(n).handlers[:], logging.getLogger(n).level) for n in ("uvicorn", "httpx")}
    buffer = io.StringIO()
    logs.configure("json", "INFO", stream=buffer)
    try:
        yield buffer
    finally:
        root.handlers[:], _ = saved[0], root.setLevel(saved[1])
        for n, (handlers, level) in named.items():
            logging.getLogger(n).handlers[:] = handlers
            logging.getLogger(n).setLevel(level)


def test_the_request_id_travels_into_history_outbox_answer_and_logs(  # type: ignore[no-untyped-def]
    client, db, make_user, login, json_log
) -> None:
    supervisor = login(make_user("supervisor"))
    r = client.post(
        "/api/v1/cases", json=report_body(), headers={**supervisor, "X-Request-ID": "intake-7f3a-0001"}
    )
    assert r.status_code == 201 and r.headers["X-Request-ID"] == "intake-7f3a-0001"
    case = r.json()
    assert case["history"][0]["request_id"] == "intake-7f3a-0001"
    stored = db.scalar(select(CaseEvent.request_id).where(CaseEvent.case_id == case["id"]))
    sent = db.scalar(select(OutboxMessage.request_id).where(OutboxMessage.case_id == case["id"]))
    assert stored == sent == "intake-7f3a-0001"

    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    [access] = [line for line in lines if line["request_id"] == "intake-7f3a-0001"]
    assert access["logger"] == "gridcity.access" and access["level"] == "INFO"
    assert (access["method"], access["route"], access["status"]) == ("POST", "/api/v1/cases", 201)
    assert access["duration_ms"] > 0
    assert datetime.fromisoformat(access["time"]).utcoffset() == timedelta(0)

    again = client.get(f"/api/v1/cases/{case['id']}", headers=supervisor)  # none offered: one made up
    made = again.headers["X-Request-ID"]
    assert (
        re.fullmatch(r"[0-9a-f]{32}", made) and again.json()["history"][0]["request_id"] == "intake-7f3a-0001"
    )
    for insane in ("has spaces in it", "x" * 65, 'quote"d', "semi;colon"):
        answered = client.get("/healthz", headers={"X-Request-ID": insane}).headers["X-Request-ID"]
        assert answered != insane and re.fullmatch(r"[0-9a-f]{32}", answered)


def test_a_log_line_written_inside_a_request_carries_its_id(tmp_path, json_log) -> None:  # type: ignore[no-untyped-def]
    with _app_on(NOWHERE_PG, tmp_path) as c:
        assert c.get("/readyz", headers={"X-Request-ID": "probe-42"}).status_code == 503
    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    [warning] = [line for line in lines if line["logger"] == "gridcity.health"]
    assert warning["level"] == "WARNING" and warning["request_id"] == "probe-42"
    assert "readyz: database failed" in warning["message"] and "OperationalError" in warning["exception"]
