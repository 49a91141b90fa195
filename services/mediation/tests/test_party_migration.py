"""Parties recorded before parties had identities keep their labels, with no identity."""

import uuid

from sqlalchemy import text

from mediation.main import MIGRATIONS
from ombuds_shared.db import create_engine
from ombuds_shared.migrations import upgrade_async
from ombuds_testing import TestDatabases

from .conftest import OLD_MEDIATION


async def test_existing_parties_stay_labels_without_an_identity(databases: TestDatabases) -> None:
    url = databases.empty("mediation")
    await upgrade_async(MIGRATIONS, url, "0002")
    mediation_id = str(uuid.uuid4())
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                OLD_MEDIATION,
                {"id": mediation_id, "source": "self_referral", "status": "referred"},
            )
            for label in ("P-1", "P-2"):
                await conn.execute(
                    text(
                        "INSERT INTO mediation_party (id, mediation_id, reference, "
                        "represents_administration, agreement, added_at) VALUES (:id, :m, "
                        ":ref, false, 'pending', CURRENT_TIMESTAMP)"
                    ),
                    {"id": str(uuid.uuid4()), "m": mediation_id, "ref": label},
                )
        await upgrade_async(MIGRATIONS, url)
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    text("SELECT reference, has_identity FROM mediation_party ORDER BY reference")
                )
            ).all()
    finally:
        await engine.dispose()
    assert [(r[0], bool(r[1])) for r in rows] == [("P-1", False), ("P-2", False)]
