"""Seeing the platform run: the request id (`request_id`), structured JSON logs (`logs`), the
in-process Prometheus metrics (`metrics`), optional OpenTelemetry tracing (`tracing`) and the ASGI
middleware that ties them to each request (`middleware`).

It stands beside the layers, like `gridcity.config`: the services count what they do here and read
the request id from here, the entry points install it; it imports none of the layers
(pyproject.toml's import-linter contract). What lives in the database (the outbox backlog, webhook
failures, the sweep's lag) is read at scrape time by `services.metrics` instead."""
