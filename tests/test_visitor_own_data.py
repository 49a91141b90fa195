"""The visitor's own data (issue 19, item 4), through the gateway: withdrawing a request not
yet triaged, reading what the office holds about them, and erasing a closed matter."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from ombuds_shared.crypto import KeyDestroyed

from .cases_helpers import HANDLER, OFFICE, assigned_case, handler, query
from .conftest import Stack, intake_body
from .test_intake_flow import _count_cases

PROBLEM = "application/problem+json"


async def _submit(stack: Stack, visitor: str, **changes: Any) -> str:
    response = await stack.gateway.post(
        "/v1/intake/requests",
        json=intake_body(**changes),
        headers=stack.auth("visitor", sub=visitor),
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
        await stack.apps["intake"].state.envelope.data_key(f"visitor:{visitor_id}")
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
