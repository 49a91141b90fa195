"""The service runs the retention schedule by itself, periodically."""

import asyncio
from pathlib import Path

from sqlalchemy import text

from cases.config import CasesSettings
from cases.main import MIGRATIONS, create_app
from ombuds_shared.db import create_engine
from ombuds_testing import TestDatabases, TestKeys, actor, app_client, bearer
from ombuds_testing.pytest_plugin import settings_overrides


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
        opened = await client.post("/v1/cases", json=body, headers=auth)
        assert opened.status_code == 201, opened.text
        case_id = opened.json()["id"]
        base = f"/v1/cases/{case_id}"
        declared = await client.post(
            f"{base}/conflict-declarations", json={"has_conflict": False}, headers=auth
        )
        assert declared.status_code == 201, declared.text
        taken = await client.post(f"{base}/assignment", json={}, headers=auth)
        assert taken.status_code == 200, taken.text
        noted = await client.post(f"{base}/notes", json={"body": "met twice"}, headers=auth)
        assert noted.status_code == 201, noted.text
        # The note was written: the count of zero below means it was destroyed.
        assert await _notes_of(url, case_id) == 1
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
    assert await _notes_of(url, case_id) == 0
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            records = await conn.execute(text("SELECT case_id FROM destruction_record"))
            assert [r[0] for r in records] == [case_id]
    finally:
        await engine.dispose()


async def _notes_of(url: str, case_id: str) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            count = await conn.execute(
                text("SELECT COUNT(*) FROM case_note WHERE case_id = :case_id"),
                {"case_id": case_id},
            )
            return int(count.scalar_one())
    finally:
        await engine.dispose()
