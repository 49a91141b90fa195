"""The deadline ledger and the confidential notes of a mediation, through the gateway."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from ombuds_shared.db import create_engine

from .conftest import Stack
from .mediation_support import Mediations, expect, today


@pytest.fixture
def med(stack: Stack) -> Mediations:
    return Mediations(stack)


def _in(days: int) -> str:
    return (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=days)).isoformat()


async def _ledger(med: Mediations, mediation_id: str) -> dict[str, dict]:  # type: ignore[type-arg]
    ledger = expect(
        await med.gateway.get(f"/v1/mediations/{mediation_id}/deadlines", headers=med.mediator), 200
    )
    return {clock["kind"]: clock for clock in ledger["clocks"]} | {"_": ledger}


async def test_clocks_start_stop_resume_and_extend_with_reasons(med: Mediations) -> None:
    mediation_id = await med.open()
    await med.accept(mediation_id)
    clocks = await _ledger(med, mediation_id)
    suspension = clocks["tribunal_suspension"]
    assert (suspension["state"], suspension["due_on"]) == ("running", _in(30))
    assert suspension["entries"][0]["reason"] == "referral_accepted"

    filing = expect(
        await med.post(
            mediation_id,
            "deadlines",
            {"kind": "filing_period", "started_on": _in(-10), "period_days": 90},
        ),
        201,
    )
    assert {c["kind"]: c["due_on"] for c in filing["clocks"]}["filing_period"] == _in(80)

    await med.agree_all(mediation_id)  # consent to mediate stops the filing clock
    filing_clock = (await _ledger(med, mediation_id))["filing_period"]
    assert (filing_clock["state"], filing_clock["due_on"], filing_clock["days_remaining"]) == (
        "stopped",
        None,
        80,
    )
    assert filing_clock["entries"][-1]["reason"] == "parties_consented_to_mediation"

    extension = expect(
        await med.post(mediation_id, "extensions", {"requested_on": today(), "requested_days": 30}),
        201,
    )
    decided = expect(
        await med.post(
            mediation_id,
            f"extensions/{extension['id']}/decision",
            {"granted": True, "decided_on": today(), "days": 20},
        ),
        200,
    )
    assert (decided["status"], decided["granted_days"]) == ("granted", 20)
    again = await med.post(
        mediation_id,
        f"extensions/{extension['id']}/decision",
        {"granted": False, "decided_on": today()},
    )
    assert again.status_code == 409
    assert (await _ledger(med, mediation_id))["tribunal_suspension"]["due_on"] == _in(50)

    await med.assign_self(mediation_id)
    expect(await med.start(mediation_id), 200)
    expect(await med.close(mediation_id, "not_settled"), 200)  # the mediation broke down
    clocks = await _ledger(med, mediation_id)
    assert clocks["tribunal_suspension"]["state"] == "ended"
    resumed = clocks["filing_period"]
    assert (resumed["state"], resumed["due_on"]) == ("running", _in(80))
    assert [e["action"] for e in resumed["entries"]] == ["started", "stopped", "resumed"]
    assert resumed["entries"][-1]["reason"] == "mediation_broke_down"
    events = [e for e, _ in await med.events(mediation_id)]
    assert events.count("mediation.extension_granted") == 1


async def test_a_settlement_opens_the_enforcement_window(med: Mediations) -> None:
    mediation_id = await med.under_way()
    expect(await med.close(mediation_id, "settled", settlement_signed_on=today()), 200)
    window = (await _ledger(med, mediation_id))["enforcement_window"]
    # No implementation deadline: the window opens on the 30th day after signature.
    assert (window["started_on"], window["due_on"]) == (_in(30), _in(120))

    other = await med.under_way(case_number="UNDT/NY/2026/015")
    expect(
        await med.close(
            other, "settled", settlement_signed_on=today(), implementation_deadline=_in(10)
        ),
        200,
    )
    assert (await _ledger(med, other))["enforcement_window"]["due_on"] == _in(100)


async def test_the_chief_sees_mediations_whose_clock_runs_out(med: Mediations) -> None:
    soon = await med.open(tribunal=False)
    expect(
        await med.post(
            soon, "deadlines", {"kind": "management_evaluation", "started_on": _in(-57)}
        ),
        201,
    )
    later = await med.open(tribunal=False)
    expect(
        await med.post(
            later, "deadlines", {"kind": "management_evaluation", "started_on": _in(-1)}
        ),
        201,
    )
    listing = expect(
        await med.gateway.get("/v1/mediations", params={"due_soon": "true"}, headers=med.chief), 200
    )
    assert [m["id"] for m in listing["items"]] == [soon]
    wider = expect(
        await med.gateway.get(
            "/v1/mediations", params={"due_within_days": "60"}, headers=med.chief
        ),
        200,
    )
    assert {m["id"] for m in wider["items"]} == {soon, later}


async def test_notes_are_sealed_and_only_the_assigned_mediator_reads_them(
    med: Mediations, stack: Stack
) -> None:
    mediation_id = await med.under_way()
    secret = "Party P-2 said the supervisor shouted at her on 3 March."
    written = expect(await med.post(mediation_id, "notes", {"body": secret}), 201)
    assert written["body"] == secret
    notes = expect(
        await stack.gateway.get(f"/v1/mediations/{mediation_id}/notes", headers=med.mediator), 200
    )
    assert [n["body"] for n in notes["items"]] == [secret]
    colleague = Mediations(stack, mediator_sub="mediator-ben")
    for method in ("GET", "POST"):
        response = await stack.gateway.request(
            method,
            f"/v1/mediations/{mediation_id}/notes",
            headers=colleague.mediator,
            json={"body": "x"} if method == "POST" else None,
        )
        assert response.status_code == 403, method
        for role in ("chief", "registry", "ombudsman", "auditor", "analyst"):
            refused = await stack.gateway.request(
                method,
                f"/v1/mediations/{mediation_id}/notes",
                headers=stack.auth(role, office="mediation-service"),
                json={"body": "x"} if method == "POST" else None,
            )
            assert refused.status_code == 403, (method, role)
    engine = create_engine(stack.database_urls["mediation"], pool_size=1)
    try:
        async with engine.connect() as conn:
            stored = (await conn.execute(text("SELECT body_sealed FROM mediation_note"))).scalar()
    finally:
        await engine.dispose()
    assert stored is not None
    assert b"supervisor" not in bytes(stored)
