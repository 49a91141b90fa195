"""The hot routes answer exactly what the FastAPI routes that document them would.

The case read and the intake submission are served by hot routes
(ombuds_shared.hot_path) and documented by FastAPI routes that requests no
longer reach. Here both answer the same request, the FastAPI one called
through the app's router directly.
"""

from __future__ import annotations

import contextlib
import json

import httpx
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.types import Receive, Scope, Send

from ombuds_shared.testing import actor, bearer

from .cases_helpers import HANDLER, OFFICE, opened_case
from .conftest import Stack, intake_body


def _fastapi_route_only(stack: Stack, service: str = "cases") -> httpx.AsyncClient:
    """A client reaching a service's FastAPI routes with only the app's exception
    handlers (problem details) in between, none of its middleware."""
    app = stack.apps[service]
    handlers = {k: v for k, v in app.exception_handlers.items() if k is not Exception}
    handled = ExceptionMiddleware(app.router, handlers=handlers)

    async def routes(scope: Scope, receive: Receive, send: Send) -> None:
        scope["app"] = app
        # What FastAPI's own middleware would have put in the scope.
        async with contextlib.AsyncExitStack() as exits:
            scope["fastapi_middleware_astack"] = exits
            await handled(scope, receive, send)

    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=routes), base_url=f"http://{service}"
    )


async def test_the_hot_case_read_answers_as_the_documented_route(stack: Stack) -> None:
    case_id = await opened_case(stack)
    token = stack.keys.user_token("cases", actor("ombudsman", sub=HANDLER, office=OFFICE))
    async with httpx.AsyncClient(base_url=stack.urls["cases"]) as served:
        hot = await served.get(f"/v1/cases/{case_id}", headers=bearer(token))
    async with _fastapi_route_only(stack) as documented:
        routed = await documented.get(f"/v1/cases/{case_id}", headers=bearer(token))
    assert hot.status_code == routed.status_code == 200
    assert hot.content == routed.content  # byte for byte
    assert hot.headers["content-type"] == routed.headers["content-type"]
    assert hot.json()["id"] == case_id


async def test_the_hot_case_read_refuses_as_the_documented_route(stack: Stack) -> None:
    case_id = await opened_case(stack)
    callers = {
        "another office": actor("ombudsman", sub=HANDLER, office="geneva"),
        "a mediator": actor("mediator", sub="med-1", office=OFFICE),
    }
    async with httpx.AsyncClient(base_url=stack.urls["cases"]) as served:
        for who, caller in callers.items():
            token = stack.keys.user_token("cases", caller)
            answer = await served.get(f"/v1/cases/{case_id}", headers=bearer(token))
            expected = 404 if who == "another office" else 403
            assert answer.status_code == expected, who
            assert answer.json()["instance"] == f"/v1/cases/{case_id}"
        peer = stack.keys.peer_token("intake", "cases")
        for headers in ({}, bearer("not-a-token"), bearer(peer)):
            answer = await served.get(f"/v1/cases/{case_id}", headers=headers)
            assert answer.status_code in (401, 403), headers
            assert answer.headers["content-type"] == "application/problem+json"


async def test_any_method_on_the_proxy_reaches_the_policy(stack: Stack) -> None:
    # Methods HTTP does not define too: the policy answers 405 with the route's real Allow,
    # as it does for a defined method the route does not take.
    me = stack.auth("ombudsman", sub=HANDLER, office=OFFICE)
    for method in ("QUERY", "BREW", "DELETE"):
        answer = await stack.gateway.request(method, "/v1/intake/requests", headers=me)
        assert answer.status_code == 405, method
        assert answer.headers["allow"] == "GET, POST", method
        assert answer.headers["content-type"] == "application/problem+json"
    anonymous = await stack.gateway.request("QUERY", "/v1/intake/requests")
    assert anonymous.status_code == 401  # authentication comes first, whatever the method


_JSON = {"Content-Type": "application/json"}


