"""Keyed pseudonyms: a case id becomes an HMAC only the gateway can compute.

The key never leaves the gateway, so analytics (or anyone reading its
database) cannot turn a pseudonym back into a case id, nor test a guess.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from gateway.config import GatewaySettings
from ombuds_shared.keys import write_secret_once

KEY_BYTES = 32


def load_pseudonym_key(settings: GatewaySettings) -> bytes:
    """The HMAC key: from the settings, else (outside production) a file in the data folder."""
    if settings.pseudonym_key is not None:
        key = base64.b64decode(settings.pseudonym_key.get_secret_value(), validate=True)
    else:
        path = settings.resolved_pseudonym_key_file
        if path.exists():
            encoded = path.read_bytes()
        elif settings.is_development:
            encoded = write_secret_once(path, base64.b64encode(os.urandom(KEY_BYTES)))
        else:
            raise FileNotFoundError(f"pseudonym key {path} is missing")
        key = base64.b64decode(encoded.strip(), validate=True)
    if len(key) < KEY_BYTES:
        raise ValueError(f"the pseudonym key needs at least {KEY_BYTES} bytes")
    return key


class Pseudonymizer:
    """Turns identifiers into stable keyed pseudonyms, one namespace per kind of id."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def __call__(self, kind: str, value: str) -> str:
        digest = hmac.new(self._key, f"{kind}:{value}".encode(), hashlib.sha256).digest()
        # 128 bits: collisions are out of reach for any office's history.
        return base64.b32encode(digest[:20]).decode().lower()
