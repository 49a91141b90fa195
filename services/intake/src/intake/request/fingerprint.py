"""Keyed fingerprints of submissions, for idempotent replays.

A replay with the same Idempotency-Key must carry the same submission; to tell,
intake keeps a fingerprint of each. A plain hash of the submission (identity
included) could be matched by anyone recomputing it from a guess (a staff
directory, say), long after the identity itself was destroyed. So the
fingerprint is an HMAC under a secret of intake's own, which never leaves the
service, and retention clears it with the rest of the request's identity.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from intake.config import IntakeSettings
from ombuds_shared.keys import write_secret_once

KEY_BYTES = 32


def load_fingerprint_key(settings: IntakeSettings) -> bytes:
    """The HMAC key: from the settings, else (outside production) a file in the data folder."""
    if settings.fingerprint_key is not None:
        encoded = settings.fingerprint_key.get_secret_value().encode()
    else:
        path = settings.resolved_fingerprint_key_file
        if path.exists():
            encoded = path.read_bytes()
        elif settings.is_development:
            encoded = write_secret_once(path, base64.b64encode(os.urandom(KEY_BYTES)))
        else:
            raise FileNotFoundError(f"fingerprint key {path} is missing")
    key = base64.b64decode(encoded.strip(), validate=True)
    if len(key) < KEY_BYTES:
        raise ValueError(f"the fingerprint key needs at least {KEY_BYTES} bytes")
    return key


def fingerprint(key: bytes, channel: str, canonical_submission: str) -> str:
    """The keyed fingerprint of one submission through one channel (64 hex digits)."""
    message = f"{channel}|{canonical_submission}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
