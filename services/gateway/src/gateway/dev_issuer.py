"""The built-in development issuer: stands in for the identity provider on a laptop."""

from __future__ import annotations

import time
import uuid

import jwt

from gateway.config import GatewaySettings
from ombuds_shared.keys import SigningKey, load_or_create_key

DEFAULT_LIFETIME_SECONDS = 8 * 3600


def dev_issuer_key(settings: GatewaySettings) -> SigningKey:
    """The development issuer's key (created on first use outside production)."""
    private = load_or_create_key(
        settings.resolved_dev_issuer_key_file, create=settings.is_development
    )
    return SigningKey.for_owner(private, "dev-issuer")


def mint_dev_token(
    settings: GatewaySettings,
    *,
    subject: str,
    roles: list[str],
    office: str | None = None,
    tribunal: str | None = None,
    lifetime: int = DEFAULT_LIFETIME_SECONDS,
    name: str | None = None,
) -> str:
    """A token as the organization's identity provider would issue it, for development."""
    if not settings.uses_dev_issuer:
        raise RuntimeError("an identity provider is configured; the dev issuer is off")
    key = dev_issuer_key(settings)
    now = int(time.time())
    claims: dict[str, object] = {
        "iss": settings.dev_issuer,
        "aud": settings.oidc_audience,
        "sub": subject,
        settings.roles_claim: roles,
        "iat": now,
        "nbf": now,
        "exp": now + lifetime,
        "jti": uuid.uuid4().hex,
    }
    if office:
        claims[settings.office_claim] = office
    if tribunal:
        claims[settings.tribunal_claim] = tribunal
    if name:
        claims[settings.staff_name_claim] = name
    return jwt.encode(claims, key.private_key, algorithm="EdDSA", headers={"kid": key.kid})
