"""The identity provider's JWKS unreachable: cached keys keep working, nothing unverified passes."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI

from gateway.config import GatewaySettings
from gateway.main import create_app
from ombuds_shared.keys import SigningKey, jwks_document
from ombuds_testing import TestKeys, app_client, bearer, free_port, serve_app

from ..conftest import Stack

pytestmark = pytest.mark.faults
ISSUER = "https://idp.example.test"


def _idp(keys: list[SigningKey]) -> FastAPI:
    app = FastAPI()

    @app.get("/jwks")
    async def jwks() -> dict[str, object]:
        return jwks_document([k.public_jwk for k in keys])

    return app


def _token(key: SigningKey, role: str = "chief") -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": "ombuds", "sub": f"user-{uuid.uuid4().hex[:6]}",
              "roles": [role], "office": "geneva", "iat": now, "exp": now + 300}  # fmt: skip
    return jwt.encode(claims, key.private_key, algorithm="EdDSA", headers={"kid": key.kid})


async def test_cached_keys_outlive_an_identity_provider_outage(
    stack: Stack, keys: TestKeys, tmp_path: Path
) -> None:
    known = SigningKey.for_owner(Ed25519PrivateKey.generate(), "idp")
    rotated_in_later = SigningKey.for_owner(Ed25519PrivateKey.generate(), "idp")
    port = free_port()
    settings = GatewaySettings(
        environment="test", data_dir=tmp_path, signing_key_file=keys.key_file("gateway"),
        service_keys_dir=keys.folder, oidc_jwks_url=f"http://127.0.0.1:{port}/jwks",
        oidc_issuer=ISSUER, oidc_algorithms=["EdDSA"],
        **{f"{name}_url": url for name, url in stack.urls.items()},
    )  # fmt: skip
    async with app_client(create_app(settings)) as gateway:
        async with serve_app(_idp([known]), port):
            first = await gateway.get("/v1/cases", headers=bearer(_token(known)))
            assert first.status_code == 200
        # The identity provider is gone now.
        again = await gateway.get("/v1/cases", headers=bearer(_token(known)))
        assert again.status_code == 200, "a cached key must keep working"
        unknown = await gateway.get("/v1/cases", headers=bearer(_token(rotated_in_later)))
        assert unknown.status_code == 401, "a key that could not be fetched is never trusted"
        forged = await gateway.get("/v1/cases", headers=bearer("e30.e30."))
        assert forged.status_code == 401
