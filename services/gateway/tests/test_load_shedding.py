"""Load shedding: past its concurrency limit the gateway answers 503 at once, and comes back
as soon as the requests in flight are done (a stand-in service, no real one needed)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from fastapi import FastAPI

from gateway.config import GatewaySettings
from gateway.dev_issuer import mint_dev_token
from gateway.main import create_app
from ombuds_testing import TestKeys, app_client, bearer, free_port, serve_app


def _slow_cases_service(release: asyncio.Event, arrived: list[str]) -> FastAPI:
    """Stands in for a saturated cases service: every list waits until released."""
    app = FastAPI()

    @app.get("/v1/cases")
    async def cases() -> dict[str, object]:
        arrived.append("cases")
        await asyncio.wait_for(release.wait(), timeout=20)
        return {"items": [], "next_cursor": None}

    return app


async def test_past_its_concurrency_limit_the_gateway_sheds_load_with_503(
    keys: TestKeys, tmp_path: Path
) -> None:
    release, arrived = asyncio.Event(), []
    async with serve_app(_slow_cases_service(release, arrived)) as cases_url:
        unused = f"http://127.0.0.1:{free_port()}"
        private_bind = f"127.0.0.1:{free_port()}"
        settings = GatewaySettings(
            environment="test", data_dir=tmp_path, signing_key_file=keys.key_file("gateway"),
            service_keys_dir=keys.folder, max_concurrent_requests=2, cases_url=cases_url,
            intake_url=unused, mediation_url=unused, analytics_url=unused,
            private_bind=private_bind,
        )  # fmt: skip
        chief = bearer(mint_dev_token(settings, subject="busy-chief", roles=["chief"],
                                      office="geneva"))  # fmt: skip
        async with app_client(create_app(settings)) as gateway:
            held = [asyncio.create_task(gateway.get("/v1/cases", headers=chief, timeout=30))
                    for _ in range(2)]  # fmt: skip
            for _ in range(500):  # bounded wait until both are in flight at the backend
                if len(arrived) == 2:
                    break
                await asyncio.sleep(0.01)
            assert len(arrived) == 2
            shed = await gateway.get("/v1/cases", headers=chief)
            assert shed.status_code == 503
            assert shed.headers["content-type"] == "application/problem+json"
            assert int(shed.headers["Retry-After"]) >= 1
            assert shed.headers["Cache-Control"] == "no-store"
            assert len(arrived) == 2, "a shed request never reaches a service"
            # Probes and metrics still answer while the gateway is saturated.
            assert (await gateway.get("/health")).status_code == 200
            async with httpx.AsyncClient(base_url=f"http://{private_bind}") as private:
                metrics = (await private.get("/metrics")).text
            assert 'ombuds_http_shed_requests_total{service="gateway"}' in metrics
            release.set()
            assert [(await task).status_code for task in held] == [200, 200]
            # Capacity comes back as soon as the requests in flight are done.
            assert (await gateway.get("/v1/cases", headers=chief)).status_code == 200
