"""Published keys: the public JWKS (issuers, certificates) and the internal one (services)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from gateway.state import gateway_state

router = APIRouter(tags=["keys"])
# Served on the private listener only (gateway.private_listener).
internal_router = APIRouter(tags=["keys"])

_KEYS_CACHE = "public, max-age=300"


@router.get(
    "/.well-known/jwks.json",
    summary="Public keys: the development issuer (when enabled) and certificate signing keys",
)
async def public_jwks(request: Request, response: Response) -> dict[str, Any]:
    certificate_keys = await gateway_state(request.app).certificate_keys.keys()
    response.headers["Cache-Control"] = _KEYS_CACHE
    return {"keys": [*gateway_state(request.app).public_jwks, *certificate_keys]}


@internal_router.get(
    "/internal/jwks.json",
    summary="Keys the services trust: the gateway's internal-token key and each service's key",
)
async def internal_jwks(request: Request, response: Response) -> dict[str, Any]:
    response.headers["Cache-Control"] = _KEYS_CACHE
    return {"keys": list(gateway_state(request.app).internal_jwks)}
