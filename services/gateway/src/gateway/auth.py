"""Who is calling: the external JWT checked against the identity provider's keys."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

import jwt

from gateway.config import GatewaySettings
from gateway.dev_issuer import dev_issuer_key
from ombuds_shared.auth import parse_bearer
from ombuds_shared.errors import Forbidden
from ombuds_shared.keys import SigningKey, jwks_document
from ombuds_shared.reference import Role, Tribunal
from ombuds_shared.tokens import Actor, JwksKeySource, TokenVerifier

_KNOWN_ROLES = frozenset(r.value for r in Role)
_KNOWN_TRIBUNALS = frozenset(t.value for t in Tribunal)
# Identity providers send roles as a list, or as one string separated by spaces or commas.
_ROLE_SEPARATORS = re.compile(r"[\s,]+")

logger = logging.getLogger("ombuds.gateway.auth")


def external_verifier(settings: GatewaySettings) -> tuple[TokenVerifier, SigningKey | None]:
    """The verifier for callers' tokens, and the dev issuer key when that is in use."""
    if settings.uses_dev_issuer:
        key = dev_issuer_key(settings)
        source = JwksKeySource(document=jwks_document([key.public_jwk]))
        issuer, algorithms = settings.dev_issuer, ["EdDSA"]
    else:
        key = None
        # The settings refuse a JWKS URL without an issuer (and the reverse) at start-up.
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


async def authenticate_with_claims(
    verifier: TokenVerifier, settings: GatewaySettings, authorization: str | None
) -> tuple[Actor, dict[str, Any]]:
    """Verifies the caller's bearer token and reads their roles, office and tribunal from it.

    A registry account is bound to its tribunal: without the claim it would reach every
    tribunal's certificates, so such a token is refused outright.
    """
    token = parse_bearer(authorization)
    claims = await verifier.verify(token)
    named = _role_names(claim_at(claims, settings.roles_claim))
    roles = frozenset(settings.role_names.get(name, name) for name in named) & _KNOWN_ROLES
    if not roles:
        _warn_no_known_role(token, claims, unknown=len(named))
    office = claim_at(claims, settings.office_claim)
    if not isinstance(office, str):
        office = None
    tribunal = claim_at(claims, settings.tribunal_claim)
    if tribunal not in _KNOWN_TRIBUNALS:
        tribunal = None
    if Role.REGISTRY in roles and tribunal is None:
        raise Forbidden(
            f"A registry token must name its tribunal (claim '{settings.tribunal_claim}')."
        )
    return Actor(str(claims["sub"]), roles, str(office) if office else None, tribunal), claims


def claim_at(claims: Mapping[str, Any], path: str) -> Any:
    """The claim named `path`, or reached by its dotted path (`realm_access.roles`).

    A claim whose own name holds dots (a URI such as `https://ombuds.example.org/roles`)
    is found by its whole name first.
    """
    if path in claims:
        return claims[path]
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _role_names(value: Any) -> frozenset[str]:
    """The role names a claim carries, as the identity provider spells them."""
    if isinstance(value, str):
        value = _ROLE_SEPARATORS.split(value)
    if not isinstance(value, list):
        return frozenset()
    return frozenset(str(r) for r in value if isinstance(r, str) and r)


def _warn_no_known_role(token: str, claims: Mapping[str, Any], *, unknown: int) -> None:
    """Tells the operator why a valid token gets 403s: its roles are not ones the gateway knows.

    Nothing of the token's content is logged (no subject, no role names): only the issuer
    and key, which say which identity provider to look at, and how many names were unknown.
    """
    logger.warning(
        "a valid token carries no known role (issuer %s, key %s, %d unknown role names); "
        "check roles_claim and role_names",
        claims.get("iss"),
        jwt.get_unverified_header(token).get("kid"),
        unknown,
    )
