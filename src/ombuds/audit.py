"""The services' audit logs from the operator's command: verify, and export a signed head."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from cases.audit.models import AuditEvent, AuditHead
from ombuds_shared.audit import (
    HeadRefused,
    SignedHead,
    Verification,
    read_heads,
    read_signed_head,
    sign_heads,
    verify,
    verify_against,
)
from ombuds_shared.db import create_engine
from ombuds_shared.keys import SigningKey, load_private_key, public_jwk, public_key_from_jwk

SERVICE = "cases"


async def verify_cases_audit(database_url: str, against: SignedHead | None = None) -> Verification:
    """Walks every chain of the cases service's audit log; with `against`, also checks that
    the log still passes through the heads an earlier export signed."""
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            result = await verify(connection, AuditEvent, AuditHead)
            if against is not None:
                result.problems += await verify_against(connection, AuditEvent, AuditHead, against)
            return result
    finally:
        await engine.dispose()


async def export_cases_head(database_url: str, key: SigningKey) -> str:
    """The heads of the cases service's chains now, as a JWS signed with its key."""
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            heads = await read_heads(connection, AuditHead)
    finally:
        await engine.dispose()
    return sign_heads(heads, key, service=SERVICE)


def read_head_file(path: Path, public_keys: dict[str, Ed25519PublicKey]) -> SignedHead:
    """A signed head kept earlier: the bare JWS, or the JSON the REST route answers."""
    text = path.read_text().strip()
    if text.startswith("{"):
        try:
            text = str(json.loads(text)["jws"])
        except (ValueError, KeyError) as exc:
            raise HeadRefused(f"{path} holds JSON without a jws field") from exc
    return read_signed_head(text, public_keys, service=SERVICE)


def trusted_keys(
    *, signing_key_file: Path, public_key_file: Path | None = None, jwks: str | None = None
) -> dict[str, Ed25519PublicKey]:
    """The keys a signed head may be verified with (kid -> key).

    In order of preference: a public key file (PEM) the auditor kept, the internal
    JWKS (a file, or the gateway's /internal/jwks.json), or the public half of the
    service's own signing key on this machine.
    """
    if public_key_file is not None:
        key = serialization.load_pem_public_key(public_key_file.read_bytes())
        if not isinstance(key, Ed25519PublicKey):
            raise HeadRefused(f"{public_key_file} is not an Ed25519 public key")
        return {public_jwk(key, kid_prefix=SERVICE)["kid"]: key}
    if jwks is not None:
        if jwks.startswith(("http://", "https://")):
            response = httpx.get(jwks, timeout=10)
            response.raise_for_status()
            document = response.json()
        else:
            document = json.loads(Path(jwks).read_text())
        return {
            jwk["kid"]: public_key_from_jwk(jwk)
            for jwk in document.get("keys", [])
            if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519" and "kid" in jwk
        }
    public = load_private_key(signing_key_file).public_key()
    return {public_jwk(public, kid_prefix=SERVICE)["kid"]: public}
