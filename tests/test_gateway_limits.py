"""Limits a client meets at the gateway: request rate, and response headers that protect it
(load shedding, which needs no other service, is in services/gateway/tests)."""

from __future__ import annotations

from pathlib import Path

from gateway.config import GatewaySettings
from gateway.dev_issuer import mint_dev_token
from gateway.main import create_app
from ombuds_testing import TestKeys, app_client, bearer

from .conftest import Stack


async def test_a_client_over_its_rate_gets_429_with_retry_after(
    stack: Stack, keys: TestKeys, tmp_path: Path
) -> None:
    settings = GatewaySettings(
        environment="test", data_dir=tmp_path, signing_key_file=keys.key_file("gateway"),
        service_keys_dir=keys.folder, rate_limit_per_second=0.5, rate_limit_burst=3,
        unauthenticated_rate_per_second=0.5, unauthenticated_burst=2,
        **{f"{name}_url": url for name, url in stack.urls.items()},
    )  # fmt: skip
    async with app_client(create_app(settings)) as gateway:
        chief = bearer(mint_dev_token(settings, subject="busy-chief", roles=["chief"],
                                      office="geneva"))  # fmt: skip
        statuses = [(await gateway.get("/v1/cases", headers=chief)).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        limited = await gateway.get("/v1/cases", headers=chief)
        assert limited.headers["content-type"] == "application/problem+json"
        assert int(limited.headers["Retry-After"]) >= 1
        # Another caller is not affected by the first one's rate.
        other = bearer(mint_dev_token(settings, subject="calm-chief", roles=["chief"],
                                      office="geneva"))  # fmt: skip
        assert (await gateway.get("/v1/cases", headers=other)).status_code == 200
        # Guessing tokens is limited per client address.
        guesses = [(await gateway.get("/v1/cases", headers=bearer("x.y.z"))).status_code
                   for _ in range(3)]  # fmt: skip
        assert guesses == [401, 401, 429]


async def test_responses_carry_protective_headers(stack: Stack) -> None:
    response = await stack.gateway.get("/v1/cases", headers=stack.auth("chief", office="geneva"))
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Request-ID"]
