from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from mediation.config import MediationSettings
from mediation.main import MIGRATIONS, create_app
from ombuds_shared.keys import generate_key_file
from ombuds_shared.tokens import Actor
from ombuds_testing import TestDatabases, TestKeys, app_client, bearer
from ombuds_testing.pytest_plugin import settings_overrides


@dataclass
class Service:
    app: FastAPI
    client: httpx.AsyncClient
    keys: TestKeys

    def auth(self, who: Actor) -> dict[str, str]:
        return bearer(self.keys.user_token("mediation", who))


def mediation_settings(
    keys: TestKeys, tmp_path: Path, database_url: str, master: str | None, **changes: Any
) -> MediationSettings:
    overrides = settings_overrides(
        "mediation", keys=keys, data_dir=tmp_path, database_url=database_url, master=master
    )
    return MediationSettings(**(overrides | changes))  # type: ignore[arg-type]


@pytest.fixture
async def service(
    keys: TestKeys, databases: TestDatabases, master_keys: str, tmp_path: Path
) -> AsyncIterator[Service]:
    url = databases.fresh("mediation", MIGRATIONS)
    app = create_app(mediation_settings(keys, tmp_path, url, master_keys))
    async with app_client(app) as client:
        yield Service(app, client, keys)


@pytest.fixture
async def keyless_service(
    keys: TestKeys, databases: TestDatabases, tmp_path: Path
) -> AsyncIterator[Service]:
    """A production-configured service whose master key was left out."""
    url = databases.fresh("mediation", MIGRATIONS)
    certificate_key = tmp_path / "certificate.pem"
    generate_key_file(certificate_key)
    settings = mediation_settings(
        keys,
        tmp_path,
        url,
        None,
        environment="production",
        certificate_key_files=[certificate_key],
        key_store_url=f"sqlite+aiosqlite:///{tmp_path / 'mediation.keys.db'}",
    )
    app = create_app(settings)
    async with app_client(app) as client:
        yield Service(app, client, keys)


# A mediation row as the early migrations' schema holds it (for the data-migration tests).
OLD_MEDIATION = text(
    "INSERT INTO mediation (id, pillar, office, referral_source, is_group, participant_count, "
    "status, opened_by, opened_at, version) VALUES (:id, 'secretariat', 'mediation-service', "
    ":source, false, 2, :status, 'mediator-ana', CURRENT_TIMESTAMP, 1)"
)
