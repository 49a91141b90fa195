"""Anonymous consultation (issue 19, item 3): no identity at all, a receipt code shown once."""

from __future__ import annotations

import asyncio
import re

from .cases_helpers import OFFICE, handler, query
from .conftest import Stack, intake_body
from .pipeline import analytics_rows

CODE = re.compile(r"^([0-9A-HJKMNP-TV-Z]{4}-){5}[0-9A-HJKMNP-TV-Z]{4}$")


def anonymous_body(**changes: object) -> dict[str, object]:
    body = intake_body(**changes)
    del body["visitor"]
    return body


async def test_a_visitor_consults_without_any_identity_and_gets_a_receipt_code(
    stack: Stack,
) -> None:
    me = stack.auth("visitor", sub="visitor-anon")
    submitted = await stack.gateway.post("/v1/intake/requests", json=anonymous_body(), headers=me)
    assert submitted.status_code == 201, submitted.text
    code = submitted.json()["receipt_code"]
    assert CODE.match(code), code  # 24 characters of 5 bits: 120 bits
    # Explicitly anonymous is the same; an identity with it is a contradiction (422).
    explicit = await stack.gateway.post(
        "/v1/intake/requests", json=anonymous_body(anonymous=True), headers=me
    )
    assert explicit.status_code == 201, explicit.text
    assert explicit.json()["receipt_code"] not in (None, code)
    both = await stack.gateway.post(
        "/v1/intake/requests", json=intake_body(anonymous=True), headers=me
    )
    assert both.status_code == 422
    # A request with an identity gets no code.
    named = await stack.gateway.post("/v1/intake/requests", json=intake_body(), headers=me)
    assert named.json()["receipt_code"] is None
    # Integrations submit on someone's behalf: they must name them.
    portal = await stack.gateway.post(
        "/v1/intake/requests",
        json=anonymous_body(consent_to_contact=True),
        headers={**stack.auth("hr_portal"), "Idempotency-Key": "anon-1"},
    )
    assert portal.status_code == 422
    assert "visitor" in portal.text
    # Intake keeps a keyed hash of the code, never the code itself.
    rows = await query(stack.database_urls["intake"], "SELECT * FROM intake_request")
    assert code not in str(rows)
    assert code.replace("-", "") not in str(rows)
    hashes = [r["receipt_hash"] for r in rows if r["receipt_hash"]]
    assert len(hashes) == 2
    assert all(len(h) == 64 for h in hashes)
    # The office triages it like any other; there is simply nobody to reveal.
    reference = submitted.json()["reference"]
    office_read = await stack.gateway.get(
        f"/v1/intake/requests/{reference}", headers=handler(stack)
    )
    assert office_read.status_code == 200
    assert office_read.json()["anonymous"] is True
    assert office_read.json()["visitor"] is None
    assert office_read.json()["consent_to_contact"] is False


async def test_an_anonymous_case_is_handled_and_counted_like_any_other(stack: Stack) -> None:
    me = handler(stack)
    body = anonymous_body(channel="in_person", accept=True)
    del body["office"]
    recorded = await stack.gateway.post("/v1/intake/walk-ins", json=body, headers=me)
    assert recorded.status_code == 201, recorded.text
    assert CODE.match(recorded.json()["receipt_code"])
    case_id = recorded.json()["case_id"]
    assert recorded.json()["status"] == "accepted"
    await stack.gateway.post(
        f"/v1/cases/{case_id}/conflict-declarations", json={"has_conflict": False}, headers=me
    )
    taken = await stack.gateway.post(f"/v1/cases/{case_id}/assignment", json={}, headers=me)
    assert taken.status_code == 200, taken.text
    # The reveal route says there is nothing to reveal, cleanly.
    revealed = await stack.gateway.get(f"/v1/cases/{case_id}/visitor", headers=me)
    assert revealed.status_code == 404, revealed.text
    assert "anonymously" in revealed.json()["detail"]
    # The case reaches the statistics as any case does (de-identified, office and date).
    facts: list[tuple[object, ...]] = []
    for _ in range(200):
        facts = await analytics_rows(stack, "SELECT office FROM case_fact")
        if facts:
            break
        await asyncio.sleep(0.05)
    assert facts == [(OFFICE,)]
