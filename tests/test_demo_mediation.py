"""The mediation demo loads mediations in every state, with certificates, via the public API."""

from __future__ import annotations

import asyncio
from pathlib import Path

from gateway.main import create_app as create_gateway
from ombuds.demo_mediation import load_mediation_demo
from ombuds_testing import serve_app

from .conftest import Stack


async def test_demo_covers_every_state_and_outcome(stack: Stack, tmp_path: Path) -> None:
    lines: list[str] = []
    async with serve_app(
        create_gateway(stack.settings.model_copy(update={"private_bind": None}))
    ) as base_url:
        counts = await asyncio.to_thread(load_mediation_demo, base_url, tmp_path, lines.append)
    assert counts["mediations"] == 10
    assert counts["certificates"] >= 4
    assert lines
    chief = stack.auth("chief", office="mediation-service")
    listing = (await stack.gateway.get("/v1/mediations", headers=chief)).json()["items"]
    assert {m["status"] for m in listing} == {
        "referred",
        "agreement_pending",
        "in_mediation",
        "closed",
    }
    assert {m["outcome"] for m in listing if m["outcome"]} == {
        "settled",
        "not_settled",
        "party_declined",
        "resolved_before_mediation",
        "withdrawn",
    }
    certified = [m for m in listing if m["tribunal_reference"] and m["started_on"]]
    for mediation in certified:
        # Each tribunal's registry finds its own cases' certificates.
        reference = mediation["tribunal_reference"]
        registry = stack.auth("registry", tribunal=reference["tribunal"])
        number = reference["case_number"]
        found = await stack.gateway.get(
            "/v1/certificates", params={"tribunal_case_number": number}, headers=registry
        )
        assert found.json()["current"] is not None, number
