"""Intake's retention schedule (P9): a request that never became a case does not linger, and
nothing left of a destroyed request can be matched against a guess of who sent it."""

import asyncio
import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

from intake.main import MIGRATIONS, create_app
from intake.request.schemas import IntakeCreate
from intake.retention import runner
from ombuds_shared.db import utcnow
from ombuds_testing import (
    TestDatabases,
    TestKeys,
    actor,
    app_client,
    bearer,
    stored_key_ids,
)

from .conftest import Intake, intake_body, intake_settings, sql

OMBUDSMAN = actor("ombudsman", sub="omb-triage", office="geneva")
VISITOR = actor("visitor", sub="visitor-amina-7731")
PORTAL = actor("hr_portal", sub="hr-portal-geneva")
NOTE = "Declined: Ms. Okonkwo in HR already handles this complaint."
# What the identity, the note and the submitter leave in the database while they live.
SECRETS = ["Amina Diallo", "amina.diallo@example.org", "482913", "Okonkwo", VISITOR.subject]
LATER = dt.timedelta(days=200)  # past the default six months


async def _dump(url: str) -> str:
    tables = ("visitor", "intake_request", "request_conflict", "audit_event")
    return repr([await sql(url, f"SELECT * FROM {t}") for t in tables])  # noqa: S608


async def _submit(
    intake: Intake, who: Any = VISITOR, key: str | None = None, **changes: Any
) -> str:
    response = await intake.submit(who, intake_body(**changes), key=key)
    assert response.status_code == 201, response.text
    return str(response.json()["reference"])


async def test_declined_and_untriaged_requests_are_destroyed_on_schedule(
    intake: Intake, keys: TestKeys, master_keys: str, tmp_path: Path
) -> None:
    declined = await _submit(intake)
    untriaged = await _submit(intake)
    office = intake.auth(OMBUDSMAN)
    base = "/v1/intake/requests"
    answer = await intake.client.post(
        f"{base}/{declined}/decline", json={"reason": "other", "note": NOTE}, headers=office
    )
    assert answer.status_code == 200, answer.text
    mine = await intake.client.get(f"{base}/{declined}", headers=intake.auth(VISITOR))
    assert mine.json()["decline_note"] == NOTE
    settings = intake_settings(keys, tmp_path, intake.database_url, master_keys)
    before = await _dump(intake.database_url)
    # The note is sealed; the submitter is kept as a keyed tag, never the login itself.
    assert VISITOR.subject not in before
    submitters = await sql(intake.database_url, "SELECT submitted_by FROM intake_request")
    assert [row["submitted_by"][:5] for row in submitters] == ["hmac:", "hmac:"]

    # Not yet due: nothing happens. A dry run of a later day lists both and changes nothing.
    assert (await runner.run_once(settings, dry_run=False)).due == []
    dry = await runner.run_once(settings, dry_run=True, now=utcnow() + LATER)
    assert len(dry.due) == 2
    assert await _dump(intake.database_url) == before

    done = await runner.run_once(settings, dry_run=False, now=utcnow() + LATER)
    assert sorted(done.destroyed) == sorted(dry.due)
    assert done.failed == {}

    # Nothing of the identity, the note or the submitter survives, even sealed.
    visitors = await sql(intake.database_url, "SELECT * FROM visitor")
    assert len(visitors) == 2
    for visitor in visitors:
        assert not await stored_key_ids(intake.key_store_url, f"visitor:{visitor['id']}")
        assert visitor["destroyed_at"] is not None
        assert all(visitor[c] is None for c in visitor if c.endswith("_sealed"))
    requests = await sql(intake.database_url, "SELECT * FROM intake_request")
    for row in requests:
        assert row["destroyed_at"] is not None
        for column in ("submitted_by", "idempotency_key", "request_hash", "decline_note_sealed"):
            assert row[column] is None, column
    after = await _dump(intake.database_url)
    for secret in SECRETS:
        assert secret not in after, secret
    # Each destruction is on the audit record, without content.
    entries = await sql(
        intake.database_url,
        "SELECT context_id, subject FROM audit_event WHERE action = 'request.destroy'",
    )
    assert sorted(e["context_id"] for e in entries) == sorted(done.destroyed)
    assert {e["subject"] for e in entries} == {"system:retention"}

    # The visitor no longer finds them (nothing ties them to the visitor); the office sees
    # the de-identified request, without identity or note, and can no longer triage it.
    for reference in (declined, untriaged):
        gone = await intake.client.get(f"{base}/{reference}", headers=intake.auth(VISITOR))
        assert gone.status_code == 404
        seen = await intake.client.get(f"{base}/{reference}", headers=office)
        assert seen.status_code == 200
        assert seen.json()["visitor"] is None
        assert seen.json()["decline_note"] is None
    late = await intake.client.post(
        f"{base}/{untriaged}/decline", json={"reason": "other"}, headers=office
    )
    assert late.status_code == 409
    assert "retention" in late.json()["detail"]
    # A second run finds nothing left to do.
    assert (await runner.run_once(settings, dry_run=False, now=utcnow() + LATER)).due == []


async def test_a_recent_request_is_kept(
    intake: Intake, keys: TestKeys, master_keys: str, tmp_path: Path
) -> None:
    await _submit(intake)
    settings = intake_settings(keys, tmp_path, intake.database_url, master_keys)
    almost = utcnow() + dt.timedelta(days=150)  # within six months of submission
    assert (await runner.run_once(settings, dry_run=False, now=almost)).due == []
    (visitor,) = await sql(intake.database_url, "SELECT * FROM visitor")
    assert await stored_key_ids(intake.key_store_url, f"visitor:{visitor['id']}")


