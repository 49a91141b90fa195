"""The hot routes answer exactly what the FastAPI routes that document them would.

The case read is served by a hot route (ombuds_shared.hot_path) and documented
by a FastAPI route that requests no longer reach. Here both answer the same
request, the FastAPI one called through the app's router directly.
"""

from __future__ import annotations

import contextlib

import httpx
from starlette.types import Receive, Scope, Send

from ombuds_shared.testing import actor, bearer

from .cases_helpers import HANDLER, OFFICE, opened_case
from .conftest import Stack


def _fastapi_route_only(stack: Stack) -> httpx.AsyncClient:
    """A client reaching the cases app's FastAPI routes with no middleware in between."""
    app = stack.apps["cases"]

    async def routes(scope: Scope, receive: Receive, send: Send) -> None:
        scope["app"] = app
        # What FastAPI's own middleware would have put in the scope.
        async with contextlib.AsyncExitStack() as exits:
            scope["fastapi_middleware_astack"] = exits
            await app.router(scope, receive, send)

    return httpx.AsyncClient(transport=httpx.ASGITransport(app=routes), base_url="http://cases")


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
