"""The gateway's private listener (issue 13, item 8): the internal JWKS, the event ingress
and /metrics are never served on the public port, and served on the private one, which in
turn serves nothing of the public API."""

from __future__ import annotations

import base64
import os

import httpx
import pytest
from pydantic import ValidationError

from gateway.config import GatewaySettings
from gateway.main import create_app as create_gateway
from ombuds_testing import app_client, bearer

from .conftest import Stack

PRIVATE_ONLY = [("GET", "/internal/jwks.json"), ("GET", "/metrics"), ("POST", "/internal/events")]


async def test_internal_routes_and_metrics_are_only_on_the_private_listener(
    stack: Stack,
) -> None:
    relay = bearer(stack.keys.peer_token("cases", "gateway"))
    for method, path in PRIVATE_ONLY:
        # The public port: as if the route did not exist, whoever asks.
        public = await stack.gateway.request(
            method, path, headers=relay, json={"events": []} if method == "POST" else None
        )
        assert public.status_code == 404, (path, public.text)
        assert public.headers["content-type"] == "application/problem+json"
    keys = await stack.internal.get("/internal/jwks.json")
    assert keys.status_code == 200
    owners = sorted(k["kid"].split(".")[0] for k in keys.json()["keys"])
    assert owners == ["analytics", "cases", "gateway", "intake", "mediation"]
    metrics = await stack.internal.get("/metrics")
    assert metrics.status_code == 200
    assert "ombuds_http_requests_total" in metrics.text
    delivered = await stack.internal.post("/internal/events", json={"events": []}, headers=relay)
    assert delivered.status_code == 200, delivered.text
    # The ingress still wants a producer's token on the private port.
    anonymous = await stack.internal.post("/internal/events", json={"events": []})
    assert anonymous.status_code == 401


async def test_the_private_listener_is_no_second_door_to_the_api(stack: Stack) -> None:
    chief = stack.auth("chief", office="nairobi")
    for path in ("/v1/cases", "/graphql", "/openapi.json", "/docs", "/.well-known/jwks.json"):
        response = await stack.internal.get(path, headers=chief)
        assert response.status_code == 404, (path, response.text)
    assert (await stack.gateway.get("/v1/cases", headers=chief)).status_code == 200


async def test_no_service_serves_a_docs_page_of_its_own(stack: Stack) -> None:
    """The docs pages are the gateway's, with vendored assets; FastAPI's default pages on a
    service would pull Swagger UI from a CDN (and show the service's internal routes)."""
    async with httpx.AsyncClient() as client:
        for name, url in stack.urls.items():
            if name == "gateway":
                continue
            for page in ("/docs", "/redoc", "/docs/oauth2-redirect"):
                answer = await client.get(url + page)
                assert answer.status_code == 404, (name, page)


async def test_a_gateway_without_a_private_bind_serves_none_of_it(stack: Stack) -> None:
    # Unset (allowed outside production only), the private routes are served nowhere.
    settings = stack.settings.model_copy(update={"private_bind": None})
    async with app_client(create_gateway(settings)) as gateway:
        for method, path in PRIVATE_ONLY:
            answer = await gateway.request(method, path)
            assert answer.status_code == 404, path


def test_production_needs_a_private_listener() -> None:
    production = {
        "environment": "production",
        "oidc_jwks_url": "https://idp/jwks",
        "oidc_issuer": "https://idp/",
        "pseudonym_key": base64.b64encode(os.urandom(32)).decode(),
    }
    with pytest.raises(ValidationError, match="private_bind"):
        GatewaySettings(**production)
    assert GatewaySettings(**production, private_bind="0.0.0.0:8010").private_bind
