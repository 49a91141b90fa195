"""Prometheus metrics: the HTTP series every app records, and hooks services update.

Labels carry route templates (`/v1/cases/{case_id}`), never raw paths: a path
can hold a reference or an id, and a label value is kept by the monitoring
system for as long as its retention allows. Nothing in a label may identify a
person or a case.

One process serves one service in production; the `service` label still names
it, so that series stay apart when several apps share a process (tests, the
embedded runner). A uvicorn started with several workers needs prometheus
multiprocess mode; the deployments here run one worker per container instead.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    start_http_server,
)
from starlette.types import ASGIApp, Receive, Scope, Send

from ombuds_shared.asgi import HttpMiddleware, ResponseStatus, method_label
from ombuds_shared.request_context import route_template

__all__ = [
    "IN_FLIGHT",
    "SHED",
    "MetricsMiddleware",
    "certificate",
    "metrics_router",
    "webhook_backlog",
    "webhook_delivery",
]

HTTP_REQUESTS = Counter(
    "ombuds_http_requests",
    "HTTP requests served, by route template and status code.",
    ["service", "method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "ombuds_http_request_duration_seconds",
    "Time to serve an HTTP request, by route template.",
    ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
HTTP_ERRORS = Counter(
    "ombuds_http_request_errors",
    "HTTP requests answered with a server error (5xx), by route template.",
    ["service", "method", "route"],
)
OUTBOX_BACKLOG = Gauge(
    "ombuds_outbox_backlog",
    "Outbox events not yet delivered, as last seen by the relay.",
    ["service"],
)
OUTBOX_OLDEST_AGE = Gauge(
    "ombuds_outbox_oldest_age_seconds",
    "Age of the oldest undelivered outbox event (0 when none is pending).",
    ["service"],
)
OUTBOX_DELIVERED = Counter(
    "ombuds_outbox_delivered",
    "Outbox events delivered to the gateway's event ingress.",
    ["service"],
)
OUTBOX_FAILURES = Counter(
    "ombuds_outbox_delivery_failures",
    "Outbox delivery attempts that failed and will be retried.",
    ["service"],
)
RETENTION_RUNS = Counter(
    "ombuds_retention_runs",
    "Retention runs, by outcome (completed or failed).",
    ["service", "outcome"],
)
RETENTION_DESTROYED = Counter(
    "ombuds_retention_destroyed",
    "Records whose confidential content a retention run destroyed, by kind.",
    ["service", "kind"],
)
CERTIFICATES = Counter(
    "ombuds_certificates",
    "Mediation certificates, by action (issued, revoked, reissued).",
    ["service", "action"],
)
WEBHOOK_DELIVERIES = Counter(
    "ombuds_webhook_deliveries",
    "Webhook delivery attempts, by outcome (delivered, failed and retried, dead_letter).",
    ["service", "outcome"],
)
WEBHOOK_BACKLOG = Gauge(
    "ombuds_webhook_backlog",
    "Webhook deliveries waiting to be delivered (pending, not dead-lettered), as last seen "
    "by the dispatcher.",
    ["service"],
)
IN_FLIGHT = Gauge(
    "ombuds_http_in_flight_requests",
    "Requests being served now, as counted by the load-shedding limit.",
    ["service"],
)
SHED = Counter(
    "ombuds_http_shed_requests",
    "Requests refused with 503 because the concurrency limit was reached (load shed).",
    ["service"],
)


def observe_outbox(service: str, *, backlog: int, oldest_age_seconds: float) -> None:
    """Records what a relay pass saw: pending events and how long the oldest has waited."""
    OUTBOX_BACKLOG.labels(service).set(backlog)
    OUTBOX_OLDEST_AGE.labels(service).set(max(0.0, oldest_age_seconds))


def outbox_delivered(service: str, count: int = 1) -> None:
    """Counts events a relay delivered."""
    OUTBOX_DELIVERED.labels(service).inc(count)


def outbox_failed(service: str, count: int = 1) -> None:
    """Counts delivery attempts that failed."""
    OUTBOX_FAILURES.labels(service).inc(count)


def retention_run(service: str, *, outcome: str, destroyed: dict[str, int] | None = None) -> None:
    """Counts a retention run and what it destroyed (kinds such as notes, identities)."""
    RETENTION_RUNS.labels(service, outcome).inc()
    for kind, count in (destroyed or {}).items():
        RETENTION_DESTROYED.labels(service, kind).inc(count)


def certificate(service: str, action: str = "issued") -> None:
    """Counts a certificate issued, revoked or re-issued."""
    CERTIFICATES.labels(service, action).inc()


def webhook_delivery(service: str, outcome: str) -> None:
    """Counts a webhook delivery attempt: delivered, failed (to be retried) or dead_letter."""
    WEBHOOK_DELIVERIES.labels(service, outcome).inc()


def webhook_backlog(service: str, pending: int) -> None:
    """Records how many webhook deliveries wait."""
    WEBHOOK_BACKLOG.labels(service).set(pending)


class MetricsMiddleware(HttpMiddleware):
    """Counts and times every HTTP request by route template and status."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        super().__init__(app)
        self.service = service
        # The labelled series, looked up once: prometheus_client's labels() costs more
        # than the increment, and the set is bounded (route templates x methods x statuses).
        self._series: dict[tuple[str, str, int], _Series] = {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        sent = ResponseStatus(send)
        try:
            await self.app(scope, receive, sent)
        finally:
            key = (method_label(scope), route_template(scope), sent.status)
            series = self._series.get(key)
            if series is None:
                series = self._series[key] = _Series.of(self.service, *key)
            series.requests.inc()
            series.latency.observe(time.perf_counter() - started)
            if series.errors is not None:
                series.errors.inc()


@dataclass(frozen=True)
class _Series:
    """The series one (method, route, status) of a service's requests count in."""

    requests: Any
    latency: Any
    errors: Any | None  # server errors only

    @classmethod
    def of(cls, service: str, method: str, route: str, status: int) -> _Series:
        errors = HTTP_ERRORS.labels(service, method, route) if status >= 500 else None
        return cls(
            HTTP_REQUESTS.labels(service, method, route, str(status)),
            HTTP_LATENCY.labels(service, method, route),
            errors,
        )


def metrics_router(registry: CollectorRegistry = REGISTRY) -> APIRouter:
    """`GET /metrics` in the Prometheus text format (kept out of the OpenAPI document)."""
    router = APIRouter()

    @router.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return router


@contextlib.contextmanager
def metrics_listener(bind: str | None) -> Iterator[None]:
    """Serves /metrics on a port of its own while the block runs (nothing when bind is None)."""
    if bind is None:
        yield
        return
    host, _, port = bind.rpartition(":")
    server, thread = start_http_server(int(port), addr=host)
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
