"""JWTs inside Ombuds: minting internal tokens and verifying any token against a JWKS.

Two kinds of internal token exist, both EdDSA with `typ` = INTERNAL_TOKEN_TYPE:
- user tokens, minted by the gateway (iss="gateway") for one target service
  (aud), carrying the caller's subject, roles and office;
- peer tokens, minted by a service with its own key (iss=<service>) for another
  service, carrying the original user as an RFC 8693 actor claim (`act`).
A kid is "<owner>.<thumbprint>"; a token whose kid owner is not its issuer is
refused, so one service's key can never speak for another.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import jwt
from jwt import PyJWK

from ombuds_shared.errors import Unauthorized
from ombuds_shared.keys import SigningKey

__all__ = [
    "EVENT_TOKEN_SUBJECT",
    "EVENT_TOKEN_TYPE",
    "EXIT_SURVEY_ISSUERS",
    "EXIT_SURVEY_TOKEN_TYPE",
    "GATEWAY_ISSUER",
    "INTERNAL_TOKEN_LIFETIME_SECONDS",
    "Actor",
    "Caller",
    "JwksKeySource",
    "TokenVerifier",
    "mint_event_token",
    "mint_exit_survey_token",
    "mint_internal_token",
]

logger = logging.getLogger("ombuds.tokens")

INTERNAL_TOKEN_TYPE = "ombuds-internal+jwt"  # noqa: S105 - a type name, not a secret
# The gateway's token for de-identified events bound for analytics. Its own type, so
# that no user token (also iss="gateway", with a `sub` copied from outside) can pass
# for one, and no event token can pass for a user.
EVENT_TOKEN_TYPE = "ombuds-events+jwt"  # noqa: S105 - a type name, not a secret
EVENT_TOKEN_SUBJECT = "gateway:events"  # noqa: S105 - a subject, not a secret
# A visitor's (or party's) one-time ticket to the exit survey, minted by the service that
# closes their matter and checked by analytics. It names no case, person or office: it
# says only that some matter closed (P6); analytics keeps a keyed hash of its jti once used.
EXIT_SURVEY_TOKEN_TYPE = "ombuds-exit-survey+jwt"  # noqa: S105 - a type name, not a secret
EXIT_SURVEY_TOKEN_SUBJECT = "exit-survey"  # noqa: S105 - a subject, not a secret
EXIT_SURVEY_TOKEN_LIFETIME_SECONDS = 90 * 24 * 3600
EXIT_SURVEY_ISSUERS = ("cases", "mediation")
INTERNAL_TOKEN_LIFETIME_SECONDS = 60
GATEWAY_ISSUER = "gateway"
MAX_TOKEN_BYTES = 8192

_ALG_FAMILY = {"OKP": ("EdDSA",), "RSA": ("RS", "PS"), "EC": ("ES",)}


@dataclass(frozen=True)
class Actor:
    """The person on whose behalf a request is made."""

    subject: str
    roles: frozenset[str]
    office: str | None = None
    # The tribunal a registry account serves; it sees that tribunal's certificates only.
    tribunal: str | None = None

    def has_any(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def to_claims(self) -> dict[str, Any]:
        claims = {"sub": self.subject, "roles": sorted(self.roles), "office": self.office}
        if self.tribunal is not None:
            claims["tribunal"] = self.tribunal
        return claims

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> Actor:
        roles = claims.get("roles") or []
        if isinstance(roles, str):
            roles = [roles]
        office = claims.get("office")
        tribunal = claims.get("tribunal")
        return cls(
            str(claims["sub"]),
            frozenset(str(r) for r in roles),
            office and str(office),
            tribunal and str(tribunal),
        )


@dataclass(frozen=True)
class Caller:
    """Who is calling a service: the gateway on a user's behalf, or a peer service."""

    actor: Actor | None
    peer: str | None = None
    token_id: str | None = None
    # What a peer service vouches for about its actor, e.g. {"handles": "case:<id>"}:
    # the receiving service checks it against its own records before acting on it.
    asserts: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_peer(self) -> bool:
        return self.peer is not None


