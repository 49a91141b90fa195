"""Who submitted a request, as intake keeps it: a keyed HMAC of the login subject.

A visitor who asks anonymously still signs in, and the request must stay theirs to
read, withdraw and message through. Kept in plain text, the login would tie the
"anonymous" request (and its case and messages) to the person's account for anyone
reading intake's database or a backup of it. So `intake_request.submitted_by` holds
`hmac:` and the HMAC of the subject under a key derived from intake's fingerprint
secret (as the receipt codes' key is), for every channel alike, and every comparison
with a caller goes through `submitter_tag`. The key never leaves the service; without
it a guessed login cannot be tested against a row.

Rows written before kept the subject itself; `convert_plain_submitters` rewrites them
when the service starts (it alone holds the key a migration would need), idempotently:
a row already tagged is never touched again, so replicas starting together agree.
"""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import Table, and_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from intake.request.models import IntakeRequest

_KEY_LABEL = b"ombuds intake submitters v1"
TAG_PREFIX = "hmac:"
# Rows rewritten per transaction at start-up: bounded, so a large table never holds a
# long write lock, and the loop ends (each batch tags what it read).
_BATCH = 500
_MAX_BATCHES = 100_000


def submitter_key(fingerprint_key: bytes) -> bytes:
    """The HMAC key of submitters, apart from the fingerprints' and receipts' by derivation."""
    return hmac.new(fingerprint_key, _KEY_LABEL, hashlib.sha256).digest()


def submitter_tag(key: bytes, subject: str) -> str:
    """What intake keeps of a submitter's login subject, and looks requests up by."""
    return TAG_PREFIX + hmac.new(key, subject.encode(), hashlib.sha256).hexdigest()


async def convert_plain_submitters(engine: AsyncEngine, key: bytes) -> int:
    """Replaces every plain-text submitter subject by its tag; returns how many it rewrote."""
    table: Table = IntakeRequest.__table__  # type: ignore[assignment]
    column = table.c.submitted_by
    plain = and_(column.is_not(None), column != "", column.not_like(f"{TAG_PREFIX}%"))
    converted = 0
    for _batch in range(_MAX_BATCHES):
        async with engine.begin() as connection:
            rows = (
                await connection.execute(select(table.c.id, column).where(plain).limit(_BATCH))
            ).all()
            for row in rows:
                # Guarded by the old value: a replica that got there first leaves nothing.
                await connection.execute(
                    update(table)
                    .where(table.c.id == row.id, column == row.submitted_by)
                    .values(submitted_by=submitter_tag(key, row.submitted_by))
                )
        converted += len(rows)
        if len(rows) < _BATCH:
            break
    return converted
