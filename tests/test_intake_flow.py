"""A request from a visitor to an open case, through the gateway only."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, inspect, select, text

from cases.case.models import CaseFile
from ombuds_shared.db import create_engine

from .conftest import Stack, intake_body


async def _count_cases(url: str) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(select(func.count(CaseFile.id)))).scalar_one())
    finally:
        await engine.dispose()


async def _submit(stack: Stack, visitor: str = "visitor-amina") -> str:
    response = await stack.gateway.post(
        "/v1/intake/requests", json=intake_body(), headers=stack.auth("visitor", sub=visitor)
    )
    assert response.status_code == 201, response.text
    assert response.headers["Cache-Control"] == "no-store"
    return str(response.json()["reference"])


async def test_visitor_to_case(stack: Stack) -> None:
    reference = await _submit(stack)
    ombudsman = stack.auth("ombudsman", sub="omb-nairobi", office="nairobi")
    queue = await stack.gateway.get("/v1/intake/requests?status=submitted", headers=ombudsman)
    assert [r["reference"] for r in queue.json()["items"]] == [reference]
    accepted = await stack.gateway.post(
        f"/v1/intake/requests/{reference}/accept", headers=ombudsman
    )
    assert accepted.status_code == 200, accepted.text
    case_id = accepted.json()["case_id"]
    case = await stack.gateway.get(f"/v1/cases/{case_id}", headers=ombudsman)
    assert case.status_code == 200
    body = case.json()
    assert body["office"] == "nairobi"
    assert body["visitor_ref"].startswith("vis_")
    assert "Jonas" not in case.text  # the case holds no identity
    # The visitor sees their request accepted, but no internal case id.
    mine = await stack.gateway.get(
        f"/v1/intake/requests/{reference}", headers=stack.auth("visitor", sub="visitor-amina")
    )
    assert mine.json()["status"] == "accepted"
    assert "case_id" not in mine.json()
    # Another office neither sees the case nor the request.
    other = stack.auth("ombudsman", office="vienna")
    assert (await stack.gateway.get(f"/v1/cases/{case_id}", headers=other)).status_code == 404
    chief = stack.auth("chief", office="nairobi")
    assert (await stack.gateway.get(f"/v1/cases/{case_id}", headers=chief)).status_code == 200


async def test_accepting_twice_or_concurrently_opens_one_case(stack: Stack) -> None:
    reference = await _submit(stack)
    ombudsman = stack.auth("ombudsman", office="nairobi")
    url = f"/v1/intake/requests/{reference}/accept"
    results = await asyncio.gather(*(stack.gateway.post(url, headers=ombudsman) for _ in range(4)))
    assert {r.status_code for r in results} == {200}
    assert len({r.json()["case_id"] for r in results}) == 1
    assert await _count_cases(stack.database_urls["cases"]) == 1


async def test_hr_portal_learns_only_the_acknowledgement(stack: Stack) -> None:
    portal = stack.auth("hr_portal", sub="portal-undp")
    headers = {**portal, "Idempotency-Key": "hr-1"}
    body = intake_body(consent_to_contact=True)
    response = await stack.gateway.post("/v1/intake/requests", json=body, headers=headers)
    assert response.status_code == 201
    reference = response.json()["reference"]
    read = await stack.gateway.get(f"/v1/intake/requests/{reference}", headers=portal)
    assert read.status_code == 403
    assert (await stack.gateway.get("/v1/intake/requests", headers=portal)).status_code == 403


async def test_nothing_is_lost_when_cases_is_down(stack: Stack) -> None:
    reference = await _submit(stack)
    ombudsman = stack.auth("ombudsman", office="nairobi")
    await stack.stop("cases")
    down = await stack.gateway.post(f"/v1/intake/requests/{reference}/accept", headers=ombudsman)
    assert down.status_code == 503
    assert down.headers["content-type"] == "application/problem+json"
    still = await stack.gateway.get(f"/v1/intake/requests/{reference}", headers=ombudsman)
    assert still.json()["status"] == "submitted"
    await stack.start("cases")
    again = await stack.gateway.post(f"/v1/intake/requests/{reference}/accept", headers=ombudsman)
    assert again.status_code == 200
    assert again.json()["status"] == "accepted"
    assert await _count_cases(stack.database_urls["cases"]) == 1


async def test_no_intake_table_holds_the_identity_in_plaintext_after_the_flow(
    stack: Stack,
) -> None:
    reference = await _submit(stack)
    ombudsman = stack.auth("ombudsman", sub="omb-nairobi", office="nairobi")
    accepted = await stack.gateway.post(
        f"/v1/intake/requests/{reference}/accept", headers=ombudsman
    )
    assert accepted.status_code == 200, accepted.text
    engine = create_engine(stack.database_urls["intake"])
    try:
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
            dumps = {}
            for table in tables:
                # Table names from the database's own catalogue, not from any input.
                every_row = text(f'SELECT * FROM "{table}"')  # noqa: S608
                dumps[table] = repr((await conn.execute(every_row)).all())
    finally:
        await engine.dispose()
    # Every table was read, and the flow did write where the identity would be.
    assert {"intake_request", "visitor", "audit_event"} <= set(dumps)
    assert reference in dumps["intake_request"]
    assert dumps["visitor"] != "[]"
    body = intake_body()["visitor"]
    secrets = [body["name"], body["email"], body["staff_index_number"], "Okafor", "jonas"]
    for table, dump in dumps.items():
        for secret in secrets:
            assert secret.lower() not in dump.lower(), (table, secret)


async def test_a_decline_waits_while_an_accept_may_still_open_the_case(stack: Stack) -> None:
    reference = await _submit(stack)
    ombudsman = stack.auth("ombudsman", office="nairobi")
    decline = {"reason": "outside_mandate"}
    await stack.stop("cases")
    failed = await stack.gateway.post(f"/v1/intake/requests/{reference}/accept", headers=ombudsman)
    assert failed.status_code == 503
    # The failed accept may yet have opened the case (an answer lost on its way back):
    # declining now could leave a case behind a declined request, so it is refused.
    held = await stack.gateway.post(
        f"/v1/intake/requests/{reference}/decline", json=decline, headers=ombudsman
    )
    assert held.status_code == 409, held.text
    assert held.headers["content-type"] == "application/problem+json"
    assert "accept" in held.json()["detail"]
    await stack.start("cases")
    accepted = await stack.gateway.post(
        f"/v1/intake/requests/{reference}/accept", headers=ombudsman
    )
    assert accepted.json()["status"] == "accepted"
    late = await stack.gateway.post(
        f"/v1/intake/requests/{reference}/decline", json=decline, headers=ombudsman
    )
    assert late.status_code == 409
    assert late.json()["detail"] == "This request was accepted; it cannot be declined."


async def test_an_accept_and_a_decline_racing_never_leave_a_case_behind_a_decline(
    stack: Stack,
) -> None:
    ombudsman = stack.auth("ombudsman", office="nairobi")
    references = [await _submit(stack, visitor=f"visitor-{n}") for n in range(8)]

    async def triage(reference: str) -> None:
        path = f"/v1/intake/requests/{reference}"
        answers = await asyncio.gather(
            stack.gateway.post(f"{path}/accept", headers=ombudsman),
            stack.gateway.post(f"{path}/decline", json={"reason": "other"}, headers=ombudsman),
        )
        # Each is done or refused with a conflict; never both done, never an error.
        assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]

    await asyncio.gather(*(triage(reference) for reference in references))
    statuses = {}
    for reference in references:
        read = await stack.gateway.get(f"/v1/intake/requests/{reference}", headers=ombudsman)
        statuses[reference] = read.json()["status"]
    accepted = sum(1 for status in statuses.values() if status == "accepted")
    assert set(statuses.values()) <= {"accepted", "declined"}
    # Exactly one case per accepted request: none was opened for a declined one.
    assert await _count_cases(stack.database_urls["cases"]) == accepted
