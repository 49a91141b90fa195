"""The public /v1 routes: authenticate, limit, then forward under the policy.

Nearly every request the gateway serves is one of these, so the proxy is a plain
ASGI app mounted at /v1 (`proxy_app`): inside all of the gateway's middleware and
FastAPI's exception handlers, without request objects or dependency solving in
between. It never parses the body: the service behind it validates it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.datastructures import URL
from starlette.requests import ClientDisconnect
from starlette.types import Receive, Scope, Send

from gateway.auth import authenticate_with_claims
from gateway.forwarding import RECEIPT_HOLDER, Forwarded, forward
from gateway.policy import Rule
from gateway.ratelimit import client_key
from gateway.staff_sync import note_sign_in
from gateway.state import gateway_state
from ombuds_shared.errors import NotFound, Unauthorized, UnsupportedMediaType
from ombuds_shared.request_context import ROUTE_TEMPLATE_KEY

_FORWARDED_REQUEST_HEADERS = ("content-type", "accept", "idempotency-key")
# Reference data is revalidated with its ETag (see Rule.revalidate).
_REVALIDATION_HEADERS = ("if-none-match",)
# Everything behind the gateway is confidential: no cache may keep it ...
_NO_STORE = (b"cache-control", b"no-store")
# ... but reference data, which a browser keeps and asks again about (unless the route
# says for how long it may keep it).
_REVALIDATE = (b"cache-control", b"private, no-cache")


_RECEIPT_HEADER = "receipt-code"
_RECEIPT_PREFIX = "/v1/receipts/"
# What metrics and logs call a /v1 request until the policy names its route.
_PROXY_TEMPLATE = "/v1/{path}"
# A body is at most the app's body limit (the body guard counts it), so this many
# messages is far more than a client can send; the bound only keeps the loop finite.
_MAX_BODY_MESSAGES = 1_000_000


@dataclass(frozen=True)
class _Answer:
    status: int
    body: bytes = b""
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)


async def proxy_app(scope: Scope, receive: Receive, send: Send) -> None:
    """The /v1 mount. Every method reaches the policy (even one HTTP does not define), so
    a wrong one gets 405 with the route's real Allow. An AppError raised here leaves as
    problem details through the app's exception handlers."""
    scope[ROUTE_TEMPLATE_KEY] = _PROXY_TEMPLATE
    answer = await _proxy(scope, receive)
    headers = answer.headers
    if answer.status >= 200 and answer.status not in (204, 304):
        headers = [*headers, (b"content-length", str(len(answer.body)).encode())]
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body})


def public_path(scope: Scope) -> str:
    """The request's path as Starlette's `request.url.path` gives it, cheaply in the usual
    case (no decoded '?' or '#' that would end the path there)."""
    path: str = scope["path"]
    if "?" in path or "#" in path:
        return URL(scope=scope).path
    return path


def header_values(scope: Scope) -> dict[str, str]:
    """The request's headers by lower-case name; the first of repeated ones, as Starlette."""
    found: dict[str, str] = {}
    for name, value in scope["headers"]:
        found.setdefault(name.decode("latin-1"), value.decode("latin-1"))
    return found


async def read_body(receive: Receive) -> bytes:
    """The whole request body (its size, pace and nesting are the body guard's to check)."""
    chunks: list[bytes] = []
    for _ in range(_MAX_BODY_MESSAGES):
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _proxy(scope: Scope, receive: Receive) -> _Answer:
    if "\n" in scope["path"]:
        # The mount's pattern ends in `$`, which matches before a final line break: such a
        # path is outside /v1, as one with a line break anywhere else already is.
        raise NotFound("No such route.")
    state = gateway_state(scope["app"])
    headers = header_values(scope)
    if _RECEIPT_HEADER in headers and public_path(scope).startswith(_RECEIPT_PREFIX):
        return await _with_receipt(scope, receive, headers)
    try:
        actor, claims = await authenticate_with_claims(
            state.external_verifier, state.settings, headers.get("authorization")
        )
    except Unauthorized:
        # Failed attempts are limited per address, so guessing tokens is slow.
        client = scope.get("client")
        state.anonymous_limiter.check(client_key(client[0] if client else None))
        raise
    state.caller_limiter.check(actor.subject)
    await note_sign_in(state, actor, claims)
    method: str = scope["method"]
    path = public_path(scope)
    rule: Rule = state.policy.match(method, path)
    scope[ROUTE_TEMPLATE_KEY] = rule.path  # metrics say which route, never the raw path
    body = await read_body(receive)
    if body and not headers.get("content-type", "").startswith("application/json"):
        raise UnsupportedMediaType("Send JSON (Content-Type: application/json).")
    forwarded = await forward(
        state,
        actor,
        method,
        path,
        rule=rule,
        body=body or None,
        raw_query=scope["query_string"].decode("latin-1") or None,
        headers={n: headers[n] for n in _passed(rule) if n in headers},
    )
    return _answer(forwarded, rule)


async def _with_receipt(scope: Scope, receive: Receive, headers: dict[str, str]) -> _Answer:
    """A call by the holder of a receipt code: no token, the code in the Receipt-Code header.

    Every call is an attempt at a code, so each one counts against the client address
    (an IPv6 client per /64) before the code is even looked at: a 429 says nothing about
    whether a code was right. Nothing counts over all clients together: strangers could
    spend such a budget to lock every holder out, and with 120-bit codes it would not slow
    guessing down anyway (see docs/security.md, API2). Intake checks the code itself."""
    state = gateway_state(scope["app"])
    client = scope.get("client")
    state.receipt_limiter.check(client_key(client[0] if client else None))
    method: str = scope["method"]
    path = public_path(scope)
    rule: Rule = state.policy.match(method, path)
    scope[ROUTE_TEMPLATE_KEY] = rule.path
    body = await read_body(receive)
    if body and not headers.get("content-type", "").startswith("application/json"):
        raise UnsupportedMediaType("Send JSON (Content-Type: application/json).")
    forwarded = await forward(
        state,
        RECEIPT_HOLDER,
        method,
        path,
        rule=rule,
        body=body or None,
        raw_query=scope["query_string"].decode("latin-1") or None,
        headers={
            n: headers[n] for n in (*_FORWARDED_REQUEST_HEADERS, _RECEIPT_HEADER) if n in headers
        },
    )
    return _answer(forwarded, rule)


def _passed(rule: Rule) -> tuple[str, ...]:
    return _FORWARDED_REQUEST_HEADERS + (_REVALIDATION_HEADERS if rule.revalidate else ())


def _answer(forwarded: Forwarded, rule: Rule) -> _Answer:
    response_headers = [
        (name.encode("latin-1"), value.encode("latin-1"))
        for name, value in forwarded.headers.items()
    ]
    if "cache-control" not in forwarded.headers:
        response_headers.append(_REVALIDATE if rule.revalidate else _NO_STORE)
    return _Answer(forwarded.status, forwarded.body, response_headers)
