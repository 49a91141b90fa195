"""The visitor's own data (issue 19, item 4), through the gateway: withdrawing a request not
yet triaged, reading what the office holds about them, and erasing a closed matter."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from ombuds_shared.crypto import KeyDestroyed
from ombuds_shared.dependencies import state_of
from ombuds_testing import actor, bearer

from .cases_helpers import HANDLER, OFFICE, handler, query
from .conftest import Stack, intake_body
from .graphql_support import attempt, graphql_as, run
from .test_intake_flow import _count_cases

PROBLEM = "application/problem+json"


async def _submit(stack: Stack, sub: str, **changes: Any) -> str:
    response = await stack.gateway.post(
        "/v1/intake/requests",
        json=intake_body(**changes),
        headers=stack.auth("visitor", sub=sub),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["reference"])


def _conflict(response: httpx.Response, detail: str) -> None:
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["detail"] == detail


async def _audit(stack: Stack, service: str, action: str) -> list[dict[str, Any]]:
    return await query(
        stack.database_urls[service],
        "SELECT subject, roles, peer, record_type, record_id, context_id FROM audit_event "
        "WHERE action = :action ORDER BY seq",
        action=action,
    )


async def _request_row(stack: Stack, reference: str) -> dict[str, Any]:
    rows = await query(
        stack.database_urls["intake"],
        "SELECT r.id, r.status, r.submitted_by, r.idempotency_key, r.request_hash, "
        "r.withdrawn_at, r.destroyed_at, v.id AS visitor_id, v.name_sealed, v.email_sealed, "
        "v.destroyed_at AS visitor_destroyed_at "
        "FROM intake_request r JOIN visitor v ON v.id = r.visitor_id WHERE r.reference = :ref",
        ref=reference,
    )
    return rows[0]


async def _key_gone(stack: Stack, visitor_id: str) -> bool:
    try:
        await state_of(stack.apps["intake"]).envelope.data_key(f"visitor:{visitor_id}")
    except KeyDestroyed:
        return True
    return False


# --- withdraw ---------------------------------------------------------------------------


async def test_a_withdrawn_request_no_ombudsman_can_accept(stack: Stack) -> None:
    reference = await _submit(stack, "visitor-wanjiru")
    me = stack.auth("visitor", sub="visitor-wanjiru")
    withdrawn = await stack.gateway.post(f"/v1/intake/requests/{reference}/withdraw", headers=me)
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["status"] == "withdrawn"

    ombudsman = handler(stack)
    path = f"/v1/intake/requests/{reference}"
    refused = "The visitor withdrew this request; it cannot be triaged."
    _conflict(await stack.gateway.post(f"{path}/accept", headers=ombudsman), refused)
    declined = await stack.gateway.post(
        f"{path}/decline", json={"reason": "other"}, headers=ombudsman
    )
    _conflict(declined, refused)
    assert await _count_cases(stack.database_urls["cases"]) == 0
    # It left the queue; what the office still reads of it names nobody.
    queue = await stack.gateway.get(
        "/v1/intake/requests", params={"status": "submitted"}, headers=ombudsman
    )
    assert reference not in {item["reference"] for item in queue.json()["items"]}
    read = await stack.gateway.get(path, headers=ombudsman)
    assert read.status_code == 200, read.text
    assert read.json()["status"] == "withdrawn"
    assert read.json()["visitor"] is None

    # The identity went at once: the data key, the ciphertexts and what ties it to a login.
    row = await _request_row(stack, reference)
    assert row["status"] == "withdrawn"
    assert row["withdrawn_at"] is not None
    assert row["destroyed_at"] is not None
    assert row["visitor_destroyed_at"] is not None
    assert (row["submitted_by"], row["idempotency_key"], row["request_hash"]) == (None,) * 3
    assert (row["name_sealed"], row["email_sealed"]) == (None, None)
    assert await _key_gone(stack, row["visitor_id"])
    # Gone for the visitor too: nothing ties the request to them any more.
    assert (await stack.gateway.get(path, headers=me)).status_code == 404
    again = await stack.gateway.post(f"{path}/withdraw", headers=me)
    assert again.status_code == 404
    # On record, as "a visitor" and by ids: the login subject is not kept in the log.
    entries = await _audit(stack, "intake", "request.withdraw")
    assert [(e["subject"], e["context_id"]) for e in entries] == [("visitor:self", row["id"])]


async def test_only_the_visitor_who_submitted_withdraws(stack: Stack) -> None:
    reference = await _submit(stack, "visitor-owner")
    path = f"/v1/intake/requests/{reference}/withdraw"
    stranger = await stack.gateway.post(path, headers=stack.auth("visitor", sub="visitor-other"))
    assert stranger.status_code == 404, stranger.text
    for role in ("ombudsman", "chief", "hr_portal", "referring_office", "auditor"):
        refused = await stack.gateway.post(path, headers=stack.auth(role, office=OFFICE))
        assert refused.status_code == 403, (role, refused.text)
    row = await _request_row(stack, reference)
    assert (row["status"], row["destroyed_at"]) == ("submitted", None)


async def test_an_accepted_request_is_not_withdrawn(stack: Stack) -> None:
    reference = await _submit(stack, "visitor-late")
    accepted = await stack.gateway.post(
        f"/v1/intake/requests/{reference}/accept", headers=handler(stack)
    )
    assert accepted.status_code == 200, accepted.text
    late = await stack.gateway.post(
        f"/v1/intake/requests/{reference}/withdraw",
        headers=stack.auth("visitor", sub="visitor-late"),
    )
    _conflict(late, "This request was accepted; ask for its erasure once the case is closed.")
    assert (await _request_row(stack, reference))["visitor_destroyed_at"] is None


async def test_an_accept_and_a_withdraw_racing_never_leave_a_case_behind_a_withdrawal(
    stack: Stack,
) -> None:
    ombudsman = handler(stack)
    visitors = [f"visitor-race-{n}" for n in range(8)]
    references = [await _submit(stack, visitor) for visitor in visitors]

    async def race(reference: str, visitor: str) -> None:
        path = f"/v1/intake/requests/{reference}"
        answers = await asyncio.gather(
            stack.gateway.post(f"{path}/accept", headers=ombudsman),
            stack.gateway.post(f"{path}/withdraw", headers=stack.auth("visitor", sub=visitor)),
        )
        # Each is done or refused with a conflict; never both done, never an error.
        assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]

    await asyncio.gather(*(race(r, v) for r, v in zip(references, visitors, strict=True)))
    statuses = {}
    for reference in references:
        row = await _request_row(stack, reference)
        statuses[reference] = row["status"]
        # A withdrawn request's identity is gone; an accepted one's is kept for its case.
        assert (row["visitor_destroyed_at"] is not None) == (row["status"] == "withdrawn")
    assert set(statuses.values()) <= {"accepted", "withdrawn"}
    accepted = sum(1 for status in statuses.values() if status == "accepted")
    assert await _count_cases(stack.database_urls["cases"]) == accepted


# --- what the office holds about me -------------------------------------------------------


async def _case_of(stack: Stack, visitor: str, *, note: str, name: str) -> tuple[str, str]:
    """A visitor's request accepted and taken by the handler, with a note: (reference, case)."""
    body = {"visitor": {"name": name, "email": f"{visitor}@example.org"}}  # a name to find
    reference = await _submit(stack, visitor, visitor=body["visitor"])
    me = handler(stack)
    accepted = await stack.gateway.post(f"/v1/intake/requests/{reference}/accept", headers=me)
    assert accepted.status_code == 200, accepted.text
    case_id = str(accepted.json()["case_id"])
    base = f"/v1/cases/{case_id}"
    for url, payload in [
        (f"{base}/conflict-declarations", {"has_conflict": False}),
        (f"{base}/assignment", {}),
        (f"{base}/notes", {"body": note}),
        (f"{base}/consents", {"scope": "contact_hr", "details": f"Consent about {note}"}),
    ]:
        response = await stack.gateway.post(url, json=payload, headers=me)
        assert response.status_code in (200, 201), response.text
    return reference, case_id


