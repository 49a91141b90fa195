"""The service runs the retention schedule by itself, periodically."""

import asyncio
from pathlib import Path

from sqlalchemy import text

from cases.config import CasesSettings
from cases.main import MIGRATIONS, create_app
from ombuds_shared.db import create_engine
from ombuds_shared.pytest_plugin import settings_overrides
from ombuds_shared.testing import TestDatabases, TestKeys, actor, app_client, bearer


async def test_closed_cases_are_destroyed_by_the_periodic_run(
    keys: TestKeys, databases: TestDatabases, master_keys: str, tmp_path: Path
) -> None:
    url = databases.fresh("cases", MIGRATIONS)
    overrides = settings_overrides(
        "cases", keys=keys, data_dir=tmp_path, database_url=url, master=master_keys
    )
    settings = CasesSettings(
        **overrides,
        retention_months=0,  # type: ignore[arg-type]
        retention_interval_seconds=0.05,
    )
    ombudsman = actor("ombudsman", office="vienna")
    auth = bearer(keys.user_token("cases", ombudsman))
    async with app_client(create_app(settings)) as client:
        body = {
            "pillar": "secretariat",
            "location": "headquarters",
            "occupational_group": "non_staff",
            "intake_channel": "in_person",
        }
        case_id = (await client.post("/v1/cases", json=body, headers=auth)).json()["id"]
        base = f"/v1/cases/{case_id}"
        await client.post(
            f"{base}/conflict-declarations", json={"has_conflict": False}, headers=auth
        )
        await client.post(f"{base}/assignment", json={}, headers=auth)
        await client.post(f"{base}/notes", json={"body": "met twice"}, headers=auth)
        closed = await client.post(
            f"{base}/status", headers=auth, json={"status": "closed", "closure_reason": "resolved"}
        )
        assert closed.status_code == 200, closed.text
        destroyed_at = None
        for _ in range(100):  # bounded: the schedule runs every 50 ms
            destroyed_at = (await client.get(base, headers=auth)).json()["destroyed_at"]
            if destroyed_at:
                break
            await asyncio.sleep(0.05)
        assert destroyed_at is not None
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT COUNT(*) FROM case_note"))).scalar_one() == 0
            records = await conn.execute(text("SELECT case_id FROM destruction_record"))
            assert [r[0] for r in records] == [case_id]
    finally:
        await engine.dispose()
