"""Who is calling: the external JWT checked against the identity provider's keys."""

from __future__ import annotations

from typing import Any

from gateway.config import GatewaySettings
from gateway.dev_issuer import dev_issuer_key
from ombuds_shared.auth import parse_bearer
from ombuds_shared.errors import Forbidden
from ombuds_shared.keys import SigningKey, jwks_document
from ombuds_shared.reference import Role, Tribunal
from ombuds_shared.tokens import Actor, JwksKeySource, TokenVerifier

_KNOWN_ROLES = frozenset(r.value for r in Role)
_KNOWN_TRIBUNALS = frozenset(t.value for t in Tribunal)


def external_verifier(settings: GatewaySettings) -> tuple[TokenVerifier, SigningKey | None]:
    """The verifier for callers' tokens, and the dev issuer key when that is in use."""
    if settings.uses_dev_issuer:
        key = dev_issuer_key(settings)
        source = JwksKeySource(document=jwks_document([key.public_jwk]))
        issuer, algorithms = settings.dev_issuer, ["EdDSA"]
    else:
        key = None
        assert settings.oidc_jwks_url
        assert settings.oidc_issuer
        source = JwksKeySource(url=settings.oidc_jwks_url)
        issuer, algorithms = settings.oidc_issuer, settings.oidc_algorithms
    verifier = TokenVerifier(
        source,
        audience=settings.oidc_audience,
        issuers={issuer},
        algorithms=algorithms,
        token_type=None,
        kid_names_issuer=False,
    )
    return verifier, key


async def authenticate(
    verifier: TokenVerifier, settings: GatewaySettings, authorization: str | None
) -> Actor:
    """The caller (see `authenticate_with_claims`)."""
    actor, _ = await authenticate_with_claims(verifier, settings, authorization)
    return actor


async def authenticate_with_claims(
    verifier: TokenVerifier, settings: GatewaySettings, authorization: str | None
) -> tuple[Actor, dict[str, Any]]:
    """Verifies the caller's bearer token and reads their roles, office and tribunal from it.

    A registry account is bound to its tribunal: without the claim it would reach every
    tribunal's certificates, so such a token is refused outright.
    """
    token = parse_bearer(authorization)
    claims = await verifier.verify(token)
    roles = _roles(claims.get(settings.roles_claim))
    office = claims.get(settings.office_claim)
    tribunal = claims.get(settings.tribunal_claim)
    if tribunal not in _KNOWN_TRIBUNALS:
        tribunal = None
    if Role.REGISTRY in roles and tribunal is None:
        raise Forbidden(
            f"A registry token must name its tribunal (claim '{settings.tribunal_claim}')."
        )
    return Actor(str(claims["sub"]), roles, str(office) if office else None, tribunal), claims


def _roles(value: Any) -> frozenset[str]:
    if isinstance(value, str):
        value = value.split()
    if not isinstance(value, list):
        return frozenset()
    return frozenset(str(r) for r in value) & _KNOWN_ROLES
