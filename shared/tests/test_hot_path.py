"""Hot routes: served without FastAPI's layers, yet under every middleware like any route."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator

from fastapi import APIRouter, FastAPI
from starlette.types import Receive, Scope

from ombuds_shared.app import base_app
from ombuds_shared.config import ServiceSettings
from ombuds_shared.errors import PROBLEM_MEDIA_TYPE, BadRequest, NotFound
from ombuds_shared.hot_path import HotResponse, HotRoute, header_values, read_body
from ombuds_shared.testing import app_client


async def _echo(scope: Scope, receive: Receive, found: re.Match[str]) -> HotResponse:
    reference = found["reference"]
    if reference == "missing":
        raise NotFound("No such thing.")
    body = await read_body(receive)
    if body == b"bad":
        raise BadRequest("Not that.")
    answer = f'{{"reference":"{reference}","got":{len(body)},"x":"{header_values(scope)["x"]}"}}'
    return HotResponse(200, answer.encode(), [(b"content-type", b"application/json")])


def _app(service: str) -> FastAPI:
    router = APIRouter()

    @router.get("/v1/things")
    async def listed() -> list[str]:
        return ["served by FastAPI"]

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield

    async def ready(_: FastAPI) -> None:
        return None

    hot = HotRoute(
        frozenset({"GET", "POST"}),
        re.compile(r"/v1/things/(?P<reference>[^/]+)\Z"),
        "/v1/things/{reference}",
        _echo,
    )
    settings = ServiceSettings(service_name=service, environment="test", max_body_bytes=100)
    return base_app(
        settings, title=service, description=service, lifespan=lifespan, routers=[router],
        ready_check=ready, hot_routes=[hot],
    )  # fmt: skip


async def test_a_hot_route_answers_with_its_body_length_and_the_request_id() -> None:
    async with app_client(_app("hot-a")) as client:
        response = await client.post(
            "/v1/things/T-1", content=b"12345", headers={"X": "seen", "X-Request-ID": "req-1"}
        )
    assert response.status_code == 200
    assert response.json() == {"reference": "T-1", "got": 5, "x": "seen"}
    assert response.headers["content-length"] == str(len(response.content))
    assert response.headers["x-request-id"] == "req-1"  # the middleware still applies


async def test_errors_of_a_hot_route_leave_as_problem_details() -> None:
    async with app_client(_app("hot-b")) as client:
        missing = await client.get("/v1/things/missing", headers={"X": "x"})
        bad = await client.post("/v1/things/T-2", content=b"bad", headers={"X": "x"})
        too_big = await client.post("/v1/things/T-3", content=b"x" * 101, headers={"X": "x"})
    assert missing.status_code == 404
    assert missing.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert missing.json()["instance"] == "/v1/things/missing"
    assert bad.status_code == 400
    assert bad.json()["detail"] == "Not that."
    assert too_big.status_code == 413  # the body limit applies to hot routes too


async def test_other_methods_and_paths_go_on_to_fastapi() -> None:
    async with app_client(_app("hot-c")) as client:
        listed = await client.get("/v1/things")
        deleted = await client.delete("/v1/things/T-4")
        deeper = await client.get("/v1/things/T-4/more")
        metrics = await client.get("/metrics")
    assert listed.json() == ["served by FastAPI"]
    assert deleted.status_code == 404  # no FastAPI route has that path
    assert deeper.status_code == 404
    assert "T-4" not in metrics.text  # never a raw path in a label


async def test_hot_route_requests_are_counted_by_template() -> None:
    async with app_client(_app("hot-d")) as client:
        for reference in ("R-1", "R-2", "missing"):
            await client.get(f"/v1/things/{reference}", headers={"X": "x"})
        page = (await client.get("/metrics")).text
    lines = [line for line in page.splitlines() if 'service="hot-d"' in line]
    counted = [line for line in lines if line.startswith("ombuds_http_requests_total")]
    assert any('route="/v1/things/{reference}"' in line and 'status="200"' in line and
               line.endswith(" 2.0") for line in counted), counted  # fmt: skip
    assert any('status="404"' in line and line.endswith(" 1.0") for line in counted), counted
    assert "R-1" not in page