async def _close(stack: Stack, case_id: str) -> None:
    closing = {"status": "closed", "closure_reason": "options_provided"}
    response = await stack.gateway.post(
        f"/v1/cases/{case_id}/status", json=closing, headers=handler(stack)
    )
    assert response.status_code == 200, response.text


async def test_a_visitor_reads_what_the_office_holds_about_them_and_no_more(stack: Stack) -> None:
    note = "The director Mr. Quellbrunn shouted in the lift."
    accepted, case_id = await _case_of(
        stack, "visitor-reader", note=note, name="Reader Zanzibarova"
    )
    waiting = await _submit(stack, "visitor-reader")
    elsewhere = await _submit(stack, "visitor-someone-else")
    await _close(stack, case_id)
    me = stack.auth("visitor", sub="visitor-reader")

    answer = await stack.gateway.get("/v1/intake/me", headers=me)
    assert answer.status_code == 200, answer.text
    assert answer.headers["Cache-Control"] == "no-store"
    held = {item["reference"]: item for item in answer.json()["requests"]}
    assert set(held) == {accepted, waiting}  # theirs, and nobody else's
    assert held[accepted]["visitor"]["name"] == "Reader Zanzibarova"
    assert held[waiting]["visitor"]["name"] == intake_body()["visitor"]["name"]
    assert held[waiting]["case"] is None
    case = held[accepted]["case"]
    assert case["status"] == "closed"
    assert [step["status"] for step in case["status_history"]] == ["opened", "closed"]
    assert case["erasure"] is None
    # Privileged: no note, consent, coding, handler or case id reaches the visitor.
    text = answer.text
    for withheld in (note, "Consent about", case_id, HANDLER, "options_provided", elsewhere):
        assert withheld not in text, withheld
    # Every read is on intake's log, ids only, before anything left.
    reads = await _audit(stack, "intake", "visitor.data.read")
    assert [e["subject"] for e in reads] == ["visitor:self"]
    reveals = {e["context_id"] for e in await _audit(stack, "intake", "visitor.reveal")}
    assert (await _request_row(stack, accepted))["id"] in reveals
    assert "visitor-reader" not in str(await _audit(stack, "intake", "visitor.reveal"))

    for role in ("ombudsman", "chief", "hr_portal", "auditor", "analyst"):
        refused = await stack.gateway.get("/v1/intake/me", headers=stack.auth(role, office=OFFICE))
        assert refused.status_code == 403, (role, refused.text)
    nobody = await stack.gateway.get(
        "/v1/intake/me", headers=stack.auth("visitor", sub="visitor-new")
    )
    assert nobody.json() == {"requests": []}


