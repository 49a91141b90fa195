"""Only intake opens cases from requests, once per request, with no identity in them."""

from ombuds_testing import actor, bearer

from .conftest import Cases, opening_from_intake

URL = "/v1/internal/cases"


async def test_intake_opens_a_case_once_per_request(cases: Cases) -> None:
    ombudsman = actor("ombudsman", office="unhcr")
    token = bearer(cases.keys.peer_token("intake", "cases", ombudsman))
    payload = opening_from_intake()
    first = await cases.client.post(URL, json=payload, headers=token)
    assert first.status_code == 201
    again = await cases.client.post(URL, json=payload, headers=token)
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    read = await cases.client.get(
        f"/v1/cases/{first.json()['id']}", headers=bearer(cases.keys.user_token("cases", ombudsman))
    )
    assert read.status_code == 200
    assert read.json()["status"] == "opened"


async def test_no_one_but_intake_may_open_cases_from_requests(cases: Cases) -> None:
    chief = actor("chief", office="unhcr")
    for token in (
        cases.keys.user_token("cases", chief),  # a user, through the gateway
        cases.keys.peer_token("mediation", "cases", chief),  # a peer not listed
    ):
        response = await cases.client.post(URL, json=opening_from_intake(), headers=bearer(token))
        assert response.status_code == 403
    stranger = cases.keys.peer_token("analytics", "cases", chief)  # not trusted at all
    assert (
        await cases.client.post(URL, json=opening_from_intake(), headers=bearer(stranger))
    ).status_code == 401


async def test_an_identity_cannot_be_smuggled_in(cases: Cases) -> None:
    token = bearer(cases.keys.peer_token("intake", "cases"))
    smuggled = opening_from_intake(visitor_name="Amina Diallo")
    assert (await cases.client.post(URL, json=smuggled, headers=token)).status_code == 422
    named_ref = opening_from_intake(visitor_ref="Amina Diallo")
    assert (await cases.client.post(URL, json=named_ref, headers=token)).status_code == 422
    closed_office = opening_from_intake(office="atlantis")
    assert (await cases.client.post(URL, json=closed_office, headers=token)).status_code == 422


async def test_cases_are_listed_per_office(cases: Cases) -> None:
    token = bearer(cases.keys.peer_token("intake", "cases"))
    for office in ("unhcr", "unhcr", "vienna"):
        await cases.client.post(URL, json=opening_from_intake(office=office), headers=token)
    reader = bearer(cases.keys.user_token("cases", actor("chief", office="unhcr")))
    page = await cases.client.get("/v1/cases?limit=1", headers=reader)
    assert len(page.json()["items"]) == 1
    cursor = page.json()["next_cursor"]
    rest = await cases.client.get(f"/v1/cases?limit=5&cursor={cursor}", headers=reader)
    assert len(rest.json()["items"]) == 1
    assert rest.json()["next_cursor"] is None
    assert (await cases.client.get("/v1/cases/not-a-uuid", headers=reader)).status_code == 404
