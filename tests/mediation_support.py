"""Driving mediations through the gateway, as a mediator, the chief and a registry would."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import text

from ombuds_shared.db import create_engine

from .conftest import Stack

OFFICE = "mediation-service"
CASE_NUMBER = "UNDT/NY/2026/014"


def today() -> str:
    return dt.datetime.now(dt.UTC).date().isoformat()


def expect(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return response.json()  # type: ignore[no-any-return]


@dataclass
class Mediations:
    """A mediator of the Mediation Service, its chief and a registry of the Dispute Tribunal,
    through the gateway."""

    stack: Stack
    mediator_sub: str = "mediator-ana"

    @property
    def gateway(self) -> httpx.AsyncClient:
        return self.stack.gateway

    @property
    def mediator(self) -> dict[str, str]:
        return self.stack.auth("mediator", sub=self.mediator_sub, office=OFFICE)

    @property
    def chief(self) -> dict[str, str]:
        return self.stack.auth("chief", sub="chief-of-office", office=OFFICE)

    @property
    def registry(self) -> dict[str, str]:
        return self.stack.auth("registry", sub="undt-registry-ny")

    async def open(self, *, tribunal: bool = True, parties: int = 2, **changes: Any) -> str:
        body: dict[str, Any] = {
            "pillar": "secretariat",
            "office": OFFICE,
            "referral_source": "dispute_tribunal" if tribunal else "self_referral",
            "issue_codes": ["2.b", "4.a"],
            "parties": [
                {"reference": f"P-{n}", "represents_administration": n == parties}
                for n in range(1, parties + 1)
            ],
        }
        if tribunal:
            body["tribunal_reference"] = {
                "tribunal": "dispute_tribunal",
                "case_number": changes.pop("case_number", CASE_NUMBER),
                "referral_date": today(),
            }
        body.update(changes)
        created = expect(
            await self.gateway.post("/v1/mediations", json=body, headers=self.mediator), 201
        )
        return str(created["id"])

    async def get(self, mediation_id: str) -> dict[str, Any]:
        return expect(
            await self.gateway.get(f"/v1/mediations/{mediation_id}", headers=self.mediator), 200
        )

    async def post(
        self, mediation_id: str, action: str, body: dict[str, Any] | None = None
    ) -> httpx.Response:
        return await self.gateway.post(
            f"/v1/mediations/{mediation_id}/{action}", json=body or {}, headers=self.mediator
        )

    async def accept(self, mediation_id: str) -> None:
        expect(await self.post(mediation_id, "accept"), 200)

    async def respond(self, mediation_id: str, party_id: str, agrees: bool) -> httpx.Response:
        return await self.post(
            mediation_id, f"parties/{party_id}/agreement", {"agrees": agrees, "on": today()}
        )

    async def agree_all(self, mediation_id: str) -> None:
        for party in (await self.get(mediation_id))["parties"]:
            if party["agreement"] == "pending":
                expect(await self.respond(mediation_id, party["id"], True), 200)

    async def assign_self(self, mediation_id: str) -> None:
        expect(await self.post(mediation_id, "declarations", {"has_conflict": False}), 201)
        expect(
            await self.gateway.put(
                f"/v1/mediations/{mediation_id}/mediator", json={}, headers=self.mediator
            ),
            200,
        )

    async def start(self, mediation_id: str) -> httpx.Response:
        return await self.post(
            mediation_id,
            "start",
            {"started_on": today(), "basis": "first_session", "mode": "remote"},
        )

    async def under_way(self, **changes: Any) -> str:
        """A mediation every party agreed to, with its mediator, started today."""
        mediation_id = await self.open(**changes)
        await self.accept(mediation_id)
        await self.agree_all(mediation_id)
        await self.assign_self(mediation_id)
        expect(await self.start(mediation_id), 200)
        return mediation_id

    async def close(self, mediation_id: str, outcome: str, **extra: Any) -> httpx.Response:
        return await self.post(
            mediation_id, "close", {"outcome": outcome, "closed_on": today(), **extra}
        )

    async def issue(self, mediation_id: str, **body: Any) -> dict[str, Any]:
        return expect(await self.post(mediation_id, "certificates", body), 201)

    async def events(self, mediation_id: str) -> list[tuple[str, dict[str, Any]]]:
        """The outbox rows written for a mediation, in order."""
        engine = create_engine(self.stack.database_urls["mediation"], pool_size=1)
        try:
            async with engine.connect() as conn:
                rows = await conn.execute(
                    text(
                        "SELECT event_type, payload FROM outbox_event "
                        "WHERE aggregate_id = :id ORDER BY id"
                    ),
                    {"id": mediation_id},
                )
                return [(r[0], json.loads(r[1])) for r in rows]
        finally:
            await engine.dispose()
