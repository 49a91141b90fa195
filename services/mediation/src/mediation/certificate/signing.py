"""The certificate signing keys: their own Ed25519 keys, distinct from any token key.

Keys are configured oldest first; the newest signs, and all of them are
published, so a certificate signed before a rotation still verifies after it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt

from ombuds_shared.keys import SigningKey, load_or_create_key

CERTIFICATE_TYPE = "ombuds-mediation-certificate+jws"
# The kid prefix names what the key is for; the gateway trusts no token under it.
KID_PREFIX = "certificate"


@dataclass(frozen=True)
class CertificateKeys:
    """The signing key ring of certificates."""

    keys: tuple[SigningKey, ...]

    @classmethod
    def load(cls, files: list[Path], *, create: bool) -> CertificateKeys:
        """Loads the configured keys; in development a missing file is created."""
        if not files:
            raise ValueError("at least one certificate key file is needed")
        keys = tuple(
            SigningKey.for_owner(load_or_create_key(path, create=create), KID_PREFIX)
            for path in files
        )
        return cls(keys)

    @property
    def active(self) -> SigningKey:
        """The newest key: the one that signs."""
        return self.keys[-1]

    def public_jwks(self) -> list[dict[str, str]]:
        """Every key's public half, newest first."""
        seen: dict[str, dict[str, str]] = {}
        for key in reversed(self.keys):
            seen.setdefault(key.kid, key.public_jwk)
        return list(seen.values())

    def sign(self, payload: dict[str, Any]) -> tuple[str, str]:
        """A compact JWS (EdDSA) over the payload; returns (kid, jws)."""
        key = self.active
        body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
        token = jwt.api_jws.encode(
            body,
            key.private_key,
            algorithm="EdDSA",
            headers={"kid": key.kid, "typ": CERTIFICATE_TYPE},
        )
        return key.kid, token
