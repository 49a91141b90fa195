"""The gateway's body guard: an oversized body is refused before a byte of it is read,
on the /v1 proxy and on GraphQL alike, as problem details."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from gateway.config import GatewaySettings
from gateway.main import create_app
from ombuds_testing import TestKeys, app_client, free_port

LIMIT = 4096


@pytest.fixture
async def gateway(keys: TestKeys, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    # No service behind it: what is refused here never reaches one.
    nowhere = f"http://127.0.0.1:{free_port()}"
    settings = GatewaySettings(
        environment="test",
        data_dir=tmp_path,
        signing_key_file=keys.key_file("gateway"),
        service_keys_dir=keys.folder,
        max_body_bytes=LIMIT,
        cases_url=nowhere,
        intake_url=nowhere,
        mediation_url=nowhere,
        analytics_url=nowhere,
        private_bind=f"127.0.0.1:{free_port()}",
    )
    async with app_client(create_app(settings)) as client:
        yield client


@pytest.mark.parametrize("path", ["/v1/intake/requests", "/graphql"])
async def test_an_oversized_body_is_a_413_problem(gateway: httpx.AsyncClient, path: str) -> None:
    response = await gateway.post(
        path, content=b"{" + b" " * LIMIT + b"}", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 413


async def test_a_body_within_the_limit_goes_on_to_authentication(
    gateway: httpx.AsyncClient,
) -> None:
    response = await gateway.post(
        "/v1/intake/requests", content=b"{}", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 401  # past the guard: no token
    assert response.headers["content-type"] == "application/problem+json"
