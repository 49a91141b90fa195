"""A case's service "mediation" opens a mediation in the mediation service, once."""

from __future__ import annotations

from .cases_helpers import assigned_case, events, handler
from .conftest import Stack


async def test_giving_mediation_opens_one_mediation_for_the_mediators(stack: Stack) -> None:
    case_id = await assigned_case(stack)
    me = handler(stack)
    issue = await stack.gateway.post(f"/v1/cases/{case_id}/issues", json={"code": "2.b"},
                                     headers=me)  # fmt: skip
    assert issue.status_code == 201, issue.text
    given = await stack.gateway.post(f"/v1/cases/{case_id}/services",
                                     json={"service": "mediation"}, headers=me)  # fmt: skip
    assert given.status_code == 201, given.text
    mediation_id = given.json()["mediation_id"]
    assert mediation_id
    # The Mediation Service's mediators see it, with the case's issues and no identity.
    mediator = stack.auth("mediator", sub="med-1", office="mediation-service")
    mediation = await stack.gateway.get(f"/v1/mediations/{mediation_id}", headers=mediator)
    assert mediation.status_code == 200, mediation.text
    body = mediation.json()
    assert body["referral_source"] == "ombudsman"
    assert body["issue_codes"] == ["2.b"]
    assert "Jonas" not in mediation.text
    # Giving the service again records it again (a service may be given more than once)
    # but answers the same mediation: never a second one.
    again = await stack.gateway.post(f"/v1/cases/{case_id}/services",
                                     json={"service": "mediation"}, headers=me)  # fmt: skip
    assert again.status_code == 201, again.text
    assert again.json()["mediation_id"] == mediation_id
    assert again.json()["id"] != given.json()["id"]
    listed = await stack.gateway.get("/v1/mediations", headers=mediator)
    assert listed.status_code == 200, listed.text
    assert [m["id"] for m in listed.json()["items"]] == [mediation_id]
    assert ("case.service_given", {"case_id": case_id, "service": "mediation",
            "given_on": given.json()["given_on"]}) in await events(stack, case_id)  # fmt: skip
