"""Optional OpenTelemetry tracing (GRIDCITY_TRACING): a server span per request, named by its route
template, carrying the request id and continuing the caller's trace; nothing of the SDK loaded
while it is off."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from gridcity.app import create_app
from gridcity.config import Settings
from gridcity.services.platform import Platform

_EXPORTER = InMemorySpanExporter()


@pytest.fixture(scope="module")
def exporter() -> InMemorySpanExporter:
    """The process's tracer provider, as `opentelemetry-instrument` or a city's setup would make
    it, exporting into memory (a provider can be set once per process: only this module sets it)."""
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(_EXPORTER))
        trace.set_tracer_provider(provider)
    return _EXPORTER


def traced_app(tmp_path: Path) -> FastAPI:
    """The app with tracing on; what these requests ask needs no database (the tracing does not
    depend on it)."""
    settings = Settings(data_dir=tmp_path, tracing=True, _env_file=None)  # type: ignore[call-arg]
    return create_app(platform=Platform(settings))


@pytest.fixture
def traced(tmp_path: Path, exporter: InMemorySpanExporter) -> Iterator[TestClient]:
    exporter.clear()
    with TestClient(traced_app(tmp_path)) as c:
        yield c


def test_each_request_is_one_server_span_with_its_route_and_request_id(
    traced: TestClient, exporter: InMemorySpanExporter
) -> None:
    caller_trace, caller_span = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
    r = traced.get(
        "/api/v1/cases/12345",
        headers={"X-Request-ID": "traced-0001", "traceparent": f"00-{caller_trace}-{caller_span}-01"},
    )
    assert r.status_code == 401
    traced.get("/no/such/page", headers={"Accept": "application/json"})
    first, second = exporter.get_finished_spans()  # one per request: FastAPI's own spans are off
    assert first.name == "GET /api/v1/cases/{case_id}" and first.kind == SpanKind.SERVER
    assert first.attributes["gridcity.request_id"] == "traced-0001"
    assert first.attributes["http.route"] == "/api/v1/cases/{case_id}"
    assert first.attributes["http.response.status_code"] == 401
    assert format(first.context.trace_id, "032x") == caller_trace  # the caller's trace goes on
    assert first.parent is not None and format(first.parent.span_id, "016x") == caller_span
    assert second.name == "GET <unmatched>" and second.attributes["http.response.status_code"] == 404
    assert re.fullmatch(r"[0-9a-f]{32}", str(second.attributes["gridcity.request_id"]))  # one made up
    assert second.context.trace_id != first.context.trace_id


def test_a_failing_request_marks_its_span_as_an_error(tmp_path: Path, exporter: InMemorySpanExporter) -> None:
    exporter.clear()
    app = traced_app(tmp_path)

    @app.get("/boom-for-tracing", include_in_schema=False)
    def boom() -> None:
        raise RuntimeError("a fault of the platform")

    with TestClient(app, raise_server_exceptions=False) as c:
        assert c.get("/boom-for-tracing", headers={"Accept": "application/json"}).status_code == 500
    [span] = exporter.get_finished_spans()
    assert span.status.status_code == StatusCode.ERROR and span.attributes["http.response.status_code"] == 500


def test_tracing_off_loads_nothing_of_the_sdk(tmp_path: Path) -> None:
    """Off (the default), the app is made without the OpenTelemetry SDK ever imported (the API
    package comes with FastAPI itself)."""
    code = (
        "import sys\n"
        "from gridcity.app import create_app\n"
        "create_app()\n"
        "print(sorted(m for m in sys.modules if m.startswith('opentelemetry.sdk')))\n"
    )
    env = {**os.environ, "GRIDCITY_DATA_DIR": str(tmp_path)}
    env.pop("GRIDCITY_TRACING", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_without_a_provider_of_its_own_the_environment_chooses_the_exporter(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A city that sets no tracer provider gets one from the OTEL_* environment: `console` and
    `none` are known, an unknown exporter or OTLP without its package is said in the log (spans are
    made, nothing is sent) — never a failed start."""
    from gridcity.observability import tracing

    for name, said in (
        ("none", None),
        ("zipkin", "zipkin is not known"),
        ("otlp", "opentelemetry-exporter-otlp"),
    ):
        caplog.clear()
        monkeypatch.setenv("OTEL_TRACES_EXPORTER", name)
        quiet = tracing._provider_from_environment()
        with quiet.get_tracer("test").start_as_current_span("GET /healthz"):
            pass
        quiet.shutdown()
        warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
        assert (said is None and not warnings) or any(said in w for w in warnings), (name, warnings)
