import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from cases.config import CasesSettings
from cases.main import MIGRATIONS, create_app
from ombuds_testing import TestDatabases, TestKeys, app_client
from ombuds_testing.pytest_plugin import settings_overrides


def opening_from_intake(**changes: Any) -> dict[str, Any]:
    """What intake sends to open the case of an accepted request (a new request each call)."""
    return {
        "intake_request_id": str(uuid.uuid4()),
        "visitor_ref": "vis_" + uuid.uuid4().hex,
        "pillar": "unhcr",
        "office": "unhcr",
        "location": "field_mission",
        "occupational_group": "national_officer",
        "channel": "visitor",
        **changes,
    }


@dataclass
class Cases:
    client: httpx.AsyncClient
    keys: TestKeys


@pytest.fixture
async def cases(
    keys: TestKeys, databases: TestDatabases, master_keys: str, tmp_path: Path
) -> AsyncIterator[Cases]:
    overrides = settings_overrides(
        "cases",
        keys=keys,
        data_dir=tmp_path,
        database_url=databases.fresh("cases", MIGRATIONS),
        master=master_keys,
    )
    async with app_client(create_app(CasesSettings(**overrides))) as client:  # type: ignore[arg-type]
        yield Cases(client, keys)
