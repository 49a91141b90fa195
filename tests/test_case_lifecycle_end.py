"""Retention and destruction (P9), the audit log, and events that commit with their change."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest

from cases.retention import runner
from ombuds import cli
from ombuds.audit import verify_audit
from ombuds_shared.audit import chain_of
from ombuds_shared.crypto import Envelope, KeyDestroyed, parse_master_keys
from ombuds_shared.db import utcnow
from ombuds_shared.dependencies import state_of
from ombuds_shared.keystore import SqlKeyStore
from ombuds_testing import environment

from .cases_helpers import OFFICE, assigned_case, events, execute, handler, query
from .conftest import Stack

NOTE = "Visitor fears retaliation from her supervisor Mr. Kowalczyk after the audit."
LATER = dt.timedelta(days=3 * 366)


async def _closed_case_with_content(stack: Stack) -> str:
    case_id = await assigned_case(stack)
    me = handler(stack)
    base = f"/v1/cases/{case_id}"
    for url, body in [
        (f"{base}/issues", {"code": "3.f"}),
        (f"{base}/notes", {"body": NOTE}),
        (f"{base}/consents", {"scope": "contact_hr", "details": "HR partner Ms. Lindqvist only"}),
        (
            f"{base}/disclosures",
            {
                "disclosed_to": "security_and_safety",
                "justification": "Imminent risk described by the visitor today.",
            },
        ),
        (f"{base}/status", {"status": "closed", "closure_reason": "options_provided"}),
    ]:
        response = await stack.gateway.post(url, json=body, headers=me)
        assert response.status_code in (200, 201), response.text
    return case_id


async def _readable(stack: Stack, service: str, master_keys: str, key_id: str) -> bool:
    """Whether the service's key store still yields this data key, to the master key."""
    settings = state_of(stack.apps[service]).settings
    store = SqlKeyStore.from_url(settings.resolved_key_store_url, pool_size=1)
    try:
        await Envelope(parse_master_keys(master_keys), store=store).data_key(key_id)
    except KeyDestroyed:
        return False
    finally:
        await store.close()
    return True


async def test_retention_destroys_content_and_identity_for_good(
    stack: Stack, master_keys: str
) -> None:
    case_id = await _closed_case_with_content(stack)
    cases_db, intake_db = stack.database_urls["cases"], stack.database_urls["intake"]
    (case_row,) = await query(cases_db, "SELECT * FROM case_file WHERE id = :id", id=case_id)
    (visitor,) = await query(
        intake_db, "SELECT * FROM visitor WHERE ref = :r", r=case_row["visitor_ref"]
    )
    assert await _readable(stack, "cases", master_keys, f"case:{case_id}")
    assert await _readable(stack, "intake", master_keys, f"visitor:{visitor['id']}")
    assert "wrapped_key" not in case_row  # the data database holds no key
    settings = state_of(stack.apps["cases"]).settings

    not_yet = await runner.run_once(settings, dry_run=False, now=utcnow())
    assert not_yet.due == []
    dry = await runner.run_once(settings, dry_run=True, now=utcnow() + LATER)
    assert dry.due == [case_id]
    me = handler(stack)
    still = await stack.gateway.get(f"/v1/cases/{case_id}/notes", headers=me)
    assert [n["body"] for n in still.json()] == [NOTE]

    done = await runner.run_once(settings, dry_run=False, now=utcnow() + LATER)
    assert done.destroyed == [case_id]
    assert done.failed == {}

    # With full database access and the master key, nothing confidential can be recovered.
    (after,) = await query(cases_db, "SELECT * FROM case_file WHERE id = :id", id=case_id)
    assert after["visitor_ref"] is None
    assert not await _readable(stack, "cases", master_keys, f"case:{case_id}")
    assert not await _readable(stack, "intake", master_keys, f"visitor:{visitor['id']}")
    assert await query(cases_db, "SELECT * FROM case_note") == []
    consents = await query(cases_db, "SELECT details_sealed FROM consent")
    disclosures = await query(cases_db, "SELECT justification_sealed FROM disclosure")
    assert [c["details_sealed"] for c in consents] == [None]
    assert [d["justification_sealed"] for d in disclosures] == [None]
    (gone,) = await query(intake_db, "SELECT * FROM visitor WHERE id = :id", id=visitor["id"])
    assert gone["destroyed_at"] is not None
    assert all(gone[c] is None for c in gone if c.endswith("_sealed"))
    tables = {
        cases_db: ("case_file", "consent", "disclosure", "audit_event", "outbox_event"),
        intake_db: ("visitor", "intake_request"),
    }
    for url, names in tables.items():
        for table in names:
            rows = await query(url, f"SELECT * FROM {table}")  # noqa: S608 - fixed names
            dump = repr(rows)
            for secret in ("Kowalczyk", "Lindqvist", "Jonas", "jonas.okafor", "771204"):
                assert secret not in dump, (table, secret)

    # The de-identified facts remain, with a record of the destruction.
    case = await stack.gateway.get(f"/v1/cases/{case_id}", headers=me)
    assert case.status_code == 200
    assert case.json()["office"] == OFFICE
    assert case.json()["closure_reason"] == "options_provided"
    assert case.json()["destroyed_at"] is not None
    issues = await stack.gateway.get(f"/v1/cases/{case_id}/issues", headers=me)
    assert [i["code"] for i in issues.json()] == ["3.f"]
    (record,) = await query(cases_db, "SELECT * FROM destruction_record")
    assert (record["notes"], record["consents"], record["disclosures"]) == (1, 1, 1)
    assert record["identity_destroyed"] in (True, 1)
    for path in ("notes", "consents", "visitor"):
        refused = await stack.gateway.get(f"/v1/cases/{case_id}/{path}", headers=me)
        assert refused.status_code == 409, path
    again = await runner.run_once(settings, dry_run=False, now=utcnow() + LATER)
    assert again.due == []
    assert (await verify_audit("cases", cases_db)).intact