def mint_internal_token(
    key: SigningKey,
    *,
    issuer: str,
    audience: str,
    actor: Actor | None,
    lifetime: int = INTERNAL_TOKEN_LIFETIME_SECONDS,
    asserts: Mapping[str, str] | None = None,
) -> str:
    """Mints a short-lived internal token; a peer token carries the actor as `act`, and
    what the peer vouches for about them (`asserts`)."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "iat": now,
        "nbf": now,
        "exp": now + lifetime,
        "jti": uuid.uuid4().hex,
    }
    if issuer == GATEWAY_ISSUER:
        if actor is None:
            raise ValueError("a gateway token speaks for a user")
        claims.update(actor.to_claims())
    else:
        claims["sub"] = f"service:{issuer}"
        if actor is not None:
            claims["act"] = actor.to_claims()
        if asserts:
            claims["asserts"] = dict(asserts)
    headers = {"kid": key.kid, "typ": INTERNAL_TOKEN_TYPE}
    return jwt.encode(claims, key.private_key, algorithm="EdDSA", headers=headers)


def mint_event_token(
    key: SigningKey, *, audience: str, lifetime: int = INTERNAL_TOKEN_LIFETIME_SECONDS
) -> str:
    """Mints the gateway's token for delivering projected events (never a user's)."""
    now = int(time.time())
    claims = {
        "iss": GATEWAY_ISSUER,
        "aud": audience,
        "sub": EVENT_TOKEN_SUBJECT,
        "iat": now,
        "nbf": now,
        "exp": now + lifetime,
        "jti": uuid.uuid4().hex,
    }
    headers = {"kid": key.kid, "typ": EVENT_TOKEN_TYPE}
    return jwt.encode(claims, key.private_key, algorithm="EdDSA", headers=headers)


def mint_exit_survey_token(
    key: SigningKey, *, issuer: str, lifetime: int = EXIT_SURVEY_TOKEN_LIFETIME_SECONDS
) -> str:
    """Mints a one-time exit-survey token for analytics; it carries no case, person or time
    but its expiry, rounded up to a day (no `iat`: the moment of closure would narrow down
    whose matter it was)."""
    day = 24 * 3600
    claims = {
        "iss": issuer,
        "aud": "analytics",
        "sub": EXIT_SURVEY_TOKEN_SUBJECT,
        "exp": (int(time.time()) + lifetime) // day * day + day,
        "jti": uuid.uuid4().hex,
    }
    headers = {"kid": key.kid, "typ": EXIT_SURVEY_TOKEN_TYPE}
    return jwt.encode(claims, key.private_key, algorithm="EdDSA", headers=headers)


class JwksKeySource:
    """Public keys from a JWKS document, a file, or a URL fetched and cached.

    A remote set is refetched when a token names an unknown kid (at most once
    per `min_refresh_seconds`), and the last good set is kept when the URL is
    unreachable, so a passing outage of the issuer does not lock everyone out.
    """

    def __init__(
        self,
        *,
        url: str | None = None,
        document: Mapping[str, Any] | None = None,
        file: Path | None = None,
        min_refresh_seconds: float = 10.0,
        max_age_seconds: float = 300.0,
        timeout_seconds: float = 5.0,
    ) -> None:
        if sum(x is not None for x in (url, document, file)) != 1:
            raise ValueError("give exactly one of url, document or file")
        self._url = url
        self._file = file
        self._keys: dict[str, tuple[PyJWK, dict[str, Any]]] = {}
        self._fetched_at = 0.0
        self._min_refresh = min_refresh_seconds
        self._max_age = max_age_seconds
        self._timeout = timeout_seconds
        self._lock = asyncio.Lock()
        self._session: aiohttp.ClientSession | None = None
        if document is not None:
            self._load(document)
        elif file is not None:
            self._load(json.loads(file.read_text()))

    def _load(self, document: Mapping[str, Any]) -> None:
        keys: dict[str, tuple[PyJWK, dict[str, Any]]] = {}
        for jwk in document.get("keys", []):
            kid = jwk.get("kid")
            if not kid:
                continue
            try:
                keys[str(kid)] = (PyJWK(dict(jwk)), dict(jwk))
            except jwt.PyJWTError:
                logger.warning("skipping an unusable key in a JWKS", extra={"kid": kid})
        self._keys = keys
        self._fetched_at = time.monotonic()

    async def _refresh(self) -> None:
        assert self._url is not None
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self._timeout)
            )
        try:
            async with self._session.get(self._url) as response:
                response.raise_for_status()
                self._load(await response.json(content_type=None))
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            logger.warning("JWKS unreachable, keeping cached keys: %s", type(exc).__name__)
            self._fetched_at = time.monotonic()

    async def get(self, kid: str) -> tuple[PyJWK, dict[str, Any]] | None:
        if self._url is not None:
            age = time.monotonic() - self._fetched_at
            stale = not self._keys or age > self._max_age
            if stale or (kid not in self._keys and age > self._min_refresh):
                async with self._lock:
                    age = time.monotonic() - self._fetched_at
                    if (
                        not self._keys
                        or age > self._max_age
                        or (kid not in self._keys and age > self._min_refresh)
                    ):
                        await self._refresh()
        return self._keys.get(kid)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


class ReusedToken:
    """A token minted once and handed out again for half its lifetime.

    For a caller that sends the same identity over and over (an outbox relay,
    every second): minting each time costs a signature here and a verification
    there, and every fresh token takes a place in the receiver's claims cache.
    """

    def __init__(self, mint: Callable[[], str], lifetime: int = INTERNAL_TOKEN_LIFETIME_SECONDS):
        self._mint = mint
        self._reuse_for = lifetime / 2
        self._token = ""
        self._fresh_until = 0.0

    def __call__(self) -> str:
        now = time.monotonic()
        if now >= self._fresh_until:
            self._token = self._mint()
            self._fresh_until = now + self._reuse_for
        return self._token


_TIME_CLAIMS = ("exp", "nbf", "iat")


@dataclass
class _ClaimsCache:
    """Verified claims by token until the token expires (a small LRU)."""

    size: int = 4096
    entries: OrderedDict[str, dict[str, Any]] = field(default_factory=OrderedDict)

    def get(self, token: str) -> dict[str, Any] | None:
        claims = self.entries.get(token)
        if claims is None:
            return None
        if claims["exp"] <= time.time():
            del self.entries[token]
            return None
        self.entries.move_to_end(token)
        return claims

    def put(self, token: str, claims: dict[str, Any]) -> None:
        self.entries[token] = claims
        if len(self.entries) > self.size:
            self.entries.popitem(last=False)


class TokenVerifier:
    """Verifies a JWT's signature, algorithm, type, issuer, audience and lifetime."""

    def __init__(
        self,
        keys: JwksKeySource,
        *,
        audience: str,
        issuers: Iterable[str],
        algorithms: Iterable[str] = ("EdDSA",),
        token_type: str | None = INTERNAL_TOKEN_TYPE,
        kid_names_issuer: bool = True,
        required_claims: Iterable[str] = ("exp", "iat", "iss", "aud", "sub"),
        leeway_seconds: int = 5,
    ) -> None:
        self.keys = keys
        self.audience = audience
        self.issuers = frozenset(issuers)
        self.algorithms = tuple(a for a in algorithms if a.lower() != "none")
        self.token_type = token_type
        self.kid_names_issuer = kid_names_issuer
        self.required_claims = list(required_claims)
        self.leeway = leeway_seconds
        self._cache = _ClaimsCache()

    async def verify(self, token: str) -> dict[str, Any]:
        """Returns the verified claims, or raises Unauthorized saying what was wrong."""
        if not token or len(token) > MAX_TOKEN_BYTES:
            raise Unauthorized("The token is missing or too large.")
        cached = self._cache.get(token)
        if cached is not None:
            return cached
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthorized("The token is malformed.") from exc
        alg = header.get("alg")
        if alg not in self.algorithms:
            raise Unauthorized("The token's algorithm is not accepted.")
        if self.token_type is not None and header.get("typ") != self.token_type:
            raise Unauthorized("The token is not of the expected type.")
        if self.token_type is None and header.get("typ") == INTERNAL_TOKEN_TYPE:
            raise Unauthorized("Internal tokens are not accepted here.")
        if header.get("crit"):
            raise Unauthorized("The token demands extensions this service does not support.")
        if any(h in header for h in ("jku", "x5u", "jwk", "x5c")):
            raise Unauthorized("The token names its own keys; it is not trusted.")
        kid = header.get("kid")
        if not isinstance(kid, str) or not 0 < len(kid) < 200:
            raise Unauthorized("The token names no usable key.")
        found = await self.keys.get(kid)
        if found is None:
            raise Unauthorized("The token was signed by an unknown key.")
        key, jwk = found
        if not _alg_fits_key(alg, jwk):
            raise Unauthorized("The token's algorithm does not fit its key.")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[alg],
                audience=self.audience,
                options={"require": self.required_claims, "verify_iss": False},
                leeway=self.leeway,
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("The token has expired.") from exc
        except jwt.InvalidAudienceError as exc:
            raise Unauthorized("The token is not meant for this service.") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized("The token is not valid.") from exc
        # PyJWT accepts a time claim written as a numeric string ("exp": "1893456000");
        # such a token is malformed, and the claims cache compares `exp` with a number.
        for name in _TIME_CLAIMS:
            value = claims.get(name)
            if name in claims and (isinstance(value, bool) or not isinstance(value, int | float)):
                raise Unauthorized(f"The token's '{name}' is not a number.")
        issuer = claims.get("iss")
        if issuer not in self.issuers:
            raise Unauthorized("The token's issuer is not trusted here.")
        if self.kid_names_issuer and kid.split(".", 1)[0] != issuer:
            raise Unauthorized("The token's key does not belong to its issuer.")
        self._cache.put(token, claims)
        return claims


def _alg_fits_key(alg: str, jwk: Mapping[str, Any]) -> bool:
    if jwk.get("alg"):
        return bool(jwk["alg"] == alg)
    return alg.startswith(_ALG_FAMILY.get(str(jwk.get("kty")), ("\x00",)))


def caller_from_internal_claims(claims: Mapping[str, Any]) -> Caller:
    """Turns verified internal claims into the Caller a route sees."""
    issuer = claims["iss"]
    jti = claims.get("jti")
    if issuer == GATEWAY_ISSUER:
        return Caller(actor=Actor.from_claims(claims), token_id=jti)
    act = claims.get("act")
    actor = Actor.from_claims(act) if isinstance(act, Mapping) and act.get("sub") else None
    vouched = claims.get("asserts")
    asserts = {str(k): str(v) for k, v in vouched.items()} if isinstance(vouched, Mapping) else {}
    return Caller(actor=actor, peer=str(issuer), token_id=jti, asserts=asserts)
