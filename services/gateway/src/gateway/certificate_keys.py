"""Certificate public keys, fetched from the mediation service and cached for the JWKS.

The mediation service owns the signing keys; the gateway only republishes their
public halves at /.well-known/jwks.json, so registries verify certificates
offline against one well-known address. The last good set is kept when the
mediation service is unreachable, so an outage there does not unpublish keys.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from ombuds_shared.errors import AppError
from ombuds_shared.http import ServiceClient

logger = logging.getLogger("ombuds.gateway.certificate_keys")

KEYS_PATH = "/v1/internal/certificate-keys"
KID_PREFIX = "certificate."
_PUBLIC_MEMBERS = ("kty", "crv", "x", "kid", "alg", "use")


def _public_certificate_key(jwk: Any) -> dict[str, str] | None:
    """The key's public members, if it is an Ed25519 certificate key; else None."""
    if not isinstance(jwk, dict):
        return None
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or "d" in jwk:
        return None
    if not str(jwk.get("kid", "")).startswith(KID_PREFIX) or not jwk.get("x"):
        return None
    return {name: str(jwk[name]) for name in _PUBLIC_MEMBERS if name in jwk}


class CertificateKeyCache:
    """The certificate keys, refetched when older than `max_age_seconds`."""

    def __init__(self, client: ServiceClient, max_age_seconds: float) -> None:
        self.client = client
        self.max_age = max_age_seconds
        self._keys: list[dict[str, str]] = []
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()

    def _fresh(self) -> bool:
        return self._fetched_at is not None and time.monotonic() - self._fetched_at < self.max_age

    async def keys(self) -> list[dict[str, str]]:
        """The current certificate keys (the last good set if the fetch fails)."""
        if self._fresh():
            return self._keys
        async with self._lock:
            if not self._fresh():
                await self._refresh()
        return self._keys

    async def _refresh(self) -> None:
        try:
            response = await self.client.send("GET", KEYS_PATH, retry=False)
            document = response.json() if response.status == 200 else None
        except (AppError, ValueError) as exc:
            logger.warning("certificate keys unavailable: %s", type(exc).__name__)
            return
        if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
            logger.warning("certificate keys unavailable", extra={"status": response.status})
            return
        keys = [k for jwk in document["keys"] if (k := _public_certificate_key(jwk)) is not None]
        self._keys = keys
        self._fetched_at = time.monotonic()
