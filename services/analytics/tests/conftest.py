from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from analytics.config import AnalyticsSettings
from analytics.main import MIGRATIONS, create_app
from ombuds_shared.tokens import mint_event_token, mint_exit_survey_token
from ombuds_testing import TestDatabases, TestKeys, actor, app_client, bearer
from ombuds_testing.pytest_plugin import settings_overrides


def pseudonym(text: str) -> str:
    """A stand-in for the gateway's keyed pseudonym (32 base32 characters)."""
    alphabet = "abcdefghijklmnopqrstuvwxyz234567"
    digest = hashlib.sha256(text.encode()).digest()
    return "".join(alphabet[b % 32] for b in digest[:32])


@dataclass
class Analytics:
    client: httpx.AsyncClient
    keys: TestKeys
    database_url: str
    sequence: int = 0

    def auth(self, role: str = "analyst") -> dict[str, str]:
        return bearer(self.keys.user_token("analytics", actor(role)))

    async def events(self, *events: tuple[str, dict[str, Any]]) -> list[str]:
        """Posts projected events as the gateway would; returns their statuses."""
        batch = []
        for event_type, payload in events:
            self.sequence += 1
            batch.append(
                {"event_id": pseudonym(f"event-{self.sequence}"), "event_type": event_type,
                 "payload": payload}
            )  # fmt: skip
        token = mint_event_token(self.keys.keys["gateway"], audience="analytics")
        response = await self.client.post(
            "/v1/internal/events", json={"events": batch}, headers=bearer(token)
        )
        assert response.status_code == 200, response.text
        return [r["status"] for r in response.json()["results"]]

    async def cases(
        self, count: int, *, year: int, pillar: str, office: str, location: str,
        group: str, issues: tuple[str, ...] = (), tags: tuple[str, ...] = (),
    ) -> None:  # fmt: skip
        """Opens `count` cases alike, with their issues and systemic-issue tags."""
        events: list[tuple[str, dict[str, Any]]] = []
        for _ in range(count):
            self.sequence += 1
            key = pseudonym(f"case-{self.sequence}")
            month = f"{year}-03"
            events.append(("case.opened", {
                "case_key": key, "opened_month": month, "pillar": pillar, "office": office,
                "location": location, "occupational_group": group, "intake_channel": "visitor",
                "is_group": False, "participant_count": None,
            }))  # fmt: skip
            for code in issues:
                events.append(("case.issue_recorded", {
                    "case_key": key, "issue_code": code, "category": code.split(".")[0],
                    "taxonomy_version": "ioa-urc-2007-v2", "recorded_month": month,
                }))  # fmt: skip
            for tag in tags:
                events.append(("case.systemic_issue_tagged", {
                    "case_key": key, "systemic_issue": tag, "tagged_month": month,
                }))  # fmt: skip
        assert set(await self.events(*events)) == {"stored"}

    async def mediations(
        self, count: int, *, year: int, source: str, outcome: str | None, group: bool,
        participants: int | None = None, pillar: str = "secretariat",
        office: str = "mediation-service",
    ) -> None:  # fmt: skip
        events: list[tuple[str, dict[str, Any]]] = []
        for _ in range(count):
            self.sequence += 1
            key = pseudonym(f"mediation-{self.sequence}")
            events.append(("mediation.opened", {
                "mediation_key": key, "opened_month": f"{year}-05", "pillar": pillar,
                "office": office, "referral_source": source, "is_group": group,
                "participant_count": participants, "issue_codes": ["2.b"], "from_case": False,
            }))  # fmt: skip
            if outcome:
                events.append(("mediation.closed", {
                    "mediation_key": key, "closed_month": f"{year}-09", "outcome": outcome,
                }))  # fmt: skip
        assert set(await self.events(*events)) == {"stored"}

    async def statistic(self, name: str, **params: Any) -> dict[str, Any]:
        response = await self.client.get(
            f"/v1/analytics/statistics/{name}", params=params, headers=self.auth()
        )
        assert response.status_code == 200, response.text
        return dict(response.json())


def exit_token(keys: TestKeys, issuer: str = "cases", **kwargs: Any) -> str:
    """A one-time exit-survey token as the cases (or mediation) service hands it out."""
    return mint_exit_survey_token(keys.keys[issuer], issuer=issuer, **kwargs)


def cells(document: dict[str, Any], year: int, **labels: Any) -> dict[str, Any]:
    """The cells of one row of a statistic, as {column: count or value}."""
    for row in document["rows"]:
        if row["year"] == year and all(row.get(k) == v for k, v in labels.items()):
            return {
                column: cell.get("count", cell.get("value"))
                for column, cell in row["cells"].items()
            }
    raise AssertionError(f"no row for {year} {labels}")


async def build(
    keys: TestKeys, databases: TestDatabases, tmp_path: Path, **overrides: Any
) -> tuple[Any, str]:
    url = databases.fresh("analytics", MIGRATIONS)
    settings = AnalyticsSettings(
        **settings_overrides(
            "analytics", keys=keys, data_dir=tmp_path, database_url=url, master=None
        ),
        **overrides,
    )
    return create_app(settings), url


@pytest.fixture
async def analytics(
    keys: TestKeys, databases: TestDatabases, tmp_path: Path
) -> AsyncIterator[Analytics]:
    app, url = await build(keys, databases, tmp_path)
    async with app_client(app) as client:
        yield Analytics(client, keys, url)
