"""Ed25519 signing keys: generation, PEM files and their JWK form."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = [
    "SigningKey",
    "generate_key_file",
    "jwks_document",
    "load_or_create_key",
    "load_private_key",
    "public_jwk",
    "public_key_from_jwk",
    "write_secret_once",
]


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def public_jwk(
    public_key: Ed25519PublicKey, *, kid_prefix: str, use: str = "sig"
) -> dict[str, str]:
    """The JWK of a public key, its kid = prefix + '.' + RFC 7638 thumbprint."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    x = _b64url(raw)
    canonical = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x}, separators=(",", ":"))
    thumbprint = _b64url(hashlib.sha256(canonical.encode()).digest())
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": x,
        "kid": f"{kid_prefix}.{thumbprint[:16]}",
        "alg": "EdDSA",
        "use": use,
    }


@dataclass(frozen=True)
class SigningKey:
    """A private key with the kid under which its public half is published."""

    private_key: Ed25519PrivateKey
    kid: str

    @classmethod
    def for_owner(cls, private_key: Ed25519PrivateKey, owner: str) -> SigningKey:
        return cls(private_key, public_jwk(private_key.public_key(), kid_prefix=owner)["kid"])

    @property
    def public_jwk(self) -> dict[str, str]:
        return public_jwk(self.private_key.public_key(), kid_prefix=self.kid.split(".", 1)[0])


def write_secret_once(path: Path, content: bytes) -> bytes:
    """Publishes `content` at `path` unless a file is already there; returns what is there.

    Services start side by side and may race to create the same development
    secret. Writing a private temporary file and hard-linking it into place is
    atomic: a reader sees either no file or the whole of the winner's, never a
    half-written one (which once left a service without its master key).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return path.read_bytes()
        return content
    finally:
        temporary.unlink(missing_ok=True)


def generate_key_file(path: Path) -> Ed25519PrivateKey:
    """Writes a new Ed25519 private key as PEM (owner-only), or loads the one already there."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    if write_secret_once(path, pem) != pem:  # another process created it first
        return load_private_key(path)
    return key


def load_private_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


def load_or_create_key(path: Path, *, create: bool) -> Ed25519PrivateKey:
    """Loads a key file; in development a missing one is created."""
    if path.exists():
        return load_private_key(path)
    if not create:
        raise FileNotFoundError(f"signing key {path} is missing")
    return generate_key_file(path)


def jwks_document(keys: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    return {"keys": keys}


def public_key_from_jwk(jwk: dict[str, Any]) -> Ed25519PublicKey:
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise ValueError("only Ed25519 keys are trusted")
    raw = base64.urlsafe_b64decode(jwk["x"] + "=" * (-len(jwk["x"]) % 4))
    return Ed25519PublicKey.from_public_bytes(raw)
