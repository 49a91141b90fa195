"""Who is calling: the external JWT checked against the identity provider's keys."""

from __future__ import annotations

import logging
import math
import re
import time
import weakref
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
# How a roles claim that is one string is split (the `roles_separator` setting).
_ROLE_SEPARATORS = {"space": re.compile(r"\s+"), "comma": re.compile(r"\s*,\s*")}

logger = logging.getLogger("ombuds.gateway.auth")
# When each verifier (one per gateway) last warned of a roleless token, per issuer and key.
_NO_ROLE_WARNED: weakref.WeakKeyDictionary[TokenVerifier, dict[tuple[str, str], float]] = (
    weakref.WeakKeyDictionary()
)
NO_ROLE_WARNING_SECONDS = 60.0


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
    named = _role_names(claim_at(claims, settings.roles_claim), settings.roles_separator)
    roles = _ombuds_roles(named, settings.role_names)
    if not roles:
        _warn_no_known_role(verifier, token, claims, unknown=len(named))
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


def _role_names(value: Any, separator: str) -> frozenset[str]:
    """The role names a claim carries, as the identity provider spells them."""
    if isinstance(value, str):
        value = [value] if separator == "none" else _ROLE_SEPARATORS[separator].split(value)
    if not isinstance(value, list):
        return frozenset()
    return frozenset(str(r) for r in value if isinstance(r, str) and r)


def _ombuds_roles(named: frozenset[str], mapping: Mapping[str, str]) -> frozenset[str]:
    """The Ombuds roles the provider's names grant.

    Once an office maps names, the mapping is the whole list: a provider role that merely
    shares a name with an Ombuds role (its own `administrator`) grants nothing unlisted.
    """
    if mapping:
        return frozenset(mapping[name] for name in named if name in mapping) & _KNOWN_ROLES
    return named & _KNOWN_ROLES


def _warn_no_known_role(
    verifier: TokenVerifier, token: str, claims: Mapping[str, Any], *, unknown: int
) -> None:
    """Tells the operator why a valid token gets 403s: its roles are not ones the gateway knows.

    Nothing of the token's content is logged (no subject, no role names): only the issuer
    and key, which say which identity provider to look at, and how many names were unknown.
    Once a minute per issuer and key at most: a client retrying such a token must not flood
    the log (the refusals themselves are counted by the gateway's metrics).
    """
    issuer, kid = claims.get("iss"), jwt.get_unverified_header(token).get("kid")
    last_warned = _NO_ROLE_WARNED.setdefault(verifier, {})
    now = time.monotonic()
    if now - last_warned.get((str(issuer), str(kid)), -math.inf) < NO_ROLE_WARNING_SECONDS:
        return
    last_warned[(str(issuer), str(kid))] = now
    logger.warning(
        "a valid token carries no known role (issuer %s, key %s, %d unknown role names); "
        "check roles_claim and role_names",
        issuer,
        kid,
        unknown,
    )
