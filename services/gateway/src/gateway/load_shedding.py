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

from gateway.ratelimit import client_key
from gateway.state import gateway_state
from ombuds_shared import metrics
from ombuds_shared.auth import parse_bearer
from ombuds_shared.errors import (
    ServiceUnavailable,
    TooManyRequests,
    Unauthorized,
    problem_response,
)

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


class ClientConcurrencyLimitMiddleware:
    """Serves at most `limit` requests at once per client; answers the client's next 429.

    The process-wide limit above protects the gateway, but alone it let a few clients
    take all of it: 270 requests trickling their bodies from three tokens filled it and
    everyone else got 503. So each client gets a share: a signed-in caller by the
    subject of their verified token (however many tokens they hold), anyone else by
    address (an IPv6 client per /64). A token that does not verify counts against its
    address, so inventing subjects gains nothing. Verification is the same cached call
    the proxy makes next, so it costs a lookup for a known token.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.in_flight: dict[str, int] = {}  # one event loop per process: no lock needed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in NEVER_SHED:
            await self.app(scope, receive, send)
            return
        client = await _client_of(scope)
        count = self.in_flight.get(client, 0)
        if count >= self.limit:
            error = TooManyRequests("Too many of your requests are in flight; wait for them.")
            response = problem_response(error, scope["path"], {"Cache-Control": "no-store"})
            await response(scope, receive, send)
            return
        self.in_flight[client] = count + 1
        try:
            await self.app(scope, receive, send)
        finally:
            left = self.in_flight[client] - 1
            if left:
                self.in_flight[client] = left
            else:
                del self.in_flight[client]  # the table holds only clients with requests


async def _client_of(scope: Scope) -> str:
    """Who a request counts against: the verified token's subject, else the address."""
    authorization = None
    for name, value in scope["headers"]:
        if name == b"authorization":
            authorization = value.decode("latin-1")
            break
    if authorization is not None:
        verifier = gateway_state(scope["app"]).external_verifier
        try:
            claims = await verifier.verify(parse_bearer(authorization))
            return "sub:" + str(claims["sub"])
        except Unauthorized:
            pass  # counted by address, as any caller without a valid token
    client = scope.get("client")
    return "address:" + client_key(client[0] if client else None)
