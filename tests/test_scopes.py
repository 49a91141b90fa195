"""Scopes (issue 13, item 7): the Mediation Service's work is its own, a registry's its
tribunal's. Attacks through the running gateway, each by a caller the old, wider scopes
let in: a mediator or chief of another office, a registry of another tribunal, a
registry token that names no tribunal at all."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.dev_issuer import mint_dev_token

from .conftest import Stack
from .mediation_support import CASE_NUMBER, OFFICE, Mediations, expect, today


@pytest.fixture
def med(stack: Stack) -> Mediations:
    return Mediations(stack)


def _appeals(stack: Stack, sub: str = "unat-registry") -> dict[str, str]:
    return stack.auth("registry", sub=sub, tribunal="appeals_tribunal")


async def _request(med: Mediations, number: str = CASE_NUMBER) -> dict[str, Any]:
    body = {"tribunal": "dispute_tribunal", "tribunal_case_number": number}
    return expect(
        await med.gateway.post("/v1/certificates/requests", json=body, headers=med.registry), 201
    )


async def test_a_registry_sees_only_its_tribunals_certificates_and_requests(
    med: Mediations, stack: Stack
) -> None:
    mediation_id = await med.under_way()
    request = await _request(med)
    certificate = await med.issue(mediation_id, request_id=request["id"])
    other = _appeals(stack)
    gateway = stack.gateway
    # The Dispute Tribunal's registry reads them ...
    for path in (
        f"/v1/certificates/{certificate['id']}",
        f"/v1/certificates/requests/{request['id']}",
    ):
        expect(await gateway.get(path, headers=med.registry), 200)
    # ... the Appeals Tribunal's registry finds nothing, whichever way it asks.
    for path in (
        f"/v1/certificates/{certificate['id']}",
        f"/v1/certificates/{certificate['id']}/printable",
        f"/v1/certificates/requests/{request['id']}",
    ):
        response = await gateway.get(path, headers=other)
        assert response.status_code == 404, (path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    for params in ({}, {"tribunal": "dispute_tribunal"}):
        lookup = await gateway.get(
            "/v1/certificates",
            params={"tribunal_case_number": CASE_NUMBER, **params},
            headers=other,
        )
        assert expect(lookup, 200)["items"] == [], params
    assert expect(await gateway.get("/v1/certificates/requests", headers=other), 200) == {
        "items": []
    }
    # Nor may it ask in another tribunal's name.
    asked = await gateway.post(
        "/v1/certificates/requests",
        json={"tribunal": "dispute_tribunal", "tribunal_case_number": "UNDT/NY/2026/099"},
        headers=other,
    )
    assert asked.status_code == 403, asked.text
    # The same subject moved to another tribunal loses its old requests with it.
    moved = stack.auth("registry", sub="undt-registry-ny", tribunal="appeals_tribunal")
    moved_read = await gateway.get(f"/v1/certificates/requests/{request['id']}", headers=moved)
    assert moved_read.status_code == 404


async def test_a_registry_token_without_a_tribunal_is_refused(
    med: Mediations, stack: Stack
) -> None:
    mediation_id = await med.under_way()
    certificate = await med.issue(mediation_id)
    unbound = mint_dev_token(stack.settings, subject="registry-anywhere", roles=["registry"])
    headers = {"Authorization": f"Bearer {unbound}"}
    for method, path in (
        ("GET", f"/v1/certificates/{certificate['id']}"),
        ("GET", "/v1/certificates/requests"),
        ("POST", "/v1/certificates/requests"),
    ):
        body = {"tribunal": "dispute_tribunal", "tribunal_case_number": CASE_NUMBER}
        response = await stack.gateway.request(
            method, path, headers=headers, json=body if method == "POST" else None
        )
        assert response.status_code == 403, (path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert "tribunal" in response.json()["detail"]
    graphql = await stack.gateway.post(
        "/graphql", json={"query": "{ certificateRequests { id } }"}, headers=headers
    )
    assert graphql.status_code in (401, 403), graphql.text
    # A made-up tribunal binds to nothing either.
    unknown = mint_dev_token(
        stack.settings, subject="registry-x", roles=["registry"], tribunal="star_chamber"
    )
    response = await stack.gateway.get(
        f"/v1/certificates/{certificate['id']}", headers={"Authorization": f"Bearer {unknown}"}
    )
    assert response.status_code == 403


async def test_other_offices_mediators_and_chiefs_cannot_act_for_the_mediation_service(
    med: Mediations, stack: Stack
) -> None:
    mediation_id = await med.under_way()
    certificate = await med.issue(mediation_id)
    request = await _request(med, "UNDT/NY/2026/015")
    pending = await _request(med, "UNDT/NY/2026/016")
    gateway = stack.gateway
    outsiders = {
        "mediator of geneva": stack.auth("mediator", sub="m-geneva", office="geneva"),
        "chief of new-york": stack.auth("chief", sub="chief-ny", office="new-york"),
        "chief of no office": stack.auth("chief", sub="chief-none"),
    }
    for who, headers in outsiders.items():
        for path in (
            f"/v1/mediations/{mediation_id}",
            f"/v1/mediations/{mediation_id}/deadlines",
            f"/v1/mediations/{mediation_id}/certificates",
            f"/v1/certificates/{certificate['id']}",
            f"/v1/certificates/{certificate['id']}/printable",
            f"/v1/certificates/requests/{request['id']}",
        ):
            response = await gateway.get(path, headers=headers)
            assert response.status_code == 404, (who, path, response.text)
        for path in ("/v1/mediations", "/v1/certificates/requests"):
            assert expect(await gateway.get(path, headers=headers), 200)["items"] == [], who
        lookup = await gateway.get(
            "/v1/certificates", params={"tribunal_case_number": CASE_NUMBER}, headers=headers
        )
        assert expect(lookup, 200)["items"] == [], who
        for path, body in (
            (f"/v1/certificates/requests/{pending['id']}/decline", {"reason": "other"}),
            (f"/v1/mediations/{mediation_id}/certificates", {}),
            (f"/v1/certificates/{certificate['id']}/revoke", {"reason": "issued_in_error"}),
            (f"/v1/mediations/{mediation_id}/close",
             {"outcome": "not_settled", "closed_on": "2026-01-01"}),
        ):  # fmt: skip
            response = await gateway.post(path, json=body, headers=headers)
            assert response.status_code == 404, (who, path, response.text)
        opened = await gateway.post(
            "/v1/mediations",
            json={"pillar": "secretariat", "office": OFFICE, "referral_source": "self_referral",
                  "issue_codes": ["2.b"], "parties": [{"reference": "P-1"}, {"reference": "P-2"}]},
            headers=headers,
        )  # fmt: skip
        assert opened.status_code == 422, (who, opened.text)
    # A mediator of another office cannot answer the Mediation Service's request, even with
    # a started mediation of its own office for the very tribunal case the request names.
    geneva = stack.auth("mediator", sub="m-geneva", office="geneva")
    body = {
        "pillar": "secretariat", "office": "geneva", "referral_source": "dispute_tribunal",
        "issue_codes": ["2.b"],
        "parties": [{"reference": "P-1"}, {"reference": "P-2"}],
        "tribunal_reference": {"tribunal": "dispute_tribunal", "case_number": "UNDT/NY/2026/016",
                               "referral_date": today()},
    }  # fmt: skip
    own = expect(await gateway.post("/v1/mediations", json=body, headers=geneva), 201)
    base = f"/v1/mediations/{own['id']}"
    expect(await gateway.post(f"{base}/accept", json={}, headers=geneva), 200)
    for party in own["parties"]:
        agreement = {"agrees": True, "on": today()}
        path = f"{base}/parties/{party['id']}/agreement"
        expect(await gateway.post(path, json=agreement, headers=geneva), 200)
    no_conflict = {"has_conflict": False}
    expect(await gateway.post(f"{base}/declarations", json=no_conflict, headers=geneva), 201)
    expect(await gateway.put(f"{base}/mediator", json={}, headers=geneva), 200)
    start = {"started_on": today(), "basis": "first_session", "mode": "remote"}
    expect(await gateway.post(f"{base}/start", json=start, headers=geneva), 200)
    answered = await gateway.post(
        f"{base}/certificates", json={"request_id": pending["id"]}, headers=geneva
    )
    assert answered.status_code == 422, answered.text
    still = expect(
        await gateway.get(f"/v1/certificates/requests/{pending['id']}", headers=med.registry), 200
    )
    assert still["status"] == "pending"
    # The Mediation Service's own chief and mediators still do all of it.
    expect(await gateway.get(f"/v1/mediations/{mediation_id}", headers=med.chief), 200)
    declined = await gateway.post(
        f"/v1/certificates/requests/{pending['id']}/decline",
        json={"reason": "other"},
        headers=med.chief,
    )
    assert expect(declined, 200)["status"] == "declined"
