from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from intake.config import IntakeSettings
from intake.main import MIGRATIONS, create_app
from ombuds_shared.db import create_engine
from ombuds_shared.tokens import Actor
from ombuds_testing import TestDatabases, TestKeys, app_client, bearer
from ombuds_testing.pytest_plugin import settings_overrides


@dataclass
class Intake:
    client: httpx.AsyncClient
    keys: TestKeys
    database_url: str
    key_store_url: str

    def auth(self, who: Actor) -> dict[str, str]:
        return bearer(self.keys.user_token("intake", who))

    async def submit(
        self, who: Actor, body: dict[str, Any], key: str | None = None
    ) -> httpx.Response:
        headers = self.auth(who)
        if key:
            headers["Idempotency-Key"] = key
        return await self.client.post("/v1/intake/requests", json=body, headers=headers)


def intake_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "visitor": {
            "name": "Amina Diallo",
            "email": "amina.diallo@example.org",
            "staff_index_number": "482913",
            "preferred_contact": "email",
        },
        "pillar": "secretariat",
        "office": "geneva",
        "location": "headquarters",
        "occupational_group": "general_service",
    }
    body.update(changes)
    return body


def intake_settings(
    keys: TestKeys, tmp_path: Path, database_url: str, master: str | None
) -> IntakeSettings:
    overrides = settings_overrides(
        "intake", keys=keys, data_dir=tmp_path, database_url=database_url, master=master
    )
    return IntakeSettings(**overrides, cases_url="http://127.0.0.1:9")  # type: ignore[arg-type]


@pytest.fixture
async def intake(
    keys: TestKeys, databases: TestDatabases, master_keys: str, tmp_path: Path
) -> AsyncIterator[Intake]:
    url = databases.fresh("intake", MIGRATIONS)
    settings = intake_settings(keys, tmp_path, url, master_keys)
    app = create_app(settings)
    async with app_client(app) as client:
        yield Intake(client, keys, url, settings.resolved_key_store_url)


async def sql(url: str, statement: str, **params: object) -> list[dict[str, Any]]:
    """Runs raw SQL on the database at `url` (to see what is really stored); its rows."""
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            result = await conn.execute(text(statement), params)
            return [dict(r) for r in result.mappings()] if result.returns_rows else []
    finally:
        await engine.dispose()
