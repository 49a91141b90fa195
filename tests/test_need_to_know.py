"""Need-to-know identity, attacked through the running gateway with ordinary tokens.

Each test is an attack that once worked: a visitor reference reused in a new case,
an office's queue read for identities, a conflict withdrawn by its author. Identity
enters only through intake and is revealed only through the one case it is bound
to, to its assigned handler, with every reveal recorded in intake's audit log.
"""

from __future__ import annotations

from typing import Any

from .cases_helpers import OFFICE, assigned_case, handler, opened_case, query
from .conftest import Stack, intake_body

NAME = "Jonas Okafor"


async def _case_row(stack: Stack, case_id: str) -> dict[str, Any]:
    (row,) = await query(
        stack.database_urls["cases"], "SELECT * FROM case_file WHERE id = :c", c=case_id
    )
    return row


async def _reveals(stack: Stack) -> list[dict[str, Any]]:
    return await query(
        stack.database_urls["intake"],
        "SELECT * FROM audit_event WHERE action = 'visitor.reveal' ORDER BY id",
    )


async def test_a_visitor_reference_seen_anywhere_opens_nothing(stack: Stack) -> None:
    case_id = await assigned_case(stack)
    ref = (await _case_row(stack, case_id))["visitor_ref"]
    assert ref
    body = {
        "visitor_ref": ref,
        "pillar": "secretariat",
        "location": "headquarters",
        "occupational_group": "general_service",
        "intake_channel": "in_person",
    }
    chief = stack.auth("chief", sub="chief-nairobi", office=OFFICE)
    for attacker in [
        stack.auth("ombudsman", sub="omb-vienna", office="vienna"),  # another office
        handler(stack, sub="omb-colleague"),  # a colleague of the handler
        chief,
    ]:
        opened = await stack.gateway.post("/v1/cases", json=body, headers=attacker)
        # The reference is not an input any more: identities enter through intake only.
        assert opened.status_code == 422, opened.text
        assert "visitor_ref" in opened.text
    # A case opened without it, and taken by the attacker, has no identity behind it.
    for attacker in [
        stack.auth("ombudsman", sub="omb-vienna", office="vienna"),
        handler(stack, sub="omb-colleague"),
    ]:
        without = {k: v for k, v in body.items() if k != "visitor_ref"}
        own = await stack.gateway.post("/v1/cases", json=without, headers=attacker)
        assert own.status_code == 201, own.text
        taken_id = own.json()["id"]
        declared = await stack.gateway.post(
            f"/v1/cases/{taken_id}/conflict-declarations",
            json={"has_conflict": False},
            headers=attacker,
        )
        assert declared.status_code == 201
        taken = await stack.gateway.post(
            f"/v1/cases/{taken_id}/assignment", json={}, headers=attacker
        )
        assert taken.status_code == 200
        seen = await stack.gateway.get(f"/v1/cases/{taken_id}/visitor", headers=attacker)
        assert seen.status_code == 404, seen.text
        assert NAME not in seen.text
    # The colleague and the chief reach the real case, but not its visitor.
    for outsider in [handler(stack, sub="omb-colleague"), stack.auth("chief", office=OFFICE)]:
        seen = await stack.gateway.get(f"/v1/cases/{case_id}/visitor", headers=outsider)
        assert seen.status_code == 403
        assert NAME not in seen.text
    # Only the assigned handler's reveal happened, and intake recorded it.
    assert await _reveals(stack) == []
    mine = await stack.gateway.get(f"/v1/cases/{case_id}/visitor", headers=handler(stack))
    assert mine.status_code == 200
    assert mine.json()["name"] == NAME
    (reveal,) = await _reveals(stack)
    assert reveal["subject"] == "omb-amani"
    assert reveal["peer"] == "cases"