async def test_the_hot_intake_submission_answers_as_the_documented_route(stack: Stack) -> None:
    # A replay answers what the first submission did, so the two routes can be held to
    # the same bytes: one submits, the other replays, and the first replays again.
    visitor = stack.keys.user_token("intake", actor("visitor", sub="visitor-hot"))
    body = json.dumps(intake_body()).encode()
    async with (
        httpx.AsyncClient(base_url=stack.urls["intake"]) as served,
        _fastapi_route_only(stack, "intake") as documented,
    ):
        for key in ("hot-first", "documented-first"):
            first, then = (served, documented) if key == "hot-first" else (documented, served)
            headers = {**bearer(visitor), **_JSON, "Idempotency-Key": key}
            submitted = await first.post("/v1/intake/requests", content=body, headers=headers)
            assert submitted.status_code == 201, submitted.text
            replays = [await client.post("/v1/intake/requests", content=body, headers=headers)
                       for client in (then, first)]  # fmt: skip
            for replay in replays:
                assert replay.status_code == 201
                assert replay.content == replays[0].content  # byte for byte
                assert replay.headers["content-type"] == "application/json"
                assert replay.headers["idempotent-replayed"] == "true"
                assert replay.headers["location"] == submitted.headers["location"]
            assert replays[0].json()["reference"] == submitted.json()["reference"]


async def test_the_hot_intake_submission_refuses_as_the_documented_route(stack: Stack) -> None:
    def token(role: str) -> dict[str, str]:
        return bearer(stack.keys.user_token("intake", actor(role, sub=f"{role}-refused")))

    visitor, good = token("visitor"), json.dumps(intake_body()).encode()
    not_an_email = json.dumps(intake_body() | {"visitor": {"email": "not-an-email"}}).encode()
    attempts: dict[str, tuple[dict[str, str], bytes]] = {
        "no body": ({**visitor, **_JSON}, b""),
        "malformed JSON": ({**visitor, **_JSON}, b'{"visitor": '),
        "malformed JSON, no token": (_JSON, b'{"visitor": '),
        "not UTF-8": ({**visitor, **_JSON}, b"\xff\xfe{}"),
        "a list": ({**visitor, **_JSON}, b"[]"),
        "wrong fields": ({**visitor, **_JSON}, b'{"visitor": {}, "pillar": "nope", "x": 1}'),
        "not an email": ({**visitor, **_JSON}, not_an_email),
        "text/plain": ({**visitor, "Content-Type": "text/plain"}, good),
        "no content type": (visitor, good),
        "vendor JSON type": ({**visitor, "Content-Type": "application/x+json"}, b"[]"),
        "key too long, body wrong": (
            {**visitor, **_JSON, "Idempotency-Key": "k" * 201}, b'{"pillar": 1}'
        ),
        "no token": (_JSON, good),
        "a mediator": ({**token("mediator"), **_JSON}, good),
        "a peer service": ({**bearer(stack.keys.peer_token("cases", "intake")), **_JSON}, good),
        "an HR portal without a key": ({**token("hr_portal"), **_JSON}, good),
        "a closed office": (
            {**visitor, **_JSON}, json.dumps(intake_body() | {"office": "atlantis"}).encode()
        ),
    }  # fmt: skip
    async with (
        httpx.AsyncClient(base_url=stack.urls["intake"]) as served,
        _fastapi_route_only(stack, "intake") as documented,
    ):
        for what, (headers, body) in attempts.items():
            hot = await served.post("/v1/intake/requests", content=body, headers=headers)
            routed = await documented.post("/v1/intake/requests", content=body, headers=headers)
            assert 400 <= hot.status_code < 500, what
            assert hot.status_code == routed.status_code, what
            assert hot.headers["content-type"] == "application/problem+json", what
            # The same problem; only the request id differs (the router alone has none).
            problem = {k: v for k, v in hot.json().items() if k != "request_id"}
            assert problem == routed.json(), what
