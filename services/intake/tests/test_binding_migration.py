"""The need-to-know migration binds every identity already stored to the case it opened."""

import uuid

from sqlalchemy import text

from intake.main import MIGRATIONS
from ombuds_shared.db import create_engine
from ombuds_shared.migrations import upgrade_async
from ombuds_testing import TestDatabases


async def test_existing_identities_are_bound_to_their_case(databases: TestDatabases) -> None:
    url = databases.empty("intake")
    await upgrade_async(MIGRATIONS, url, "0002")
    case_id = str(uuid.uuid4())
    rows = [("v-accepted", "accepted", case_id), ("v-waiting", "submitted", None)]
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            for visitor_id, status, case in rows:
                await conn.execute(
                    text(
                        "INSERT INTO visitor (id, ref, created_at) "
                        "VALUES (:id, :ref, CURRENT_TIMESTAMP)"
                    ),
                    {"id": visitor_id, "ref": f"vis_{visitor_id.replace('-', '')}"},
                )
                await conn.execute(
                    text(
                        "INSERT INTO intake_request (id, reference, channel, submitted_by, "
                        "visitor_id, pillar, office, location, occupational_group, "
                        "consent_to_contact, status, case_id, submitted_at) VALUES (:id, :ref, "
                        "'visitor', 'someone', :visitor, 'secretariat', 'geneva', "
                        "'headquarters', 'general_service', true, :status, :case, "
                        "CURRENT_TIMESTAMP)"
                    ),
                    {
                        "id": str(uuid.uuid4()),
                        "ref": f"OMB-{visitor_id[2:6].upper():0<4}-0000",
                        "visitor": visitor_id,
                        "status": status,
                        "case": case,
                    },
                )
        await upgrade_async(MIGRATIONS, url)
        async with engine.connect() as conn:
            bound = (
                await conn.execute(
                    text("SELECT id, bound_kind, bound_id, bound_office FROM visitor ORDER BY id")
                )
            ).all()
    finally:
        await engine.dispose()
    assert [tuple(row) for row in bound] == [
        ("v-accepted", "case", case_id, "geneva"),
        ("v-waiting", None, None, None),
    ]
