"""Receipt codes: the only credential of a visitor who consulted anonymously.

A code is 120 random bits written as six groups of four characters of Crockford's
base32 (`7K3F-9Q2M-...`), shown once in the answer that creates it. Intake keeps
only an HMAC of it under a key derived from its own fingerprint secret, so the
database (or a backup of it) holds nothing a code can be recovered or tested
against, and a lookup is by that HMAC: a wrong code, a malformed one and an
expired one all cost the same work and get the same answer.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_GROUPS, _GROUP_LENGTH = 6, 4
CODE_BITS = 5 * _GROUPS * _GROUP_LENGTH  # 120
# What a person may type for a character: lower case, and the look-alikes Crockford maps.
_TYPED = str.maketrans({"I": "1", "L": "1", "O": "0"})
_KEY_LABEL = b"ombuds intake receipt codes v1"


def receipt_key(fingerprint_key: bytes) -> bytes:
    """The HMAC key of receipt codes, apart from the fingerprints' by derivation."""
    return hmac.new(fingerprint_key, _KEY_LABEL, hashlib.sha256).digest()


def new_code() -> str:
    """A fresh receipt code (120 bits), in groups a person can read out and type."""
    bits = secrets.randbits(CODE_BITS)
    chars = "".join(_ALPHABET[(bits >> (5 * n)) & 31] for n in range(_GROUPS * _GROUP_LENGTH))
    groups = [chars[i : i + _GROUP_LENGTH] for i in range(0, len(chars), _GROUP_LENGTH)]
    return "-".join(groups)


def normalized(code: str) -> str:
    """The code as typed, without separators and case: malformed input is simply a code
    nobody holds (no early refusal, so the format is not an oracle)."""
    return code.upper().translate(_TYPED).replace("-", "").replace(" ", "")[:64]


def code_hash(key: bytes, code: str) -> str:
    """What intake keeps of a code, and looks it up by (64 hex digits)."""
    return hmac.new(key, normalized(code).encode(), hashlib.sha256).hexdigest()