# --- erasure of a closed matter -------------------------------------------------------------


async def test_an_erasure_leaves_nothing_but_de_identified_facts(stack: Stack) -> None:
    note = "Ms. Ostrowska asked the visitor to keep quiet about the audit."
    reference, case_id = await _case_of(
        stack, "visitor-eraser", note=note, name="Eraser Vantreurenova"
    )
    me = stack.auth("visitor", sub="visitor-eraser")
    asking = f"/v1/intake/requests/{reference}/erasure-request"
    confirm = f"/v1/cases/{case_id}/erasure/confirm"
    open_case = "Only a closed matter is erased; this case is still open."
    _conflict(await stack.gateway.post(asking, headers=me), open_case)
    not_asked = "The visitor has not asked for this case to be erased."
    await _close(stack, case_id)
    _conflict(await stack.gateway.post(confirm, headers=handler(stack)), not_asked)

    asked = await stack.gateway.post(asking, headers=me)
    assert asked.status_code == 202, asked.text
    assert asked.json()["confirmed_at"] is None
    again = await stack.gateway.post(asking, headers=me)  # asking twice changes nothing
    assert again.json()["requested_at"] == asked.json()["requested_at"]
    stranger = await stack.gateway.post(asking, headers=stack.auth("visitor", sub="visitor-x"))
    assert stranger.status_code == 404
    held = (await stack.gateway.get("/v1/intake/me", headers=me)).json()["requests"]
    assert held[0]["case"]["erasure"]["requested_at"] == asked.json()["requested_at"]

    # The handler and the chief see the request (case id and dates, no identity) ...
    for viewer in (handler(stack), stack.auth("chief", office=OFFICE)):
        listed = await stack.gateway.get("/v1/case-erasure-requests", headers=viewer)
        assert listed.status_code == 200, listed.text
        assert [i["case_id"] for i in listed.json()["items"]] == [case_id]
        assert "Eraser" not in listed.text
    colleague = handler(stack, sub="omb-colleague")
    listed = await stack.gateway.get("/v1/case-erasure-requests", headers=colleague)
    assert listed.json()["items"] == []
    # ... and only they confirm: not a colleague, not another office's chief.
    refused = await stack.gateway.post(confirm, headers=colleague)
    assert refused.status_code == 403, refused.text
    other_chief = stack.auth("chief", office="geneva")
    assert (await stack.gateway.post(confirm, headers=other_chief)).status_code == 404

    confirmed = await stack.gateway.post(confirm, headers=handler(stack))
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["identity_destroyed"] is True
    assert confirmed.json()["confirmed_at"] is not None
    # Confirming again reports the same erasure.
    repeated = await stack.gateway.post(confirm, headers=handler(stack))
    assert repeated.json()["destroyed_at"] == confirmed.json()["destroyed_at"]

    # Content and identity are gone through every route ...
    notes = await stack.gateway.get(f"/v1/cases/{case_id}/notes", headers=handler(stack))
    assert notes.status_code == 409
    visitor = await stack.gateway.get(f"/v1/cases/{case_id}/visitor", headers=handler(stack))
    assert visitor.status_code in (404, 409), visitor.text
    assert (await stack.gateway.get("/v1/intake/me", headers=me)).json() == {"requests": []}
    # ... and from the databases: what stays is the case's de-identified facts.
    row = await _request_row(stack, reference)
    assert row["visitor_destroyed_at"] is not None
    assert (row["submitted_by"], row["name_sealed"]) == (None, None)
    assert await _key_gone(stack, row["visitor_id"])
    cases_db = stack.database_urls["cases"]
    kept = await query(
        cases_db,
        "SELECT status, pillar, office, visitor_ref, destroyed_at FROM case_file WHERE id = :id",
        id=case_id,
    )
    assert kept[0]["status"] == "closed"
    assert kept[0]["visitor_ref"] is None
    assert kept[0]["destroyed_at"] is not None
    left = await query(
        cases_db, "SELECT count(*) AS n FROM case_note WHERE case_id = :id", id=case_id
    )
    assert left == [{"n": 0}]
    # Every step on record: asked (through intake), confirmed, destroyed, identity shredded.
    assert len(await _audit(stack, "intake", "erasure.request")) == 2  # each time asked
    asked_entries = await _audit(stack, "cases", "erasure.request")
    # Cases records the visitor as intake vouches for them: by the request, never a login.
    request_id = row["id"]
    assert [(e["subject"], e["peer"]) for e in asked_entries] == [
        (f"visitor-of-request:{request_id}", "intake")
    ]
    confirmed_entries = await _audit(stack, "cases", "erasure.confirm")
    assert [e["subject"] for e in confirmed_entries] == [HANDLER]
    destroyed = await _audit(stack, "cases", "case.destroy")
    assert [(e["subject"], e["context_id"]) for e in destroyed] == [(HANDLER, case_id)]
    assert len(await _audit(stack, "intake", "visitor.destroy")) == 1


