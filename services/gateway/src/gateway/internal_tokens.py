"""Internal tokens the gateway mints for the services, and the keys that verify them."""

from __future__ import annotations

import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ombuds_shared.keys import SigningKey, public_jwk
from ombuds_shared.tokens import GATEWAY_ISSUER, Actor, mint_internal_token


class InternalTokenMinter:
    """Mints user tokens per (actor, service), reusing one for half its lifetime.

    Reuse lets each service verify a token once and serve the rest from its
    claims cache, which is most of the per-hop cost of a request.
    """

    def __init__(self, key: SigningKey, lifetime: int, capacity: int = 10_000) -> None:
        self.key = key
        self.lifetime = lifetime
        self.capacity = capacity
        self._cache: OrderedDict[tuple[Any, ...], tuple[str, float]] = OrderedDict()

    def token_for(self, audience: str, actor: Actor) -> str:
        cache_key = (audience, actor)
        now = time.monotonic()
        cached = self._cache.get(cache_key)
        if cached is not None and cached[1] > now:
            return cached[0]
        token = mint_internal_token(
            self.key, issuer=GATEWAY_ISSUER, audience=audience, actor=actor, lifetime=self.lifetime
        )
        self._cache[cache_key] = (token, now + self.lifetime / 2)
        if len(self._cache) > self.capacity:
            self._cache.popitem(last=False)
        return token


def service_public_jwks(keys_dir: Path, services: tuple[str, ...]) -> list[dict[str, str]]:
    """The services' public keys as JWKs named after them.

    Each service's key is `<name>.pub.pem` in keys_dir; further keys named
    `<name>.<label>.pub.pem` are published too, so that a new key can be trusted
    before the service signs with it and an old one after (rotation without downtime).
    """
    jwks: dict[str, dict[str, str]] = {}
    for service in services:
        paths = [keys_dir / f"{service}.pub.pem", *sorted(keys_dir.glob(f"{service}.*.pub.pem"))]
        for path in paths:
            if not path.exists():
                continue
            key = serialization.load_pem_public_key(path.read_bytes())
            if not isinstance(key, Ed25519PublicKey):
                raise ValueError(f"{path} is not an Ed25519 public key")
            jwk = public_jwk(key, kid_prefix=service)
            jwks[jwk["kid"]] = jwk
    return list(jwks.values())
