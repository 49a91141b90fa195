"""The public /v1 routes: authenticate, limit, then forward under the policy."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.convertors import Convertor, register_url_convertor

from gateway.auth import authenticate
from gateway.forwarding import forward
from gateway.policy import Rule
from ombuds_shared.errors import Unauthorized, UnsupportedMediaType
from ombuds_shared.request_context import record_route_template


class AnyPathConvertor(Convertor[str]):
    """Like Starlette's `path`, but also across newlines: every /v1 request must reach
    authentication and the policy, whatever bytes its path holds."""

    regex = r"[\s\S]*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("anypath", AnyPathConvertor())
router = APIRouter()

_FORWARDED_REQUEST_HEADERS = ("content-type", "accept", "idempotency-key")
# Every method reaches the policy, so a wrong one gets 405 with the route's real Allow.
_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]


async def proxy(request: Request) -> Response:
    state = request.app.state
    try:
        actor = await authenticate(
            state.external_verifier, state.settings, request.headers.get("Authorization")
        )
    except Unauthorized:
        # Failed attempts are limited per address, so guessing tokens is slow.
        state.anonymous_limiter.check(request.client.host if request.client else "unknown")
        raise
    state.caller_limiter.check(actor.subject)
    rule: Rule = state.policy.match(request.method, request.url.path)
    record_route_template(request, rule.path)  # metrics say which route, never the raw path
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    if body and not content_type.startswith("application/json"):
        raise UnsupportedMediaType("Send JSON (Content-Type: application/json).")
    headers = {
        name: value
        for name in _FORWARDED_REQUEST_HEADERS
        if (value := request.headers.get(name)) is not None
    }
    forwarded = await forward(
        state,
        actor,
        request.method,
        request.url.path,
        rule=rule,
        body=body or None,
        raw_query=request.url.query or None,
        headers=headers,
    )
    # Everything behind the gateway is confidential: no cache may keep it.
    response_headers = {**forwarded.headers, "Cache-Control": "no-store"}
    return Response(forwarded.body, status_code=forwarded.status, headers=response_headers)


# A plain Starlette route, not a FastAPI one: it takes the request and nothing else, so
# FastAPI's dependency solving and its per-route wrappers would be cost without use.
router.add_route("/v1/{path:anypath}", proxy, methods=_METHODS, include_in_schema=False)
