"""Conflicts of interest, consents, break-glass disclosures, notes, identity (P2 P4 P5 P10)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from ombuds_shared.reference import Role

from .cases_helpers import OFFICE, assigned_case, handler, opened_case, query
from .conftest import Stack

NOTE = "Visitor fears retaliation from her supervisor Mr. Kowalczyk after the audit."


async def test_a_declared_conflict_blocks_assignment_and_is_recorded(stack: Stack) -> None:
    case_id = await opened_case(stack)
    chief = stack.auth("chief", sub="chief-nairobi", office=OFFICE)
    url = f"/v1/cases/{case_id}/assignment"
    undeclared = await stack.gateway.post(url, json={"assignee": "omb-a"}, headers=chief)
    assert undeclared.status_code == 409
    conflicted = handler(stack, sub="omb-a")
    declared = await stack.gateway.post(
        f"/v1/cases/{case_id}/conflict-declarations",
        json={"has_conflict": True},
        headers=conflicted,
    )
    assert declared.status_code == 201
    blocked = await stack.gateway.post(url, json={"assignee": "omb-a"}, headers=chief)
    assert blocked.status_code == 409
    assert "conflict" in blocked.json()["detail"]
    self_blocked = await stack.gateway.post(url, json={}, headers=conflicted)
    assert self_blocked.status_code == 409
    # An ombudsman may not assign a colleague; only the chief does.
    other = handler(stack, sub="omb-b")
    await stack.gateway.post(
        f"/v1/cases/{case_id}/conflict-declarations", json={"has_conflict": False}, headers=other
    )
    pushed = await stack.gateway.post(url, json={"assignee": "omb-c"}, headers=other)
    assert pushed.status_code == 403
    assigned = await stack.gateway.post(url, json={"assignee": "omb-b"}, headers=chief)
    assert assigned.status_code == 200, assigned.text
    await stack.gateway.post(
        f"/v1/cases/{case_id}/conflict-declarations",
        json={"has_conflict": False},
        headers=handler(stack, sub="omb-d"),
    )
    # Nor may an ombudsman take a colleague's case (its notes and identity would follow).
    taken = await stack.gateway.post(url, json={}, headers=handler(stack, sub="omb-d"))
    assert taken.status_code == 403
    moved = await stack.gateway.post(url, json={"assignee": "omb-d"}, headers=chief)
    history = moved.json()
    assert history["assigned_to"] == "omb-d"
    assert [(a["assignee"], a["ended_at"] is None) for a in history["assignments"]] == [
        ("omb-b", False),
        ("omb-d", True),
    ]
    assert {(d["ombudsman"], d["has_conflict"]) for d in history["declarations"]} == {
        ("omb-a", True),
        ("omb-b", False),
        ("omb-d", False),
    }
    log = await query(
        stack.database_urls["cases"],
        "SELECT subject, action FROM audit_event WHERE action = :a",
        a="assignment.blocked_by_conflict",
    )
    assert {(r["subject"], r["action"]) for r in log} == {
        ("chief-nairobi", "assignment.blocked_by_conflict"),
        ("omb-a", "assignment.blocked_by_conflict"),
    }
    vienna = stack.auth("chief", office="vienna")
    assert (
        await stack.gateway.post(url, json={"assignee": "x"}, headers=vienna)
    ).status_code == 404


async def test_an_action_needs_a_live_consent_of_its_scope(stack: Stack) -> None:
    case_id = await assigned_case(stack)
    me = handler(stack)
    act = f"/v1/cases/{case_id}/actions"
    contact = {"action": "contact_supervisor"}
    refused = await stack.gateway.post(act, json=contact, headers=me)
    assert refused.status_code == 403
    hr = await stack.gateway.post(
        f"/v1/cases/{case_id}/consents", json={"scope": "contact_hr"}, headers=me
    )
    assert hr.status_code == 201
    assert (await stack.gateway.post(act, json=contact, headers=me)).status_code == 403
    given = await stack.gateway.post(
        f"/v1/cases/{case_id}/consents",
        json={"scope": "contact_supervisor", "details": "Only about the leave dates."},
        headers=me,
    )
    assert given.status_code == 201, given.text
    allowed = await stack.gateway.post(act, json=contact, headers=me)
    assert allowed.status_code == 201, allowed.text
    assert allowed.json()["consent_id"] == given.json()["id"]
    revoked = await stack.gateway.post(
        f"/v1/cases/{case_id}/consents/{given.json()['id']}/revoke", headers=me
    )
    assert revoked.status_code == 200
    assert revoked.json()["live"] is False
    assert (await stack.gateway.post(act, json=contact, headers=me)).status_code == 403
    # Sharing identity names the office; consent for one office is not consent for another.
    await stack.gateway.post(
        f"/v1/cases/{case_id}/consents",
        json={"scope": "share_identity", "with_office": "ethics_office"},
        headers=me,
    )
    share = {"action": "share_identity", "with_office": "ethics_office"}
    assert (await stack.gateway.post(act, json=share, headers=me)).status_code == 201
    elsewhere = {"action": "share_identity", "with_office": "investigations"}
    assert (await stack.gateway.post(act, json=elsewhere, headers=me)).status_code == 403
    consents = (await stack.gateway.get(f"/v1/cases/{case_id}/consents", headers=me)).json()
    assert [c["details"] for c in consents if c["scope"] == "contact_supervisor"] == [
        "Only about the leave dates."
    ]
    stored = await query(stack.database_urls["cases"], "SELECT * FROM consent")
    assert "leave dates" not in repr(stored)


async def test_notes_are_for_the_assigned_ombudsman_only(stack: Stack) -> None:
    case_id = await assigned_case(stack)
    url = f"/v1/cases/{case_id}/notes"
    me = handler(stack)
    written = await stack.gateway.post(url, json={"body": NOTE}, headers=me)
    assert written.status_code == 201, written.text
    notes = (await stack.gateway.get(url, headers=me)).json()
    assert [n["body"] for n in notes] == [NOTE]
    for role in Role:
        if role is Role.OMBUDSMAN:
            continue
        for method in ("GET", "POST"):
            response = await stack.gateway.request(
                method,
                url,
                headers=stack.auth(role.value, office=OFFICE),
                json={"body": "x"} if method == "POST" else None,
            )
            assert response.status_code == 403, (role, method)
    colleague = handler(stack, sub="omb-colleague")
    assert (await stack.gateway.get(url, headers=colleague)).status_code == 403
    other_office = handler(stack, sub="omb-vienna", office="vienna")
    assert (await stack.gateway.get(url, headers=other_office)).status_code == 404
    listing = await stack.gateway.get("/v1/cases", headers=me)
    case_read = await stack.gateway.get(f"/v1/cases/{case_id}", headers=me)
    assert NOTE not in listing.text + case_read.text


async def test_notes_are_ciphertext_in_the_database(stack: Stack) -> None:
    case_id = await assigned_case(stack)
    await stack.gateway.post(
        f"/v1/cases/{case_id}/notes", json={"body": NOTE}, headers=handler(stack)
    )
    url = stack.database_urls["cases"]
    rows = await query(url, "SELECT * FROM case_note")
    assert len(rows) == 1
    assert "Kowalczyk" not in repr(rows)
    assert b"Kowalczyk" not in bytes(rows[0]["body_sealed"])
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        files = [path, path.with_name(path.name + "-wal")]
        raw = b"".join([await asyncio.to_thread(f.read_bytes) for f in files if f.exists()])
        assert b"Kowalczyk" not in raw


async def test_the_assigned_ombudsman_sees_the_visitors_identity(stack: Stack) -> None:
    case_id = await assigned_case(stack)
    url = f"/v1/cases/{case_id}/visitor"
    seen = await stack.gateway.get(url, headers=handler(stack))
    assert seen.status_code == 200, seen.text
    assert seen.json()["name"] == "Jonas Okafor"
    assert (await stack.gateway.get(url, headers=handler(stack, sub="omb-x"))).status_code == 403
    chief = stack.auth("chief", office=OFFICE)
    assert (await stack.gateway.get(url, headers=chief)).status_code == 403
    log = await query(
        stack.database_urls["cases"],
        "SELECT subject FROM audit_event WHERE action = 'visitor.reveal'",
    )
    assert [r["subject"] for r in log] == ["omb-amani"]


async def test_break_glass_disclosure_is_logged_and_reported(stack: Stack) -> None:
    case_id = await assigned_case(stack)
    url = f"/v1/cases/{case_id}/disclosures"
    me = handler(stack)
    terse = await stack.gateway.post(
        url, json={"disclosed_to": "security", "justification": "risk"}, headers=me
    )
    assert terse.status_code == 422
    reason = "Visitor described a concrete plan to harm a colleague tonight at the compound."
    made = await stack.gateway.post(
        url, json={"disclosed_to": "security_and_safety", "justification": reason}, headers=me
    )
    assert made.status_code == 201, made.text
    chief = stack.auth("chief", office=OFFICE)
    report = await stack.gateway.get("/v1/oversight/disclosures", headers=chief)
    assert report.status_code == 200
    body = report.json()
    assert body["total"] == 1
    assert sum(m["disclosures"] for m in body["by_month"]) == 1
    assert body["disclosures"][0]["made_by"] == "omb-amani"
    assert "compound" not in report.text
    vienna = await stack.gateway.get(
        "/v1/oversight/disclosures", headers=stack.auth("chief", office="vienna")
    )
    assert vienna.json()["total"] == 0
    assert (await stack.gateway.get("/v1/oversight/disclosures", headers=me)).status_code == 403
    stored = await query(stack.database_urls["cases"], "SELECT * FROM disclosure")
    assert "compound" not in repr(stored)
    log = await query(
        stack.database_urls["cases"],
        "SELECT action FROM audit_event WHERE action = 'disclosure.break_glass'",
    )
    assert len(log) == 1