def _plain_hash(body: dict[str, Any], channel: str) -> str:
    """The unkeyed fingerprint intake used to keep: anyone can compute it from a guess."""
    data = IntakeCreate.model_validate(body)
    return hashlib.sha256(f"{channel}|{data.model_dump_json()}".encode()).hexdigest()


async def test_a_destroyed_requests_fingerprint_cannot_be_matched_from_the_submission(
    intake: Intake, keys: TestKeys, master_keys: str, tmp_path: Path
) -> None:
    body = intake_body(consent_to_contact=True)
    reference = await _submit(intake, PORTAL, key="hr-2026-0001", consent_to_contact=True)
    (row,) = await sql(intake.database_url, "SELECT * FROM intake_request")
    guess = _plain_hash(body, "hr_portal")
    # Keyed: recomputing the hash from the submission (a directory guess) does not match.
    assert row["request_hash"] is not None
    assert row["request_hash"] != guess
    # The keyed fingerprint still tells a replay from a different request.
    replay = await intake.submit(PORTAL, body, key="hr-2026-0001")
    assert replay.status_code in (200, 201)
    assert replay.json()["reference"] == reference
    different = intake_body(consent_to_contact=True)
    different["visitor"] = {**different["visitor"], "name": "Someone Else"}
    other = await intake.submit(PORTAL, different, key="hr-2026-0001")
    assert other.status_code == 409

    settings = intake_settings(keys, tmp_path, intake.database_url, master_keys)
    done = await runner.run_once(settings, dry_run=False, now=utcnow() + LATER)
    assert len(done.destroyed) == 1
    dump = await _dump(intake.database_url)
    assert guess not in dump
    assert row["request_hash"] not in dump  # the keyed one goes too
    assert PORTAL.subject not in dump
    assert "hr-2026-0001" not in dump
    # With its key and submitter gone, the same key starts a new request.
    again = await intake.submit(PORTAL, body, key="hr-2026-0001")
    assert again.status_code == 201
    assert again.json()["reference"] != reference


async def test_identities_bound_to_a_mediation_are_destroyed_by_mediation_only(
    intake: Intake,
) -> None:
    await _submit(intake)
    mediation_id = "5f0c8f1e-1111-4e4e-8a8a-0123456789ab"
    await sql(
        intake.database_url,
        "UPDATE visitor SET bound_kind = 'mediation', bound_id = :m, bound_office = 'mediation'",
        m=mediation_id,
    )
    path = f"/v1/internal/mediations/{mediation_id}/parties/destroy"
    for token in (  # the cases service, or a user: refused, and nothing destroyed
        intake.keys.peer_token("cases", "intake", None),
        intake.keys.user_token("intake", OMBUDSMAN),
    ):
        refused = await intake.client.post(path, headers=bearer(token))
        assert refused.status_code == 403
    (kept,) = await sql(intake.database_url, "SELECT * FROM visitor")
    assert await stored_key_ids(intake.key_store_url, f"visitor:{kept['id']}")
    mediation = bearer(intake.keys.peer_token("mediation", "intake", None))
    destroyed = await intake.client.post(path, headers=mediation)
    assert destroyed.status_code == 200, destroyed.text
    assert destroyed.json() == {
        "mediation_id": mediation_id,
        "destroyed": 0,
        "total": 0,
        "identities": 1,
    }
    again = await intake.client.post(path, headers=mediation)  # idempotent
    assert again.status_code == 200
    (visitor,) = await sql(intake.database_url, "SELECT * FROM visitor")
    assert not await stored_key_ids(intake.key_store_url, f"visitor:{visitor['id']}")
    assert visitor["name_sealed"] is None
    (request,) = await sql(intake.database_url, "SELECT * FROM intake_request")
    assert request["submitted_by"] is None
    assert request["request_hash"] is None
    dump = await _dump(intake.database_url)
    assert "Amina Diallo" not in dump
    assert VISITOR.subject not in dump


async def test_destroying_a_cases_identity_erases_its_request_submitter(intake: Intake) -> None:
    await _submit(intake, key="visitor-key-1")
    await sql(
        intake.database_url,
        "UPDATE visitor SET bound_kind = 'case', bound_id = 'c1', bound_office = 'geneva'",
    )
    (visitor,) = await sql(intake.database_url, "SELECT ref FROM visitor")
    cases = bearer(intake.keys.peer_token("cases", "intake", None))
    response = await intake.client.post(
        f"/v1/internal/visitors/{visitor['ref']}/destroy", headers=cases
    )
    assert response.status_code == 200
    (request,) = await sql(intake.database_url, "SELECT * FROM intake_request")
    for column in ("submitted_by", "idempotency_key", "request_hash", "decline_note_sealed"):
        assert request[column] is None, column
    assert request["destroyed_at"] is not None


async def test_the_service_runs_its_schedule_by_itself(
    keys: TestKeys, databases: TestDatabases, master_keys: str, tmp_path: Path
) -> None:
    url = databases.fresh("intake", MIGRATIONS)
    settings = intake_settings(keys, tmp_path, url, master_keys)
    settings.request_retention_months = 0
    settings.retention_interval_seconds = 0.05
    async with app_client(create_app(settings)) as client:
        response = await client.post(
            "/v1/intake/requests",
            json=intake_body(),
            headers=bearer(keys.user_token("intake", VISITOR)),
        )
        assert response.status_code == 201
        destroyed = []
        for _ in range(100):  # bounded: the schedule runs every 50 ms
            destroyed = await sql(
                url, "SELECT id FROM intake_request WHERE destroyed_at IS NOT NULL"
            )
            if destroyed:
                break
            await asyncio.sleep(0.05)
    assert len(destroyed) == 1
    (visitor,) = await sql(url, "SELECT * FROM visitor")
    assert not await stored_key_ids(settings.resolved_key_store_url, f"visitor:{visitor['id']}")
