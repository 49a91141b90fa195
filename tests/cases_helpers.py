"""Helpers for the case-handling tests: a case through intake and the gateway, and the database."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text

from ombuds_shared.db import create_engine

from .conftest import Stack, intake_body

OFFICE = "nairobi"
HANDLER = "omb-amani"


async def opened_case(stack: Stack, *, visitor: str = "visitor-jonas") -> str:
    """A case opened from a visitor's request, accepted by the office (not yet assigned)."""
    submitted = await stack.gateway.post(
        "/v1/intake/requests", json=intake_body(), headers=stack.auth("visitor", sub=visitor)
    )
    assert submitted.status_code == 201, submitted.text
    reference = submitted.json()["reference"]
    accepted = await stack.gateway.post(
        f"/v1/intake/requests/{reference}/accept", headers=handler(stack)
    )
    assert accepted.status_code == 200, accepted.text
    return str(accepted.json()["case_id"])


def handler(stack: Stack, sub: str = HANDLER, office: str = OFFICE) -> dict[str, str]:
    return stack.auth("ombudsman", sub=sub, office=office)


async def assigned_case(stack: Stack, sub: str = HANDLER) -> str:
    """A case the ombudsman `sub` took after declaring no conflict of interest."""
    case_id = await opened_case(stack)
    await take_case(stack, case_id, handler(stack, sub))
    return case_id


async def take_case(stack: Stack, case_id: str, me: dict[str, str]) -> None:
    """The ombudsman of `me` declares no conflict of interest and takes the case."""
    declared = await stack.gateway.post(
        f"/v1/cases/{case_id}/conflict-declarations", json={"has_conflict": False}, headers=me
    )
    assert declared.status_code == 201, declared.text
    taken = await stack.gateway.post(f"/v1/cases/{case_id}/assignment", json={}, headers=me)
    assert taken.status_code == 200, taken.text


async def query(url: str, statement: str, **params: Any) -> list[dict[str, Any]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            result = await conn.execute(text(statement), params)
            return [dict(row) for row in result.mappings()]
    finally:
        await engine.dispose()


async def execute(url: str, statement: str, **params: Any) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(statement), params)
    finally:
        await engine.dispose()


async def events(stack: Stack, case_id: str) -> list[tuple[str, dict[str, Any]]]:
    rows = await query(
        stack.database_urls["cases"],
        "SELECT event_type, payload FROM outbox_event WHERE aggregate_id = :case ORDER BY id",
        case=case_id,
    )
    return [(r["event_type"], json.loads(r["payload"])) for r in rows]
