"""Metrics: route templates as labels, errors counted, hooks recorded, a listener of its own."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter, FastAPI

from ombuds_shared import metrics
from ombuds_shared.app import base_app
from ombuds_shared.config import ServiceSettings
from ombuds_shared.errors import NotFound, ServiceUnavailable
from ombuds_testing import app_client, free_port


def _app(service: str, metrics_bind: str | None = None) -> FastAPI:
    router = APIRouter()

    @router.get("/v1/things/{reference}")
    async def read(reference: str) -> dict[str, str]:
        if reference == "missing":
            raise NotFound("No such thing.")
        if reference == "down":
            raise ServiceUnavailable("A dependency is down.")
        return {"reference": reference}

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield

    async def ready(_: FastAPI) -> None:
        return None

    settings = ServiceSettings(service_name=service, environment="test", metrics_bind=metrics_bind)
    return base_app(
        settings, title=service, description=service, lifespan=lifespan, routers=[router],
        ready_check=ready,
    )  # fmt: skip


def _sample(page: str, name: str, **labels: str) -> float:
    wanted = [f'{k}="{v}"' for k, v in labels.items()]
    values = [
        float(line.rsplit(" ", 1)[1])
        for line in page.splitlines()
        if line.startswith(name + "{") and all(w in line for w in wanted)
    ]
    assert len(values) == 1, (name, labels, values)
    return values[0]


async def test_requests_are_counted_by_route_template_never_by_path() -> None:
    async with app_client(_app("probe-a")) as client:
        for reference in ("OMB-7K3F-9Q2M", "OMB-AAAA-BBBB", "missing", "down"):
            await client.get(f"/v1/things/{reference}")
        await client.get("/nowhere/OMB-CCCC-DDDD")
        await client.request("BREW", "/v1/things/x")
        page = (await client.get("/metrics")).text
    template = "/v1/things/{reference}"
    requests = "ombuds_http_requests_total"
    assert _sample(page, requests, service="probe-a", route=template, status="200") == 2
    assert _sample(page, requests, service="probe-a", route=template, status="404") == 1
    assert _sample(page, requests, service="probe-a", route=template, status="503") == 1
    assert _sample(page, requests, service="probe-a", route="unmatched", status="404") == 1
    assert _sample(page, requests, service="probe-a", method="OTHER", status="405") == 1
    assert "BREW" not in page
    errors = "ombuds_http_request_errors_total"
    assert _sample(page, errors, service="probe-a", route=template) == 1
    latency = "ombuds_http_request_duration_seconds_count"
    assert _sample(page, latency, service="probe-a", method="GET", route=template) == 4
    for reference in ("OMB-7K3F-9Q2M", "OMB-CCCC-DDDD", "nowhere"):
        assert reference not in page


async def test_the_hooks_services_update_appear_on_the_page() -> None:
    metrics.observe_outbox("probe-b", backlog=7, oldest_age_seconds=42.5)
    metrics.outbox_delivered("probe-b", 3)
    metrics.outbox_failed("probe-b")
    metrics.retention_run("probe-b", outcome="completed", destroyed={"notes": 2})
    metrics.certificate("probe-b", "issued")
    async with app_client(_app("probe-b")) as client:
        page = (await client.get("/metrics")).text
    assert _sample(page, "ombuds_outbox_backlog", service="probe-b") == 7
    assert _sample(page, "ombuds_outbox_oldest_age_seconds", service="probe-b") == 42.5
    assert _sample(page, "ombuds_outbox_delivered_total", service="probe-b") == 3
    assert _sample(page, "ombuds_outbox_delivery_failures_total", service="probe-b") == 1
    assert _sample(page, "ombuds_retention_runs_total", service="probe-b", outcome="completed") == 1
    assert _sample(page, "ombuds_retention_destroyed_total", service="probe-b", kind="notes") == 2
    assert _sample(page, "ombuds_certificates_total", service="probe-b", action="issued") == 1


async def test_a_separate_metrics_listener_lives_as_long_as_the_app() -> None:
    port = free_port()
    async with app_client(_app("probe-c", f"127.0.0.1:{port}")) as client:
        await client.get("/v1/things/x")
        async with httpx.AsyncClient(timeout=5) as outside:
            page = (await outside.get(f"http://127.0.0.1:{port}/metrics")).text
    assert _sample(page, "ombuds_http_requests_total", service="probe-c", status="200") == 1
    async with httpx.AsyncClient(timeout=2) as outside:
        with pytest.raises(httpx.ConnectError):
            await outside.get(f"http://127.0.0.1:{port}/metrics")


def test_a_malformed_metrics_bind_is_refused() -> None:
    with pytest.raises(ValueError, match="metrics_bind"):
        ServiceSettings(metrics_bind="9100")