async def test_the_office_queue_carries_no_identity_and_triage_ends_the_reveal(
    stack: Stack,
) -> None:
    submitted = await stack.gateway.post(
        "/v1/intake/requests", json=intake_body(), headers=stack.auth("visitor", sub="v-jonas")
    )
    reference = submitted.json()["reference"]
    colleague = handler(stack, sub="omb-colleague")
    queue = await stack.gateway.get("/v1/intake/requests", headers=colleague)
    assert queue.status_code == 200
    assert reference in queue.text
    assert NAME not in queue.text
    # Before triage, an ombudsman of the office opens the request to triage it (audited).
    before = await stack.gateway.get(f"/v1/intake/requests/{reference}", headers=colleague)
    assert before.json()["visitor"]["name"] == NAME
    assert len(await _reveals(stack)) == 1
    accepted = await stack.gateway.post(
        f"/v1/intake/requests/{reference}/accept", headers=handler(stack)
    )
    case_id = accepted.json()["case_id"]
    # After triage, not even the ombudsman who accepted it reads the identity here,
    # and a colleague does not learn which case the request became.
    for who in [colleague, handler(stack)]:
        after = await stack.gateway.get(f"/v1/intake/requests/{reference}", headers=who)
        assert after.status_code == 200
        assert after.json()["visitor"] is None
        assert NAME not in after.text
        listed = await stack.gateway.get("/v1/intake/requests", headers=who)
        assert NAME not in listed.text
    colleague_view = await stack.gateway.get(f"/v1/intake/requests/{reference}", headers=colleague)
    assert colleague_view.json()["case_id"] is None
    assert case_id not in (await stack.gateway.get("/v1/intake/requests", headers=colleague)).text
    chief_view = await stack.gateway.get(
        f"/v1/intake/requests/{reference}", headers=stack.auth("chief", office=OFFICE)
    )
    assert chief_view.json()["case_id"] == case_id
    assert chief_view.json().get("visitor") is None  # the gateway drops the field too
    assert len(await _reveals(stack)) == 1


async def test_a_conflict_declared_before_triage_shuts_its_author_out_for_good(
    stack: Stack,
) -> None:
    submitted = await stack.gateway.post(
        "/v1/intake/requests", json=intake_body(), headers=stack.auth("visitor", sub="v-jonas")
    )
    reference = submitted.json()["reference"]
    conflicted = handler(stack, sub="omb-conflicted")
    declared = await stack.gateway.post(
        f"/v1/intake/requests/{reference}/conflict-declarations",
        json={"has_conflict": True},
        headers=conflicted,
    )
    assert declared.status_code == 201, declared.text
    withdrawn = await stack.gateway.post(
        f"/v1/intake/requests/{reference}/conflict-declarations",
        json={"has_conflict": False},
        headers=conflicted,
    )
    assert withdrawn.status_code == 422
    read = await stack.gateway.get(f"/v1/intake/requests/{reference}", headers=conflicted)
    assert read.status_code == 200
    assert read.json()["visitor"] is None
    for action in ("accept", "decline"):
        body = {"reason": "outside_mandate"} if action == "decline" else None
        refused = await stack.gateway.post(
            f"/v1/intake/requests/{reference}/{action}", json=body, headers=conflicted
        )
        assert refused.status_code == 403, refused.text
    accepted = await stack.gateway.post(
        f"/v1/intake/requests/{reference}/accept", headers=handler(stack)
    )
    case_id = accepted.json()["case_id"]
    # The conflict followed the request into its case: no declaration of "no conflict",
    # no self-assignment, no assignment by the chief, no identity.
    case_url = f"/v1/cases/{case_id}"
    undo = await stack.gateway.post(
        f"{case_url}/conflict-declarations", json={"has_conflict": False}, headers=conflicted
    )
    assert undo.status_code == 403
    taken = await stack.gateway.post(f"{case_url}/assignment", json={}, headers=conflicted)
    assert taken.status_code == 409
    chief = stack.auth("chief", sub="chief-nairobi", office=OFFICE)
    pushed = await stack.gateway.post(
        f"{case_url}/assignment", json={"assignee": "omb-conflicted"}, headers=chief
    )
    assert pushed.status_code == 409
    seen = await stack.gateway.get(f"{case_url}/visitor", headers=conflicted)
    assert seen.status_code == 403
    assert await _reveals(stack) == []


