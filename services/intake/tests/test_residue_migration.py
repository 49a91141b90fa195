"""The no-residue migration clears the unkeyed fingerprints already stored, and what requests
of identities destroyed before it still kept of their submitter."""

import asyncio
import hashlib

from alembic import command
from sqlalchemy import text

from intake.main import MIGRATIONS
from ombuds_shared.db import create_engine
from ombuds_shared.migrations import alembic_config, upgrade_async
from ombuds_testing import TestDatabases


async def test_unkeyed_fingerprints_and_destroyed_submitters_are_cleared(
    databases: TestDatabases,
) -> None:
    url = databases.empty("intake")
    await upgrade_async(MIGRATIONS, url, "0003")
    plain = hashlib.sha256(b"visitor|{...Amina Diallo...}").hexdigest()
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            for visitor_id in ("v-live", "v-gone"):
                await conn.execute(
                    text(
                        "INSERT INTO visitor (id, ref, created_at) "
                        "VALUES (:id, :ref, CURRENT_TIMESTAMP)"
                    ),
                    {"id": visitor_id, "ref": f"vis_{visitor_id[2:]}"},
                )
                await conn.execute(
                    text(
                        "INSERT INTO intake_request (id, reference, channel, submitted_by, "
                        "visitor_id, pillar, office, location, occupational_group, "
                        "consent_to_contact, status, idempotency_key, request_hash, "
                        "submitted_at) VALUES (:id, :ref, 'visitor', :sub, :visitor, "
                        "'secretariat', 'geneva', 'headquarters', 'general_service', true, "
                        "'declined', :key, :hash, CURRENT_TIMESTAMP)"
                    ),
                    {
                        "id": f"r-{visitor_id}",
                        "ref": f"OMB-{visitor_id[2:6].upper():0<4}-0000",
                        "sub": f"subject-of-{visitor_id}",
                        "visitor": visitor_id,
                        "key": f"key-{visitor_id}",
                        "hash": plain,
                    },
                )
            # One identity was destroyed before this migration, with its request left as it was.
            await conn.execute(
                text("UPDATE visitor SET destroyed_at = CURRENT_TIMESTAMP WHERE id = 'v-gone'")
            )
        await upgrade_async(MIGRATIONS, url)
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    text(
                        "SELECT visitor_id, submitted_by, idempotency_key, request_hash, "
                        "destroyed_at FROM intake_request ORDER BY visitor_id"
                    )
                )
            ).all()
        gone, live = rows
        assert all(row.request_hash is None for row in rows)  # no unkeyed hash anywhere
        assert (gone.submitted_by, gone.idempotency_key) == (None, None)
        assert gone.destroyed_at is not None
        assert (live.submitted_by, live.idempotency_key) == ("subject-of-v-live", "key-v-live")
        assert live.destroyed_at is None
        # And back, for a rollback: the submitter column is required again.
        await asyncio.to_thread(command.downgrade, alembic_config(MIGRATIONS, url), "0003")
        async with engine.connect() as conn:
            subs = (await conn.execute(text("SELECT submitted_by FROM intake_request"))).all()
        assert sorted(row.submitted_by for row in subs) == ["", "subject-of-v-live"]
    finally:
        await engine.dispose()
