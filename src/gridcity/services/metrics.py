"""The metrics that live in the database, read at scrape time (`/metrics`): whichever process
answers the scrape reports the same truth, and the worker's progress is seen without the worker
serving anything. A few index lookups per scrape (the outbox's pending index, the deliveries'
status index, the sweep's `sweep_at` index); each bounded by a statement timeout on PostgreSQL.
Every metric is listed in docs/operations.md#metrics."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from sqlalchemy import case, func, select, text
from sqlalchemy.orm import Session

from gridcity.db.models import Case, OutboxMessage, WebhookDelivery
from gridcity.services.platform import Platform

log = logging.getLogger("gridcity.metrics")

SCRAPE_TIMEOUT_MS = 2000  # a scrape must not hang on a slow database: it says it could not read


def _age(now: datetime, then: datetime | None) -> float:
    return max(0.0, (now - then).total_seconds()) if then is not None else 0.0


class DatabaseCollector:
    """A prometheus_client collector over the platform's database."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "gridcity_database_up", "1 when the metrics below could be read from the database, else 0"
        )
        try:
            with self.platform.sessions() as db:
                families = list(self._read(db))
        except Exception:  # the scrape still answers: an unreachable database is what it reports
            log.warning("metrics: the database could not be read", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _read(self, db: Session) -> Iterator[Metric]:
        if db.get_bind().dialect.name == "postgresql":
            db.execute(text(f"SET LOCAL statement_timeout = {SCRAPE_TIMEOUT_MS}"))
        now = self.platform.now()

        pending = db.scalar(select(func.count()).where(OutboxMessage.delivered_at.is_(None))) or 0
        oldest = db.scalar(
            select(OutboxMessage.created_at)
            .where(OutboxMessage.delivered_at.is_(None))
            .order_by(OutboxMessage.id)
            .limit(1)
        )
        yield _gauge("gridcity_outbox_pending", "Outbox events not yet taken by the worker", pending)
        yield _gauge(
            "gridcity_outbox_oldest_pending_age_seconds",
            "Age of the oldest outbox event not yet taken by the worker (0 when none)",
            _age(now, oldest),
        )

        by_status = dict(
            db.execute(
                select(WebhookDelivery.status, func.count())
                .where(WebhookDelivery.status.in_(("pending", "failed")))
                .group_by(WebhookDelivery.status)
            ).all()
        )
        deliveries = GaugeMetricFamily(
            "gridcity_webhook_deliveries",
            "Webhook deliveries waiting to be sent (pending) and given up after the last attempt (failed)",
            labels=["status"],
        )
        for status in ("pending", "failed"):
            deliveries.add_metric([status], by_status.get(status, 0))
        yield deliveries
        retrying, oldest_delivery = db.execute(
            select(
                func.coalesce(func.sum(case((WebhookDelivery.attempts > 0, 1), else_=0)), 0),
                func.min(WebhookDelivery.created_at),
            ).where(WebhookDelivery.status == "pending")
        ).one()
        yield _gauge(
            "gridcity_webhook_deliveries_retrying",
            "Pending webhook deliveries whose receiver failed at least once (waiting for a retry)",
            int(retrying),
        )
        yield _gauge(
            "gridcity_webhook_oldest_pending_age_seconds",
            "Age of the oldest pending webhook delivery (0 when none)",
            _age(now, oldest_delivery),
        )

        due = db.scalar(select(func.min(Case.sweep_at)).where(Case.sweep_at.is_not(None)))
        yield _gauge(
            "gridcity_sweep_lag_seconds",
            "How long past due the oldest case waiting for the deadline sweep is (0 when none is due)",
            _age(now, due),
        )


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)
