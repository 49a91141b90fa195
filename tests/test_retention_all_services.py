"""Every service's retention schedule (P9): mediation's notes and parties go after closure,
and one `ombuds retention run` drives cases, mediation and intake, dry run included."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest

from mediation.main import create_app as create_mediation
from mediation.retention import runner
from ombuds import cli
from ombuds_shared.db import utcnow
from ombuds_shared.dependencies import state_of
from ombuds_testing import app_client, environment, stored_key_ids

from .cases_helpers import assigned_case, execute, handler, query
from .conftest import Stack, intake_body
from .mediation_support import Mediations, expect, today

NOTE = "Party P-1 admitted the supervisor Mr. Haddad shouted at her twice."
VENUE = "Kenyatta International Convention Centre, room 14"
LATER = dt.timedelta(days=3 * 366)


@pytest.fixture
def med(stack: Stack) -> Mediations:
    return Mediations(stack)


async def _bind_identity_to(stack: Stack, mediation_id: str) -> str:
    """An identity in intake's vault bound to the mediation, as a party's would be: its id."""
    submitted = await stack.gateway.post(
        "/v1/intake/requests", json=intake_body(), headers=stack.auth("visitor", sub="party-one")
    )
    assert submitted.status_code == 201, submitted.text
    intake_db = stack.database_urls["intake"]
    (visitor,) = await query(
        intake_db,
        "SELECT v.id FROM visitor v JOIN intake_request r ON r.visitor_id = v.id "
        "WHERE r.reference = :ref",
        ref=submitted.json()["reference"],
    )
    await execute(
        intake_db,
        "UPDATE visitor SET bound_kind = 'mediation', bound_id = :m, "
        "bound_office = 'mediation-service' WHERE id = :v",
        m=mediation_id,
        v=visitor["id"],
    )
    return str(visitor["id"])


async def _closed_mediation_with_notes(med: Mediations) -> str:
    mediation_id = await med.under_way()
    expect(await med.post(mediation_id, "notes", {"body": NOTE}), 201)
    # A session planned at a venue and moved (a history with a reason), left planned.
    start = (utcnow() + dt.timedelta(days=2)).replace(tzinfo=None, microsecond=0)
    when = {"starts_at": start.isoformat(), "time_zone": "Africa/Nairobi", "duration_minutes": 60}
    planned = expect(
        await med.post(mediation_id, "sessions", {**when, "mode": "in_person", "venue": VENUE}),
        201,
    )
    moved = {**when, "duration_minutes": 90, "reason": "party_request"}
    expect(await med.post(mediation_id, f"sessions/{planned['id']}/reschedule", moved), 200)
    await med.issue(mediation_id)
    expect(await med.close(mediation_id, "settled", settlement_signed_on=today()), 200)
    return mediation_id


async def test_mediation_notes_and_parties_are_destroyed_after_closure(
    stack: Stack, med: Mediations, master_keys: str
) -> None:
    mediation_id = await _closed_mediation_with_notes(med)
    visitor_id = await _bind_identity_to(stack, mediation_id)
    mediation_db = stack.database_urls["mediation"]
    settings = state_of(stack.apps["mediation"]).settings
    notes_key = f"mediation:{mediation_id}"
    assert await stored_key_ids(settings.resolved_key_store_url, notes_key) == [notes_key]

    assert (await runner.run_once(settings, dry_run=False, now=utcnow())).due == []
    dry = await runner.run_once(settings, dry_run=True, now=utcnow() + LATER)
    assert dry.due == [mediation_id]
    notes = expect(
        await stack.gateway.get(f"/v1/mediations/{mediation_id}/notes", headers=med.mediator), 200
    )
    assert [n["body"] for n in notes["items"]] == [NOTE]

    done = await runner.run_once(settings, dry_run=False, now=utcnow() + LATER)
    assert done.destroyed == [mediation_id]
    assert done.failed == {}

    # With the database and the master key, the notes and the parties are gone for good.
    (after,) = await query(mediation_db, "SELECT * FROM mediation WHERE id = :id", id=mediation_id)
    assert after["destroyed_at"] is not None
    assert await stored_key_ids(settings.resolved_key_store_url, notes_key) == []
    assert await query(mediation_db, "SELECT * FROM mediation_note") == []
    parties = await query(mediation_db, "SELECT id, reference FROM mediation_party")
    assert len(parties) == 2
    assert all(p["reference"] == p["id"] for p in parties)
    dump = repr(await query(mediation_db, "SELECT * FROM mediation_party"))
    assert "P-1" not in dump
    assert "P-2" not in dump
    # Its sessions keep their day and mode; the venue and the history of changes are gone.
    sessions = await query(
        mediation_db, "SELECT * FROM mediation_session WHERE mediation_id = :id", id=mediation_id
    )
    assert sorted(s["status"] for s in sessions) == ["cancelled", "held"]
    assert all(s["venue"] is None for s in sessions)
    assert VENUE not in repr(sessions)
    assert await query(mediation_db, "SELECT * FROM mediation_session_change") == []
    (record,) = await query(mediation_db, "SELECT * FROM mediation_destruction")
    assert (record["notes"], record["parties"], record["identities"]) == (1, 2, 1)
    assert record["run_by"] == "system:retention"
    # The party's identity in intake's vault went with it.
    (visitor,) = await query(
        stack.database_urls["intake"], "SELECT * FROM visitor WHERE id = :id", id=visitor_id
    )
    intake_keys = state_of(stack.apps["intake"]).settings.resolved_key_store_url
    assert await stored_key_ids(intake_keys, f"visitor:{visitor_id}") == []
    assert visitor["name_sealed"] is None
    intake_dump = repr(await query(stack.database_urls["intake"], "SELECT * FROM intake_request"))
    assert "party-one" not in intake_dump

    # The mediator finds no note and can write none; the de-identified facts and the
    # tribunal certificate (dates only) remain.
    empty = await stack.gateway.get(f"/v1/mediations/{mediation_id}/notes", headers=med.mediator)
    assert expect(empty, 200)["items"] == []
    refused = await med.post(mediation_id, "notes", {"body": "one more thing"})
    assert refused.status_code == 409
    facts = await med.get(mediation_id)
    assert (facts["status"], facts["outcome"]) == ("closed", "settled")
    certificates = await stack.gateway.get(
        "/v1/certificates",
        params={"tribunal_case_number": "UNDT/NY/2026/014"},
        headers=med.registry,
    )
    assert len(expect(certificates, 200)["items"]) == 1
    again = await runner.run_once(settings, dry_run=False, now=utcnow() + LATER)
    assert again.due == []


async def _cli(stack: Stack, tmp_path: Path, *args: str) -> int:
    """Runs `ombuds ...` in a thread, so that the services in this loop can answer it."""
    env: dict[str, str] = {}
    for name, prefix in (("cases", "CASES"), ("intake", "INTAKE"), ("mediation", "MEDIATION")):
        settings = state_of(stack.apps[name]).settings
        env[f"OMBUDS_{prefix}_DATABASE_URL"] = stack.database_urls[name]
        env[f"OMBUDS_{prefix}_SIGNING_KEY_FILE"] = str(settings.signing_key_file)
        env[f"OMBUDS_{prefix}_DATA_DIR"] = str(settings.data_dir)
        env[f"OMBUDS_{prefix}_RETENTION_MONTHS"] = "0"
    env["OMBUDS_INTAKE_REQUEST_RETENTION_MONTHS"] = "0"
    env["OMBUDS_CASES_INTAKE_URL"] = stack.urls["intake"]
    env["OMBUDS_MEDIATION_INTAKE_URL"] = stack.urls["intake"]
    with environment(**env):
        return await asyncio.to_thread(cli.main, ["--data-dir", str(tmp_path), *args])


async def _snapshot(stack: Stack) -> str:
    tables = {
        "cases": ("case_file", "case_note", "destruction_record"),
        "mediation": ("mediation", "mediation_note", "mediation_party", "mediation_destruction"),
        "intake": ("visitor", "intake_request"),
    }
    rows = []
    for service, names in tables.items():
        for table in names:
            url = stack.database_urls[service]
            rows.append(await query(url, f"SELECT * FROM {table} ORDER BY id"))  # noqa: S608
    return repr(rows)


async def test_one_command_runs_every_services_schedule(
    stack: Stack, med: Mediations, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id = await assigned_case(stack)
    me = handler(stack)
    closed = await stack.gateway.post(
        f"/v1/cases/{case_id}/status",
        json={"status": "closed", "closure_reason": "options_provided"},
        headers=me,
    )
    assert closed.status_code == 200, closed.text
    mediation_id = await _closed_mediation_with_notes(med)
    left = await stack.gateway.post(
        "/v1/intake/requests", json=intake_body(), headers=stack.auth("visitor", sub="v-left")
    )
    assert left.status_code == 201
    (stale,) = await query(
        stack.database_urls["intake"],
        "SELECT id FROM intake_request WHERE reference = :r",
        r=left.json()["reference"],
    )
    await asyncio.sleep(0.01)  # the cutoff of a zero-month schedule is "now"
    before = await _snapshot(stack)

    assert await _cli(stack, tmp_path, "retention", "run", "--dry-run") == 0
    out = capsys.readouterr().out
    assert f"cases: would destroy {case_id}" in out
    assert f"mediation: would destroy {mediation_id}" in out
    assert f"intake: would destroy {stale['id']}" in out
    assert "Dry run, nothing changed" in out
    assert await _snapshot(stack) == before

    assert await _cli(stack, tmp_path, "retention", "run") == 0
    out = capsys.readouterr().out
    for line in (
        f"cases: destroyed {case_id}",
        f"mediation: destroyed {mediation_id}",
        f"intake: destroyed {stale['id']}",
    ):
        assert line in out
    summary = out.split("Summary:")[1]
    assert "cases: destroyed the confidential content of 1 case(s)" in summary
    assert "mediation: destroyed the confidential content of 1 mediation(s)" in summary
    assert "intake: destroyed the confidential content of 1 request(s)" in summary
    assert await query(stack.database_urls["mediation"], "SELECT id FROM mediation_note") == []
    (request,) = await query(
        stack.database_urls["intake"],
        "SELECT submitted_by, destroyed_at FROM intake_request WHERE id = :id",
        id=stale["id"],
    )
    assert request["submitted_by"] is None
    assert request["destroyed_at"] is not None


async def test_mediation_runs_its_schedule_by_itself(
    stack: Stack, med: Mediations, tmp_path: Path
) -> None:
    mediation_id = await _closed_mediation_with_notes(med)
    # A second replica of the mediation service, on the same database, with a schedule
    # of zero months run every 50 ms.
    running = state_of(stack.apps["mediation"]).settings
    settings = running.model_copy(
        update={"retention_months": 0, "retention_interval_seconds": 0.05}
    )
    async with app_client(create_mediation(settings)):
        destroyed = []
        for _ in range(100):  # bounded
            destroyed = await query(
                stack.database_urls["mediation"],
                "SELECT mediation_id FROM mediation_destruction",
            )
            if destroyed:
                break
            await asyncio.sleep(0.05)
    assert [d["mediation_id"] for d in destroyed] == [mediation_id]
    assert await query(stack.database_urls["mediation"], "SELECT id FROM mediation_note") == []
