"""One request path, robust to hostile clients.

Every route is served once, by FastAPI (the gateway's /v1 proxy: a mounted ASGI app),
and every request body passes one guard (ombuds_shared.request_body): deep nesting is
a 400 on every route and in GraphQL variables, a slow body a 408, a client gone a 499
(never a 5xx in metrics). Time claims that are not numbers are a 401, every time.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import jwt
from fastapi.routing import APIRoute

from gateway.config import GatewaySettings
from gateway.dev_issuer import dev_issuer_key, mint_dev_token
from gateway.main import create_app
from gateway.policy import POLICY
from ombuds_shared.request_body import MAX_JSON_NESTING, json_nesting_exceeds
from ombuds_testing import TestKeys, actor, bearer, serve_app

from .cases_helpers import HANDLER, OFFICE, opened_case
from .conftest import Stack, intake_body

_JSON = {"Content-Type": "application/json"}
_DEEP = b"[" * 1000 + b"]" * 1000  # a RecursionError (500) before the guard
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _concrete(path: str) -> str:
    """A route template with each parameter given a plausible value."""
    return re.sub(r"\{[^}]+\}", "00000000-0000-4000-8000-000000000000", path)


def test_the_nesting_check_counts_brackets_outside_strings_only() -> None:
    assert json_nesting_exceeds(_DEEP)
    assert not json_nesting_exceeds(b"[" * MAX_JSON_NESTING + b"]" * MAX_JSON_NESTING)
    assert json_nesting_exceeds(b"[" * (MAX_JSON_NESTING + 1))
    # Brackets inside strings, escaped quotes included, are text, not structure.
    text = json.dumps({"note": "[" * 500 + '\\"' + "{" * 500})
    assert not json_nesting_exceeds(text.encode())
    assert json_nesting_exceeds(json.dumps({"a": ']]]"[', "b": [[[[1]]]]}).encode(), limit=4)


def test_the_nesting_check_is_linear_in_a_hostile_body() -> None:
    """Unterminated strings after enough brackets once made the scan quadratic: a 1 MB body
    held a worker's event loop for hours. Each body must be scanned at once. The scan runs in
    a child process (a regular expression holds the GIL): its bound only keeps a regression
    from hanging the suite."""
    scan = (
        "from ombuds_shared.request_body import MAX_JSON_NESTING as N, json_nesting_exceeds\n"
        "for body in (\n"
        "    b'[]' * (N + 1) + b'\"' + b'\\\\\"' * 500_000,\n"
        "    b'[]' * (N + 1) + b'\"' * 1_000_000,\n"
        "    b'[]' * (N + 1) + b'\"\\\\' * 300_000,\n"
        "):\n"
        "    assert not json_nesting_exceeds(body)\n"
        "print('scanned')\n"
    )
    done = subprocess.run([sys.executable, "-c", scan], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "scanned", done.stderr
    # An open string still hides the brackets after it, as a parser would see them.
    assert not json_nesting_exceeds(b"[]" * 70 + b'"' + b"[" * 100)
    assert json_nesting_exceeds(b"[" * 70 + b'"open')


async def test_the_case_read_refuses_other_offices_and_roles(stack: Stack) -> None:
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
        mine = stack.keys.user_token("cases", actor("ombudsman", sub=HANDLER, office=OFFICE))
        read = await served.get(f"/v1/cases/{case_id}", headers=bearer(mine))
        assert read.status_code == 200
        assert read.json()["id"] == case_id


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


async def test_the_intake_submission_refuses_bad_input_with_problem_details(
    stack: Stack,
) -> None:
    def token(role: str) -> dict[str, str]:
        return bearer(stack.keys.user_token("intake", actor(role, sub=f"{role}-refused")))

    visitor, good = token("visitor"), json.dumps(intake_body()).encode()
    not_an_email = json.dumps(intake_body() | {"visitor": {"email": "not-an-email"}}).encode()
    attempts: dict[str, tuple[dict[str, str], bytes, int]] = {
        "no body": ({**visitor, **_JSON}, b"", 422),
        "malformed JSON": ({**visitor, **_JSON}, b'{"visitor": ', 422),
        "not UTF-8": ({**visitor, **_JSON}, b"\xff\xfe{}", 422),
        "a list": ({**visitor, **_JSON}, b"[]", 422),
        "wrong fields": ({**visitor, **_JSON}, b'{"visitor": {}, "pillar": "nope", "x": 1}', 422),
        "not an email": ({**visitor, **_JSON}, not_an_email, 422),
        "text/plain": ({**visitor, "Content-Type": "text/plain"}, good, 422),
        "nested 1,000 deep": ({**visitor, **_JSON}, _DEEP, 400),
        "no token": (_JSON, good, 401),
        "a mediator": ({**token("mediator"), **_JSON}, good, 403),
        "a peer service": (
            {**bearer(stack.keys.peer_token("cases", "intake")), **_JSON}, good, 403
        ),
        "an HR portal without a key": ({**token("hr_portal"), **_JSON}, good, 422),
        "a closed office": (
            {**visitor, **_JSON}, json.dumps(intake_body() | {"office": "atlantis"}).encode(), 422
        ),
    }  # fmt: skip
    async with httpx.AsyncClient(base_url=stack.urls["intake"]) as served:
        for what, (headers, body, expected) in attempts.items():
            answer = await served.post("/v1/intake/requests", content=body, headers=headers)
            assert answer.status_code == expected, (what, answer.text)
            assert answer.headers["content-type"] == "application/problem+json", what
            assert answer.json()["status"] == expected, what
        submitted = await served.post(
            "/v1/intake/requests", content=good, headers={**visitor, **_JSON}
        )
        assert submitted.status_code == 201, submitted.text


async def test_deep_nesting_is_a_400_on_every_route_of_every_service(stack: Stack) -> None:
    for name, app in stack.apps.items():
        routes = [r for r in app.routes if isinstance(r, APIRoute) and r.methods & _BODY_METHODS]
        async with httpx.AsyncClient(base_url=stack.urls[name]) as service:
            for route in routes:
                for method in sorted(route.methods & _BODY_METHODS):
                    answer = await service.request(
                        method, _concrete(route.path), content=_DEEP, headers=_JSON
                    )
                    assert answer.status_code == 400, (name, method, route.path, answer.text)
                    assert answer.headers["content-type"] == "application/problem+json"


async def test_deep_nesting_is_a_400_through_the_gateway_and_in_graphql_variables(
    stack: Stack,
) -> None:
    me = {**stack.auth("ombudsman", sub=HANDLER, office=OFFICE), **_JSON}
    for rule in POLICY:
        if rule.method in _BODY_METHODS:
            answer = await stack.gateway.request(
                rule.method, _concrete(rule.path), content=_DEEP, headers=me
            )
            assert answer.status_code == 400, (rule.method, rule.path, answer.text)
            assert answer.headers["content-type"] == "application/problem+json"
    query = "query ($ref: String!) { intakeRequest(reference: $ref) { reference } }"
    deep_variables = b'{"query": %s, "variables": {"ref": %s}}' % (
        json.dumps(query).encode(),
        _DEEP,
    )
    answer = await stack.gateway.post("/graphql", content=deep_variables, headers=me)
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == "application/problem+json"


def _token_with(settings: GatewaySettings, **claims: object) -> str:
    key = dev_issuer_key(settings)
    now = int(time.time())
    payload: dict[str, object] = {
        "iss": settings.dev_issuer, "aud": settings.oidc_audience, "sub": "odd-claims",
        settings.roles_claim: ["chief"], settings.office_claim: "geneva",
        "iat": now, "nbf": now, "exp": now + 300,
    }  # fmt: skip
    return jwt.encode({**payload, **claims}, key.private_key, algorithm="EdDSA",
                      headers={"kid": key.kid})  # fmt: skip


async def test_time_claims_that_are_not_numbers_are_a_401_every_time(stack: Stack) -> None:
    later = str(int(time.time()) + 300)
    odd = {
        "exp": {"exp": later},
        "nbf": {"nbf": str(int(time.time()) - 10)},
        "iat": {"iat": str(int(time.time()))},
        "exp true": {"exp": True},
    }
    for what, claims in odd.items():
        token = bearer(_token_with(stack.settings, **claims))
        for attempt in (1, 2):  # the second time was a 500: the claims cache compared str and int
            answer = await stack.gateway.get("/v1/cases", headers=token)
            assert answer.status_code == 401, (what, attempt, answer.text)
            assert answer.headers["content-type"] == "application/problem+json"
    fine = bearer(_token_with(stack.settings))
    assert (await stack.gateway.get("/v1/cases", headers=fine)).status_code == 200


async def _slow_post(url: str, token: str, body: bytes, every_seconds: float) -> int:
    """POSTs `body` a byte at a time; the status the gateway answered (bounded by its timeout)."""
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(
            f"POST /v1/intake/requests HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}"
            f"\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        )
        answered = asyncio.create_task(reader.readline())
        for byte in body:  # the gateway answers within its read timeout, long before the end
            if answered.done():
                break
            try:
                writer.write(bytes([byte]))
                await writer.drain()
            except ConnectionError:
                break  # refused and closed: the answer is waiting
            await asyncio.sleep(every_seconds)
        status_line = await asyncio.wait_for(answered, timeout=15)
        return int(status_line.split()[1])
    finally:
        writer.close()


async def test_slow_clients_are_refused_and_a_normal_client_keeps_being_served(
    stack: Stack, keys: TestKeys, tmp_path: Path
) -> None:
    settings = GatewaySettings(
        environment="test", data_dir=tmp_path, signing_key_file=keys.key_file("gateway"),
        service_keys_dir=keys.folder, body_read_timeout_seconds=3, max_in_flight_per_client=2,
        max_concurrent_requests=8, rate_limit_burst=10_000, unauthenticated_burst=10_000,
        **{f"{name}_url": url for name, url in stack.urls.items()},
    )  # fmt: skip
    slow_tokens = [mint_dev_token(settings, subject=f"slow-{n}", roles=["visitor"])
                   for n in range(3)]  # fmt: skip
    chief = bearer(mint_dev_token(settings, subject="calm-chief", roles=["chief"],
                                  office="geneva"))  # fmt: skip
    body = json.dumps(intake_body()).encode()
    async with serve_app(create_app(settings)) as url:
        # Four slow requests per token, twelve in all: more than the gateway's eight slots.
        slow = [asyncio.create_task(_slow_post(url, token, body, every_seconds=1.0))
                for token in slow_tokens for _ in range(4)]  # fmt: skip
        await asyncio.sleep(0.5)
        served: list[int] = []
        async with httpx.AsyncClient(base_url=url, timeout=10) as normal:
            for _ in range(8):  # about four seconds: past the slow ones' read timeout
                served.append((await normal.get("/v1/cases", headers=chief)).status_code)
                await asyncio.sleep(0.5)
        statuses = await asyncio.wait_for(asyncio.gather(*slow), timeout=30)
    assert served == [200] * len(served)
    # Each slow client had two requests in flight (then 408: too slow), the rest 429 at once.
    assert sorted(statuses) == [408] * 6 + [429] * 6, statuses


async def test_a_client_that_leaves_mid_body_is_a_499_not_a_server_error(stack: Stack) -> None:
    token = mint_dev_token(stack.settings, subject="leaver", roles=["visitor"])
    host, port = stack.public_url.removeprefix("http://").split(":")
    _, writer = await asyncio.open_connection(host, int(port))
    writer.write(
        f"POST /v1/intake/requests HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
        'Content-Type: application/json\r\nContent-Length: 500\r\n\r\n{"visitor":'.encode()
    )
    await writer.drain()
    await asyncio.sleep(0.3)
    writer.close()
    metrics = ""
    pattern = re.compile(
        r'ombuds_http_requests_total\{method="POST",route="/v1/intake/requests",'
        r'service="gateway",status="(\d+)"\} ([0-9.]+)'
    )
    for _ in range(100):  # bounded wait for the gateway to notice and count it
        metrics = (await stack.internal.get("/metrics")).text
        if any(status == "499" for status, _ in pattern.findall(metrics)):
            break
        await asyncio.sleep(0.05)
    statuses = {status for status, _ in pattern.findall(metrics)}
    assert "499" in statuses, [line for line in metrics.splitlines() if "/v1/" in line]
    assert not any(status.startswith("5") for status in statuses), statuses
    errors = re.findall(
        r'ombuds_http_request_errors_total\{method="POST",'
        r'route="/v1/intake/requests",service="gateway"\} ([0-9.]+)',
        metrics,
    )
    assert errors in ([], ["0.0"]), errors