async def test_a_declared_conflict_is_cleared_by_the_chief_only_with_a_reason(
    stack: Stack,
) -> None:
    case_id = await opened_case(stack)
    url = f"/v1/cases/{case_id}"
    me = handler(stack, sub="omb-x")
    declared = await stack.gateway.post(
        f"{url}/conflict-declarations", json={"has_conflict": True}, headers=me
    )
    assert declared.status_code == 201
    declaration_id = declared.json()["id"]
    # Declared, then "withdrawn", then self-assigned: once the attack; now refused.
    undo = await stack.gateway.post(
        f"{url}/conflict-declarations", json={"has_conflict": False}, headers=me
    )
    assert undo.status_code == 403
    assert (await stack.gateway.post(f"{url}/assignment", json={}, headers=me)).status_code == 409
    clear = f"{url}/conflict-declarations/{declaration_id}/clear"
    by_author = await stack.gateway.post(clear, json={"reason": "declared_in_error"}, headers=me)
    assert by_author.status_code == 403
    chief = stack.auth("chief", sub="chief-nairobi", office=OFFICE)
    no_reason = await stack.gateway.post(clear, json={}, headers=chief)
    assert no_reason.status_code == 422
    other_chief = stack.auth("chief", sub="chief-vienna", office="vienna")
    elsewhere = await stack.gateway.post(
        clear, json={"reason": "declared_in_error"}, headers=other_chief
    )
    assert elsewhere.status_code == 404
    cleared = await stack.gateway.post(clear, json={"reason": "declared_in_error"}, headers=chief)
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["cleared_by"] == "chief-nairobi"
    # Clearing grants nothing by itself: still no identity, and no assignment before a
    # fresh declaration of no conflict.
    assert (await stack.gateway.get(f"{url}/visitor", headers=me)).status_code == 403
    assert (await stack.gateway.post(f"{url}/assignment", json={}, headers=me)).status_code == 409
    anew = await stack.gateway.post(
        f"{url}/conflict-declarations", json={"has_conflict": False}, headers=me
    )
    assert anew.status_code == 201
    assert (await stack.gateway.post(f"{url}/assignment", json={}, headers=me)).status_code == 200
    assert (await stack.gateway.get(f"{url}/visitor", headers=me)).status_code == 200
    audit = await query(
        stack.database_urls["cases"],
        "SELECT subject FROM audit_event WHERE action = 'conflict.clear' AND context_id = :c",
        c=case_id,
    )
    assert audit == [{"subject": "chief-nairobi"}]


async def test_an_ombudsman_records_a_walk_in_through_intake(stack: Stack) -> None:
    body = intake_body(channel="in_person", accept=True)
    del body["office"]
    me = handler(stack, sub="omb-desk")
    recorded = await stack.gateway.post("/v1/intake/walk-ins", json=body, headers=me)
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["status"] == "accepted"
    case_id = recorded.json()["case_id"]
    case = await stack.gateway.get(f"/v1/cases/{case_id}", headers=me)
    assert case.json()["intake_channel"] == "in_person"
    assert case.json()["office"] == OFFICE
    # Recorded for another office: refused.
    elsewhere = await stack.gateway.post(
        "/v1/intake/walk-ins", json={**body, "office": "vienna"}, headers=me
    )
    assert elsewhere.status_code == 403
    # Only an ombudsman records a walk-in.
    for role in ("visitor", "chief", "hr_portal", "mediator"):
        refused = await stack.gateway.post(
            "/v1/intake/walk-ins", json=body, headers=stack.auth(role, office=OFFICE)
        )
        assert refused.status_code == 403, role
    # The identity follows the ordinary rules: the handler, once assigned, sees it.
    assert (await stack.gateway.get(f"/v1/cases/{case_id}/visitor", headers=me)).status_code == 403
    await stack.gateway.post(
        f"/v1/cases/{case_id}/conflict-declarations", json={"has_conflict": False}, headers=me
    )
    assert (
        await stack.gateway.post(f"/v1/cases/{case_id}/assignment", json={}, headers=me)
    ).status_code == 200
    seen = await stack.gateway.get(f"/v1/cases/{case_id}/visitor", headers=me)
    assert seen.json()["name"] == NAME
    # Nothing of the identity reached the cases database.
    cases_rows = await query(stack.database_urls["cases"], "SELECT * FROM case_file")
    assert NAME not in str(cases_rows)
