"""Load shedding: past a number of requests in flight, the next is refused at once.

A gateway that queues everything it is sent when the backends cannot keep up
makes every caller wait longer and longer (and time out), then falls over. With
a bound on requests in flight, the excess is answered at once with 503 and
Retry-After, which clients and balancers know how to retry, while the admitted
requests keep their usual latency. The count is per process (per replica).
Liveness, readiness and metrics are never shed: a busy gateway is not a dead one.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from ombuds_shared import metrics
from ombuds_shared.errors import ServiceUnavailable, problem_response

NEVER_SHED = frozenset({"/health", "/ready", "/metrics"})


class ConcurrencyLimitMiddleware:
    """Serves at most `limit` requests at once; answers the rest 503 problem details."""

    def __init__(self, app: ASGIApp, limit: int, service: str = "gateway") -> None:
        self.app = app
        self.limit = limit
        self.service = service
        self.in_flight = 0  # one event loop per process: no lock needed
        # The labelled series, looked up once (labels() costs more than the update).
        self._in_flight_gauge = metrics.IN_FLIGHT.labels(service)
        self._shed_counter = metrics.SHED.labels(service)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in NEVER_SHED:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            self._shed_counter.inc()
            error = ServiceUnavailable("The gateway is at capacity; retry shortly.")
            response = problem_response(error, scope["path"], {"Cache-Control": "no-store"})
            await response(scope, receive, send)
            return
        self.in_flight += 1
        self._in_flight_gauge.set(self.in_flight)
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
            self._in_flight_gauge.set(self.in_flight)
