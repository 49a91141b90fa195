"""Sessions recorded before scheduling were recorded after the fact: they become held."""

import uuid

from sqlalchemy import text

from mediation.main import MIGRATIONS
from ombuds_shared.db import create_engine
from ombuds_shared.migrations import upgrade_async
from ombuds_testing import TestDatabases

from .conftest import OLD_MEDIATION


async def test_existing_sessions_are_held_with_no_time_of_day(databases: TestDatabases) -> None:
    url = databases.empty("mediation")
    await upgrade_async(MIGRATIONS, url, "20261207_k3")
    mediation_id, session_id = str(uuid.uuid4()), str(uuid.uuid4())
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                OLD_MEDIATION,
                {"id": mediation_id, "source": "self_referral", "status": "in_mediation"},
            )
            await conn.execute(
                text(
                    "INSERT INTO mediation_session (id, mediation_id, held_on, mode, "
                    "recorded_by, recorded_at) VALUES (:id, :m, '2026-11-30', 'remote', "
                    "'mediator-ana', CURRENT_TIMESTAMP)"
                ),
                {"id": session_id, "m": mediation_id},
            )
        await upgrade_async(MIGRATIONS, url)
        async with engine.connect() as conn:
            row = (
                await conn.execute(
                    text(
                        "SELECT status, starts_at, time_zone, venue, venue_in_calendar, mode "
                        "FROM mediation_session"
                    )
                )
            ).one()
            changes = (await conn.execute(text("SELECT * FROM mediation_session_change"))).all()
    finally:
        await engine.dispose()
    assert (row[0], row[1], row[2], row[3], bool(row[4]), row[5]) == (
        "held",
        None,
        None,
        None,
        False,
        "remote",
    )
    assert changes == []