async def _cli(stack: Stack, tmp_path: Path, *args: str) -> int:
    """Runs `ombuds ...` in a thread, so that the services in this loop can answer it."""
    settings = state_of(stack.apps["cases"]).settings
    with environment(
        OMBUDS_CASES_DATABASE_URL=stack.database_urls["cases"],
        # `ombuds audit verify` checks every service's log.
        OMBUDS_INTAKE_DATABASE_URL=stack.database_urls["intake"],
        OMBUDS_MEDIATION_DATABASE_URL=stack.database_urls["mediation"],
        OMBUDS_CASES_INTAKE_URL=stack.urls["intake"],
        OMBUDS_CASES_SIGNING_KEY_FILE=str(settings.signing_key_file),
        OMBUDS_CASES_KEY_STORE_URL=settings.resolved_key_store_url,
    ):
        return await asyncio.to_thread(cli.main, ["--data-dir", str(tmp_path), *args])


async def test_ombuds_retention_run_from_the_command_line(
    stack: Stack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id = await _closed_case_with_content(stack)
    # Cases' schedule alone (tests/test_retention_all_services.py runs every service's).
    only_cases = ("retention", "run", "--service", "cases")
    with environment(OMBUDS_CASES_RETENTION_MONTHS="0"):
        assert await _cli(stack, tmp_path, *only_cases, "--dry-run") == 0
        assert case_id in capsys.readouterr().out
        assert await query(stack.database_urls["cases"], "SELECT id FROM case_note")
        assert await _cli(stack, tmp_path, *only_cases) == 0
    assert f"destroyed {case_id}" in capsys.readouterr().out
    assert await query(stack.database_urls["cases"], "SELECT id FROM case_note") == []


async def test_ombuds_audit_verify_detects_tampering(
    stack: Stack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id = await _closed_case_with_content(stack)
    url = stack.database_urls["cases"]
    assert await _cli(stack, tmp_path, "audit", "verify") == 0
    assert "intact" in capsys.readouterr().out
    entries = await query(
        url, "SELECT id FROM audit_event WHERE chain = :c ORDER BY seq", c=chain_of(case_id)
    )
    assert len(entries) >= 5
    victim = entries[2]
    await execute(
        url, "UPDATE audit_event SET subject = 'someone-else' WHERE id = :id", id=victim["id"]
    )
    assert await _cli(stack, tmp_path, "audit", "verify") == 1
    assert "TAMPERED" in capsys.readouterr().out


async def test_deleted_and_reordered_audit_entries_are_detected(stack: Stack) -> None:
    case_id = await _closed_case_with_content(stack)
    url = stack.database_urls["cases"]
    entries = await query(
        url, "SELECT * FROM audit_event WHERE chain = :c ORDER BY seq", c=chain_of(case_id)
    )
    assert (await verify_audit("cases", url)).intact
    first, second = entries[1], entries[2]
    # Reorder: swap the content of two neighbouring entries.
    for row, other in ((first, second), (second, first)):
        await execute(
            url,
            "UPDATE audit_event SET action = :a, occurred_at = :t WHERE id = :id",
            a=other["action"],
            t=other["occurred_at"],
            id=row["id"],
        )
    assert not (await verify_audit("cases", url)).intact
    for row in (first, second):
        await execute(
            url,
            "UPDATE audit_event SET action = :a, occurred_at = :t WHERE id = :id",
            a=row["action"],
            t=row["occurred_at"],
            id=row["id"],
        )
    assert (await verify_audit("cases", url)).intact
    await execute(url, "DELETE FROM audit_event WHERE id = :id", id=entries[-1]["id"])
    result = await verify_audit("cases", url)
    assert not result.intact
    assert "deleted" in result.problems[0]


async def test_auditors_read_the_log_and_never_content(stack: Stack) -> None:
    case_id = await _closed_case_with_content(stack)
    auditor = stack.auth("auditor", sub="auditor-1")
    page = await stack.gateway.get("/v1/audit/cases", params={"case_id": case_id}, headers=auditor)
    assert page.status_code == 200
    actions = [e["action"] for e in page.json()["items"]]
    assert "note.write" in actions
    assert "case.open" in actions
    assert "Kowalczyk" not in page.text
    for role in ("ombudsman", "chief", "analyst"):
        denied = await stack.gateway.get("/v1/audit/cases", headers=stack.auth(role, office=OFFICE))
        assert denied.status_code == 403
    notes = await stack.gateway.get(f"/v1/cases/{case_id}/notes", headers=auditor)
    assert notes.status_code == 403


async def _counts(stack: Stack) -> tuple[int, int, int]:
    url = stack.database_urls["cases"]
    outbox = await query(url, "SELECT COUNT(*) AS n FROM outbox_event")
    service = await query(url, "SELECT COUNT(*) AS n FROM case_service")
    audit = await query(url, "SELECT COUNT(*) AS n FROM audit_event")
    return int(outbox[0]["n"]), int(service[0]["n"]), int(audit[0]["n"])


async def test_a_failure_midway_leaves_neither_change_nor_event(stack: Stack) -> None:
    case_id = await assigned_case(stack)
    me = handler(stack)
    tag = f"/v1/cases/{case_id}/systemic-issues"
    assert (
        await stack.gateway.post(tag, json={"systemic_issue": "leadership"}, headers=me)
    ).status_code == 201
    before = await _counts(stack)
    # The duplicate fails at the database after its event was added to the transaction.
    twice = await stack.gateway.post(tag, json={"systemic_issue": "leadership"}, headers=me)
    assert twice.status_code == 409
    assert await _counts(stack) == before
    assert [t for t, _ in await events(stack, case_id)].count("case.systemic_issue_tagged") == 1


async def test_mediation_service_failures_record_nothing(stack: Stack) -> None:
    case_id = await assigned_case(stack)
    me = handler(stack)
    url = f"/v1/cases/{case_id}/services"
    before = await _counts(stack)
    # A mediation service that refuses (here: an office it does not know) is a 502.
    settings = state_of(stack.apps["cases"]).settings
    saved, settings.mediation_office = settings.mediation_office, "no-such-office"
    try:
        refused = await stack.gateway.post(url, json={"service": "mediation"}, headers=me)
        assert refused.status_code == 502, refused.text
    finally:
        settings.mediation_office = saved
    await stack.stop("mediation")
    try:
        down = await stack.gateway.post(url, json={"service": "mediation"}, headers=me)
        assert down.status_code == 503, down.text
    finally:
        await stack.start("mediation")
    assert (await _counts(stack))[:2] == before[:2]
    assert "case.service_given" not in [t for t, _ in await events(stack, case_id)]


async def test_concurrent_reads_keep_every_chain_intact(stack: Stack) -> None:
    first, second = await assigned_case(stack), await assigned_case(stack, sub="omb-other")
    me = handler(stack)
    reads = [
        stack.gateway.get(f"/v1/cases/{case_id}", headers=me)
        for case_id in (first, second)
        for _ in range(10)
    ]
    responses = await asyncio.gather(*reads)
    assert {r.status_code for r in responses} == {200}
    logged = await query(
        stack.database_urls["cases"],
        "SELECT COUNT(*) AS n FROM audit_event WHERE action = 'case.read'",
    )
    assert int(logged[0]["n"]) == 20
    assert (await verify_audit("cases", stack.database_urls["cases"])).intact
