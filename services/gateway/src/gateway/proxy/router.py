"""The public /v1 routes: authenticate, limit, then forward under the policy.

Nearly every request the gateway serves is one of these, so they are a hot
route (ombuds_shared.hot_path): served inside all of the gateway's middleware,
without FastAPI's routing and request objects in between.
"""

from __future__ import annotations

import re

from starlette.types import Receive, Scope

from gateway.auth import authenticate_with_claims
from gateway.forwarding import RECEIPT_HOLDER, Forwarded, forward
from gateway.policy import Rule
from gateway.ratelimit import client_key
from gateway.staff_sync import note_sign_in
from ombuds_shared.errors import Unauthorized, UnsupportedMediaType
from ombuds_shared.hot_path import HotResponse, HotRoute, header_values, public_path, read_body
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


async def proxy(scope: Scope, receive: Receive, _: re.Match[str]) -> HotResponse:
    state = scope["app"].state
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


async def _with_receipt(scope: Scope, receive: Receive, headers: dict[str, str]) -> HotResponse:
    """A call by the holder of a receipt code: no token, the code in the Receipt-Code header.

    Every call is an attempt at a code, so each one counts against the client address
    (an IPv6 client per /64) before the code is even looked at: a 429 says nothing about
    whether a code was right. Nothing counts over all clients together: strangers could
    spend such a budget to lock every holder out, and with 120-bit codes it would not slow
    guessing down anyway (see docs/security.md, API2). Intake checks the code itself."""
    state = scope["app"].state
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


def _answer(forwarded: Forwarded, rule: Rule) -> HotResponse:
    response_headers = [
        (name.encode("latin-1"), value.encode("latin-1"))
        for name, value in forwarded.headers.items()
    ]
    if "cache-control" not in forwarded.headers:
        response_headers.append(_REVALIDATE if rule.revalidate else _NO_STORE)
    return HotResponse(forwarded.status, forwarded.body, response_headers)


# Every method reaches the policy (even one HTTP does not define), so a wrong one gets
# 405 with the route's real Allow.
hot_routes = [HotRoute(None, re.compile(r"/v1/"), "/v1/{path}", proxy)]