async def test_the_chief_confirms_an_erasure_of_the_office(stack: Stack) -> None:
    reference, case_id = await _case_of(stack, "visitor-c", note="A note.", name="C Person")
    await _close(stack, case_id)
    asked = await stack.gateway.post(
        f"/v1/intake/requests/{reference}/erasure-request",
        headers=stack.auth("visitor", sub="visitor-c"),
    )
    assert asked.status_code == 202, asked.text
    confirmed = await stack.gateway.post(
        f"/v1/cases/{case_id}/erasure/confirm", headers=stack.auth("chief", office=OFFICE)
    )
    assert confirmed.status_code == 200, confirmed.text


async def test_graphql_serves_the_visitor_and_the_handler_the_same_erasure(stack: Stack) -> None:
    reference, case_id = await _case_of(stack, "visitor-gql", note="A note.", name="Gql Person")
    waiting = await _submit(stack, "visitor-gql")
    await _close(stack, case_id)
    async with graphql_as(stack, "visitor", sub="visitor-gql") as visitor:
        own = "{ myData { requests { reference visitor { name } case { status statusHistory "
        own += "{ status } erasure { requestedAt } } } } }"
        mine = await run(visitor, own)
        by_reference = {r["reference"]: r for r in mine["myData"]["requests"]}
        assert by_reference[reference]["case"]["statusHistory"] == [
            {"status": "opened"}, {"status": "closed"}]  # fmt: skip
        assert by_reference[waiting]["case"] is None
        asked = await run(visitor, "mutation($r: String!) { requestErasure(reference: $r) "
                          "{ reference confirmedAt } }", {"r": reference})  # fmt: skip
        assert asked["requestErasure"] == {"reference": reference, "confirmedAt": None}
        withdrawn = await run(visitor, "mutation($r: String!) { withdrawIntakeRequest("
                              "reference: $r) { status } }", {"r": waiting})  # fmt: skip
        assert withdrawn["withdrawIntakeRequest"] == {"status": "withdrawn"}
    async with graphql_as(stack, "ombudsman", sub=HANDLER, office=OFFICE) as desk:
        listed = await run(desk, "{ erasureRequests { edges { node { caseId caseStatus } } } }")
        nodes = [edge["node"] for edge in listed["erasureRequests"]["edges"]]
        assert nodes == [{"caseId": case_id, "caseStatus": "closed"}]
        confirmed = await run(desk, "mutation($c: String!) { confirmErasure(caseId: $c) "
                              "{ caseId identityDestroyed } }", {"c": case_id})  # fmt: skip
        assert confirmed["confirmErasure"] == {"caseId": case_id, "identityDestroyed": True}
    async with graphql_as(stack, "chief", office=OFFICE) as chief:
        _, errors = await attempt(chief, "{ myData { requests { reference } } }")
        assert errors["myData"]["extensions"]["problem"]["status"] == 403


