"""Optional OpenTelemetry tracing: a server span per request, with its route template, status and
request id (`gridcity.request_id`), continuing the caller's trace when a `traceparent` header
comes with the request.

Off by default (GRIDCITY_TRACING=false): nothing of OpenTelemetry is imported then. On, it needs the
`tracing` extra (`pip install 'gridcity[tracing]'`) and uses the tracer provider already set up in
the process (e.g. by `opentelemetry-instrument`); with none, it sets one up from the standard
OTEL_* environment — OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES for the resource,
OTEL_TRACES_SAMPLER for sampling, OTEL_TRACES_EXPORTER `otlp` (the default: needs an OTLP
exporter package, opentelemetry-exporter-otlp), `console` or `none`."""

from __future__ import annotations

import logging
import os
from collections.abc import MutableMapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only for the type checker: no import cost when tracing is off
    from opentelemetry.trace import Span, Tracer

log = logging.getLogger("gridcity.tracing")


class TracingUnavailable(RuntimeError):
    """GRIDCITY_TRACING is on but OpenTelemetry is not installed."""


class RequestTracing:
    """Starts and ends the server span of each request for `observability.middleware`."""

    def __init__(self, tracer: Tracer) -> None:
        from opentelemetry import context, propagate, trace
        from opentelemetry.trace import SpanKind, Status, StatusCode

        self.tracer = tracer
        self._context, self._propagate, self._trace = context, propagate, trace
        self._server, self._status, self._error = SpanKind.SERVER, Status, StatusCode.ERROR

    def start(self, scope: MutableMapping[str, Any], request_id: str) -> tuple[Span, object]:
        """Open the request's span (a child of the caller's `traceparent`, if any) and make it
        current; returns it and the token to `finish` with."""
        carrier = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", ())}
        parent = self._propagate.extract(carrier)
        method = scope.get("method", "")
        span = self.tracer.start_span(
            method,  # renamed to "METHOD /route/{template}" once the route is known
            context=parent,
            kind=self._server,
            attributes={
                "http.request.method": method,
                "url.path": scope.get("path", ""),
                "url.scheme": scope.get("scheme", "http"),
                "gridcity.request_id": request_id,
            },
        )
        token = self._context.attach(self._trace.set_span_in_context(span, parent))
        return span, token

    def finish(
        self, span: Span, token: object, method: str, route: str, status: int, error: BaseException | None
    ) -> None:
        span.update_name(f"{method} {route}")
        span.set_attribute("http.route", route)
        span.set_attribute("http.response.status_code", status)
        if error is not None:
            span.record_exception(error)
        if error is not None or status >= 500:
            span.set_status(self._status(self._error))
        span.end()
        self._context.detach(token)  # type: ignore[arg-type]


def request_tracing(enabled: bool) -> RequestTracing | None:
    """The tracing of requests when enabled (GRIDCITY_TRACING), else None (and no import)."""
    if not enabled:
        return None
    try:
        from opentelemetry import trace
    except ImportError as exc:
        raise TracingUnavailable(
            "GRIDCITY_TRACING is on but OpenTelemetry is not installed: pip install 'gridcity[tracing]'"
        ) from exc
    if isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        trace.set_tracer_provider(_provider_from_environment())
    from gridcity import __version__

    return RequestTracing(trace.get_tracer("gridcity", __version__))


def _provider_from_environment() -> Any:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

    provider = TracerProvider()  # resource and sampler from the OTEL_* environment
    name = os.environ.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower()
    exporter: Any = None
    if name == "console":
        exporter = ConsoleSpanExporter()
    elif name == "otlp":
        exporter = _otlp_exporter()
    elif name != "none":
        log.warning(
            "OTEL_TRACES_EXPORTER=%s is not known here (otlp, console, none): no spans exported", name
        )
    if exporter is not None:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def _otlp_exporter() -> Any:
    protocol = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or os.environ.get(
        "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"
    )
    try:
        if protocol == "grpc":
            from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
        else:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    except ImportError:
        log.warning(
            "OTEL_TRACES_EXPORTER=otlp needs an OTLP exporter (pip install opentelemetry-exporter-otlp): "
            "spans are made but not exported"
        )
        return None
    return OTLPSpanExporter()
