"""The services' audit logs from the operator's command: verify, and export signed heads.

Three services keep a log: intake (identity reveals, triage, bindings), cases
(reads and changes of cases, notes, consents) and mediation (notes, parties,
certificates). Each log is checked alone, with its own tables and its own key.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from cases.audit.service import AUDIT as CASES_AUDIT
from intake.audit.service import AUDIT as INTAKE_AUDIT
from mediation.audit.service import AUDIT as MEDIATION_AUDIT
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
from ombuds_shared.audit_log import ServiceAudit
from ombuds_shared.db import create_engine
from ombuds_shared.keys import SigningKey, load_private_key, public_jwk, public_key_from_jwk

# Every service that keeps an audit log, in the order the command reports them.
AUDITED: dict[str, ServiceAudit] = {
    log.service: log for log in (INTAKE_AUDIT, CASES_AUDIT, MEDIATION_AUDIT)
}


async def verify_audit(
    service: str, database_url: str, against: SignedHead | None = None
) -> Verification:
    """Walks every chain of a service's audit log; with `against`, also checks that the
    log still passes through the heads an earlier export signed."""
    log = AUDITED[service]
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            result = await verify(connection, log.event_model, log.head_model)
            if against is not None:
                result.problems += await verify_against(
                    connection, log.event_model, log.head_model, against
                )
            return result
    finally:
        await engine.dispose()


async def export_head(service: str, database_url: str, key: SigningKey) -> str:
    """The heads of a service's chains now, as a JWS signed with its key."""
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            heads = await read_heads(connection, AUDITED[service].head_model)
    finally:
        await engine.dispose()
    return sign_heads(heads, key, service=service)


def _issuer(token: str) -> str:
    """Which service a head claims to come from (verified afterwards, with that service)."""
    try:
        issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
    except jwt.PyJWTError as exc:
        raise HeadRefused(f"not a JWS: {exc}") from exc
    if issuer not in AUDITED:
        raise HeadRefused(f"not the head of a service that keeps an audit log: {issuer!r}")
    return str(issuer)


def read_head_file(path: Path, public_keys: Mapping[str, Ed25519PublicKey]) -> list[SignedHead]:
    """The signed heads kept earlier in one file: a JWS per line (what `export-head` writes),
    or the JSON a REST route answers. Each is verified as the head of the service it names,
    with that service's key only."""
    text = path.read_text().strip()
    if text.startswith("{"):
        try:
            tokens = [str(json.loads(text)["jws"])]
        except (ValueError, KeyError) as exc:
            raise HeadRefused(f"{path} holds JSON without a jws field") from exc
    else:
        tokens = [line.strip() for line in text.splitlines() if line.strip()]
    if not tokens:
        raise HeadRefused(f"{path} holds no signed head")
    heads = [read_signed_head(t, public_keys, service=_issuer(t)) for t in tokens]
    services = [head.service for head in heads]
    if len(set(services)) != len(services):
        raise HeadRefused(f"{path} holds two heads of one service")
    return heads


def trusted_keys(
    *,
    signing_key_files: Mapping[str, Path],
    public_key_file: Path | None = None,
    jwks: str | None = None,
) -> dict[str, Ed25519PublicKey]:
    """The keys a signed head may be verified with (kid -> key).

    In order of preference: a public key file (PEM) the auditor kept, the internal
    JWKS (a file, or the gateway's /internal/jwks.json), or the public halves of the
    services' own signing keys on this machine. A kid names its service, and a head
    is only verified with a key of the service it comes from.
    """
    if public_key_file is not None:
        key = serialization.load_pem_public_key(public_key_file.read_bytes())
        if not isinstance(key, Ed25519PublicKey):
            raise HeadRefused(f"{public_key_file} is not an Ed25519 public key")
        # Whose key it is, the file does not say: it verifies only what that service signed.
        return _by_kid((service, key) for service in AUDITED)
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
    return _by_kid(
        (service, load_private_key(path).public_key())
        for service, path in signing_key_files.items()
        if path.exists()
    )


def _by_kid(keys: Iterable[tuple[str, Ed25519PublicKey]]) -> dict[str, Ed25519PublicKey]:
    return {public_jwk(key, kid_prefix=service)["kid"]: key for service, key in keys}