async def test_a_matter_not_closed_or_never_a_case_is_not_erased_on_request(stack: Stack) -> None:
    waiting = await _submit(stack, "visitor-early")
    declined = await _submit(stack, "visitor-early")
    refused = await stack.gateway.post(
        f"/v1/intake/requests/{declined}/decline", json={"reason": "other"}, headers=handler(stack)
    )
    assert refused.status_code == 200, refused.text
    me = stack.auth("visitor", sub="visitor-early")
    too_early = await stack.gateway.post(
        f"/v1/intake/requests/{waiting}/erasure-request", headers=me
    )
    _conflict(too_early, "This request is not triaged yet: withdraw it instead.")
    gone_anyway = await stack.gateway.post(
        f"/v1/intake/requests/{declined}/erasure-request", headers=me
    )
    _conflict(
        gone_anyway, "This request was declined; it is destroyed under the retention schedule."
    )


async def test_the_cases_side_of_a_visitors_data_answers_intake_alone(stack: Stack) -> None:
    """The internal routes behind /v1/intake/me and the erasure request: intake vouches that
    the case is the visitor's; no other peer, and no user, is heard."""
    reference, case_id = await _case_of(stack, "visitor-internal", note="A note.", name="In Ternal")
    vouched = {"request": (await _request_row(stack, reference))["id"]}
    base = f"{stack.urls['cases']}/v1/internal/cases/{case_id}"
    visitor = actor("visitor", sub="visitor:self")
    async with httpx.AsyncClient() as client:
        for peer in ("mediation", "gateway"):
            token = stack.keys.peer_token(peer, "cases", visitor)
            view = await client.get(f"{base}/visitor-view", headers=bearer(token))
            assert view.status_code in (401, 403), (peer, view.text)
            asked = await client.post(f"{base}/erasure-request", headers=bearer(token))
            assert asked.status_code in (401, 403), (peer, asked.text)
        # Intake itself is heard only when it vouches for the request the case came from.
        token = stack.keys.peer_token("intake", "cases", visitor)
        view = await client.get(f"{base}/visitor-view", headers=bearer(token))
        assert view.status_code == 403, view.text
        other = stack.keys.peer_token("intake", "cases", visitor, asserts={"request": "another"})
        assert (await client.get(f"{base}/visitor-view", headers=bearer(other))).status_code == 403
        token = stack.keys.peer_token("intake", "cases", visitor, asserts=vouched)
        view = await client.get(f"{base}/visitor-view", headers=bearer(token))
        assert view.status_code == 200, view.text
        assert set(view.json()) == {
            "status",
            "opened_at",
            "closed_at",
            "status_history",
            "erasure",
            "messages_waiting",
        }
    # Nor does the gateway route there.
    through = await stack.gateway.get(
        f"/v1/internal/cases/{case_id}/visitor-view", headers=stack.auth("visitor")
    )
    assert through.status_code == 404
