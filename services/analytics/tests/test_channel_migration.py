"""Cases held before the rollup kept intake channels get them on upgrade (20261209_dc1)."""

from sqlalchemy import text

from analytics.main import MIGRATIONS
from ombuds_shared.db import create_engine
from ombuds_shared.migrations import upgrade_async
from ombuds_testing import TestDatabases

_CASE = text(
    "INSERT INTO case_fact (case_key, opened_year, opened_month, pillar, office, location, "
    "occupational_group, intake_channel, is_group, status) VALUES (:key, 2025, 1, "
    "'secretariat', :office, 'field_mission', 'field_service', :channel, false, 'opened')"
)


async def test_the_channels_of_held_cases_enter_the_rollup(databases: TestDatabases) -> None:
    url = databases.empty("analytics")
    await upgrade_async(MIGRATIONS, url, "20261208_fb1")
    held = [("a", "nairobi", "visitor"), ("b", "nairobi", "visitor"), ("c", "nairobi", "fax"),
            ("d", "geneva", "phone")]  # fmt: skip
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            for key, office, channel in held:
                await conn.execute(_CASE, {"key": key, "office": office, "channel": channel})
        await upgrade_async(MIGRATIONS, url)
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    text("SELECT office, value, count FROM case_count "
                         "WHERE dimension = 'intake_channel' ORDER BY office, value")
                )
            ).all()  # fmt: skip
    finally:
        await engine.dispose()
    # A code outside the office's channels is filed as "other".
    assert [tuple(r) for r in rows] == [
        ("geneva", "phone", 1), ("nairobi", "other", 1), ("nairobi", "visitor", 2),
    ]  # fmt: skip
