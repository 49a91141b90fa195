"""The reveal is audited where it happens (P1, P5): intake for identities, mediation for
notes, parties and certificates. Auditors read each log (ids only, never content), and a
reveal that cannot be recorded reveals nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from ombuds.audit import verify_audit

from .cases_helpers import assigned_case, execute, handler, query
from .conftest import Stack, intake_body
from .mediation_support import Mediations, expect

NOTE = "Party B admitted the e-mail was sent in anger; settlement likely on Tuesday."
VISITOR = intake_body()["visitor"]


async def _log(stack: Stack, service: str, **params: str) -> list[dict[str, Any]]:
    """The whole of a service's log, as an auditor reads it through the gateway."""
    auditor = stack.auth("auditor", sub="auditor-ines")
    entries: list[dict[str, Any]] = []
    for _ in range(50):  # bounded: the log of one test fits in a few pages
        page = expect(
            await stack.gateway.get(f"/v1/audit/{service}", params=params, headers=auditor), 200
        )
        entries += page["items"]
        if not page["next_cursor"]:
            return entries
        params = {**params, "cursor": page["next_cursor"]}
    raise AssertionError("more pages than expected")


def _no_content(entries: list[dict[str, Any]], *secrets: str) -> None:
    text = repr(entries)
    for secret in secrets:
        assert secret not in text


@asynccontextmanager
async def _log_unwritable(url: str) -> AsyncIterator[None]:
    """The log's chain heads gone: no entry can be appended until they are back."""
    heads = await query(url, "SELECT chain, seq, hash FROM audit_head")
    await execute(url, "DELETE FROM audit_head")
    try:
        yield
    finally:
        restore = "INSERT INTO audit_head (chain, seq, hash) VALUES (:chain, :seq, :hash)"
        for head in heads:
            await execute(url, restore, **head)


async def test_mediation_records_notes_parties_and_certificates(stack: Stack) -> None:
    desk = Mediations(stack)
    mediation_id = await desk.under_way()
    written = expect(await desk.post(mediation_id, "notes", {"body": NOTE}), 201)
    notes = expect(
        await stack.gateway.get(f"/v1/mediations/{mediation_id}/notes", headers=desk.mediator),
        200,
    )
    assert [n["body"] for n in notes["items"]] == [NOTE]
    certificate = await desk.issue(mediation_id)
    revoked = await stack.gateway.post(
        f"/v1/certificates/{certificate['id']}/revoke",
        json={"reason": "issued_in_error"},
        headers=desk.mediator,
    )
    assert revoked.status_code == 200, revoked.text

    entries = await _log(stack, "mediation", mediation_id=mediation_id)
    parties = [p["id"] for p in (await desk.get(mediation_id))["parties"]]
    seen = [(e["action"], e["record_type"], e["record_id"]) for e in entries]
    declaration = next(e["record_id"] for e in entries if e["action"] == "conflict.declare")
    assert seen == [
        *[("party.add", "party", party) for party in parties],
        ("referral.accept", "mediation", mediation_id),
        *[("party.agreement", "party", party) for party in parties],
        ("conflict.declare", "conflict_declaration", declaration),
        ("mediator.assign", "mediator", desk.mediator_sub),
        ("note.write", "note", written["id"]),
        ("notes.read", "notes", mediation_id),
        ("certificate.issue", "certificate", certificate["id"]),
        ("certificate.revoke", "certificate", certificate["id"]),
    ]
    assert {e["subject"] for e in entries} == {desk.mediator_sub}
    assert {e["context_id"] for e in entries} == {mediation_id}
    _no_content(entries, NOTE, "P-1", "P-2")  # ids only: not even the party references
    assert (await verify_audit("mediation", stack.database_urls["mediation"])).intact


async def test_notes_that_cannot_be_recorded_as_read_are_not_returned(stack: Stack) -> None:
    desk = Mediations(stack)
    mediation_id = await desk.under_way()
    expect(await desk.post(mediation_id, "notes", {"body": NOTE}), 201)
    path = f"/v1/mediations/{mediation_id}/notes"
    async with _log_unwritable(stack.database_urls["mediation"]):
        refused = await stack.gateway.get(path, headers=desk.mediator)
        # A write that cannot be recorded does not happen either.
        unwritten = await desk.post(mediation_id, "notes", {"body": "Second note."})
    assert refused.status_code == 503, refused.text
    assert NOTE not in refused.text
    assert unwritten.status_code >= 500
    after = expect(await stack.gateway.get(path, headers=desk.mediator), 200)
    assert [n["body"] for n in after["items"]] == [NOTE]
    reads = [e for e in await _log(stack, "mediation", mediation_id=mediation_id)
             if e["action"] == "notes.read"]  # fmt: skip
    assert len(reads) == 1  # the refused read left nothing, the later one its entry
    assert (await verify_audit("mediation", stack.database_urls["mediation"])).intact


async def test_every_identity_reveal_leaves_an_entry_in_intake(stack: Stack) -> None:
    submitted = expect(
        await stack.gateway.post(
            "/v1/intake/requests",
            json=intake_body(),
            headers=stack.auth("visitor", sub="visitor-reveal"),
        ),
        201,
    )
    reference = submitted["reference"]
    triager = handler(stack, sub="omb-triage")
    before_triage = expect(
        await stack.gateway.get(f"/v1/intake/requests/{reference}", headers=triager), 200
    )
    assert before_triage["visitor"]["name"] == VISITOR["name"]
    case_id = await assigned_case(stack, sub="omb-handler")
    through_case = expect(
        await stack.gateway.get(
            f"/v1/cases/{case_id}/visitor", headers=handler(stack, sub="omb-handler")
        ),
        200,
    )
    assert through_case["name"] == VISITOR["name"]

    entries = await _log(stack, "intake")
    reveals = [e for e in entries if e["action"] == "visitor.reveal"]
    by = {(e["subject"], e["peer"]) for e in reveals}
    assert ("omb-triage", None) in by  # the office read the request before triage
    assert ("omb-handler", "cases") in by  # the handler, through the case the identity is bound to
    assert {e["record_type"] for e in reveals} == {"visitor"}
    assert any(e["action"] == "request.accept" and e["record_id"] == case_id for e in entries)
    _no_content(entries, *VISITOR.values())
    assert (await verify_audit("intake", stack.database_urls["intake"])).intact


async def test_an_identity_that_cannot_be_recorded_as_revealed_is_not_revealed(
    stack: Stack,
) -> None:
    case_id = await assigned_case(stack, sub="omb-handler-2")
    me = handler(stack, sub="omb-handler-2")
    submitted = expect(
        await stack.gateway.post(
            "/v1/intake/requests",
            json=intake_body(),
            headers=stack.auth("visitor", sub="visitor-unrecorded"),
        ),
        201,
    )
    async with _log_unwritable(stack.database_urls["intake"]):
        by_case = await stack.gateway.get(f"/v1/cases/{case_id}/visitor", headers=me)
        by_request = await stack.gateway.get(
            f"/v1/intake/requests/{submitted['reference']}", headers=me
        )
    for refused in (by_case, by_request):
        assert refused.status_code == 503, refused.text
        assert VISITOR["name"] not in refused.text
    assert (await verify_audit("intake", stack.database_urls["intake"])).intact


async def test_only_auditors_read_the_logs(stack: Stack) -> None:
    for service in ("intake", "mediation"):
        for role in ("ombudsman", "mediator", "chief", "analyst", "registry", "visitor"):
            refused = await stack.gateway.get(f"/v1/audit/{service}", headers=stack.auth(role))
            assert refused.status_code == 403, (service, role)
