"""Durations stored before the gateway coarsened them are classed on upgrade (finding A3)."""

from sqlalchemy import text

from analytics.main import MIGRATIONS
from ombuds_shared.db import create_engine
from ombuds_shared.migrations import upgrade_async
from ombuds_testing import TestDatabases

_CASE = text(
    "INSERT INTO case_fact (case_key, opened_year, opened_month, pillar, office, location, "
    "occupational_group, intake_channel, is_group, status, days_open) VALUES (:key, 2025, 1, "
    "'secretariat', 'nairobi', 'field_mission', 'field_service', 'visitor', false, 'closed', "
    ":days)"
)


async def test_stored_days_become_the_first_day_of_their_class(
    databases: TestDatabases,
) -> None:
    url = databases.empty("analytics")
    await upgrade_async(MIGRATIONS, url, "20261208_sy2")
    held = {"a": 58, "b": 30, "c": 31, "d": 90, "e": 180, "f": 181, "g": 0, "h": None}
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            for key, days in held.items():
                await conn.execute(_CASE, {"key": key, "days": days})
        await upgrade_async(MIGRATIONS, url)
        async with engine.connect() as conn:
            rows = dict(
                (await conn.execute(text("SELECT case_key, days_open FROM case_fact"))).all()
            )
    finally:
        await engine.dispose()
    # 58 is 56-62 now; 30, 90 and 180 stay within their thresholds, 31 and 181 beyond.
    assert rows == {"a": 56, "b": 28, "c": 31, "d": 84, "e": 175, "f": 181, "g": 0, "h": None}
