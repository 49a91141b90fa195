"""Reference vocabularies through the running gateway, and the new channels and tribunals
used end to end (issue 15 item 5, issue 19 item 7)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from gql.transport.exceptions import TransportQueryError

from gateway.reference import registry
from ombuds_shared.reference import Role
from ombuds_shared.vocabulary import VOCABULARIES

from .cases_helpers import assigned_case, handler, query
from .conftest import Stack
from .graphql_support import graphql_as, run
from .mediation_support import Mediations, expect, today

SERVED = {
    "taxonomy", "systemic_issues", "services", "channels", "closure_reasons", "decline_reasons",
    "referral_sources", "formal_channels", "tribunals", "survey_dimensions", "pillars",
    "locations", "occupational_groups", "session_modes",
}  # fmt: skip
TERM_FIELDS = {"code", "label", "parent", "report_label", "version"}
READ_ONE = "query ($name: String!) { reference(vocabulary: $name) { name } }"


def _as(stack: Stack, role: Role) -> dict[str, str]:
    return stack.auth(role.value, office="nairobi")


async def test_every_role_reads_every_vocabulary_with_labels_and_nothing_else(
    stack: Stack,
) -> None:
    for role in Role:
        index = expect(await stack.gateway.get("/v1/reference", headers=_as(stack, role)), 200)
        names = {entry["name"] for entry in index["items"]}
        assert names >= SERVED, role
        for entry in index["items"]:
            assert entry["href"] == f"/v1/reference/{entry['name']}"
    for name in SERVED:
        answer = await stack.gateway.get(f"/v1/reference/{name}", headers=_as(stack, Role.AUDITOR))
        body = expect(answer, 200)
        assert set(body) == {"name", "title", "items"}
        assert body["items"], name
        # Codes and labels only: no field of these answers could carry a person or a case.
        for term in body["items"]:
            assert set(term) == TERM_FIELDS
            assert term["label"]
        assert [t["code"] for t in body["items"]] == [t.code for t in VOCABULARIES[name].terms]
        assert answer.headers["cache-control"] == "private, max-age=3600, must-revalidate"


async def test_the_taxonomy_carries_its_version_and_categories(stack: Stack) -> None:
    body = expect(
        await stack.gateway.get("/v1/reference/taxonomy", headers=_as(stack, Role.VISITOR)), 200
    )
    by_code = {term["code"]: term for term in body["items"]}
    assert by_code["2"]["label"] == "Evaluative Relationships"
    assert by_code["2"]["report_label"] == "Evaluative relationships"
    assert (by_code["2.b"]["label"], by_code["2.b"]["parent"]) == ("Respect/Treatment", "2")
    assert {term["version"] for term in body["items"]} == {"ioa-urc-2007-v2"}


async def test_an_unchanged_vocabulary_revalidates_as_304(stack: Stack) -> None:
    headers = _as(stack, Role.OMBUDSMAN)
    first = await stack.gateway.get("/v1/reference/formal_channels", headers=headers)
    etag = first.headers["etag"]
    assert etag.startswith('"')  # strong: no W/ prefix
    again = await stack.gateway.get(
        "/v1/reference/formal_channels", headers={**headers, "If-None-Match": etag}
    )
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    other = await stack.gateway.get(
        "/v1/reference/tribunals", headers={**headers, "If-None-Match": etag}
    )
    assert other.status_code == 200
    assert other.headers["etag"] != etag
    stale = await stack.gateway.get(
        "/v1/reference/formal_channels", headers={**headers, "If-None-Match": '"stale"'}
    )
    assert stale.status_code == 200
    index = await stack.gateway.get("/v1/reference", headers=headers)
    revalidated = await stack.gateway.get(
        "/v1/reference", headers={**headers, "If-None-Match": index.headers["etag"]}
    )
    assert revalidated.status_code == 304


async def test_an_unknown_vocabulary_is_a_404_problem_and_a_stranger_is_refused(
    stack: Stack,
) -> None:
    answer = await stack.gateway.get(
        "/v1/reference/offices-of-nowhere", headers=_as(stack, Role.CHIEF)
    )
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"].endswith("/not-found")
    anonymous = await stack.gateway.get("/v1/reference/formal_channels")
    assert anonymous.status_code == 401
    # Business routes stay uncacheable: only the reference routes relax no-store.
    cases = await stack.gateway.get("/v1/cases", headers=handler(stack))
    assert cases.headers["cache-control"] == "no-store"


async def test_graphql_reads_the_same_vocabulary(stack: Stack) -> None:
    rest = expect(
        await stack.gateway.get("/v1/reference/tribunals", headers=_as(stack, Role.REGISTRY)), 200
    )
    async with graphql_as(stack, "registry", sub="undt-registry-ny") as session:
        data = await run(
            session, '{ reference(vocabulary: "tribunals") { name items { code label } } }'
        )
        listed = await run(session, "{ vocabularies { name title } }")
        # An unknown name, or one that would steer the call to another route, names nothing.
        for name in ("offices-of-nowhere", "../../cases"):
            with pytest.raises(TransportQueryError) as refused:
                await run(session, READ_ONE, {"name": name})
            assert (refused.value.errors or [{}])[0]["extensions"]["code"] == "NOT_FOUND"
    assert data["reference"]["items"] == [
        {"code": t["code"], "label": t["label"]} for t in rest["items"]
    ]
    assert {v["name"] for v in listed["vocabularies"]} >= SERVED


async def test_the_completed_lists_are_served(stack: Stack) -> None:
    headers = _as(stack, Role.MEDIATOR)
    channels = expect(
        await stack.gateway.get("/v1/reference/formal_channels", headers=headers), 200
    )
    assert {t["code"] for t in channels["items"]} >= {
        "victims_rights_advocate", "conduct_and_discipline", "speak_up_helpline"}  # fmt: skip
    tribunals = expect(await stack.gateway.get("/v1/reference/tribunals", headers=headers), 200)
    labels = {t["code"]: t["label"] for t in tribunals["items"]}
    assert labels["ilo_administrative_tribunal"] == "ILO Administrative Tribunal (ILOAT)"
    assert labels["world_bank_administrative_tribunal"] == (
        "World Bank Administrative Tribunal (WBAT)"
    )


async def _ingested(stack: Stack, event_type: str) -> int:
    """Waits (bounded) for the cases relay to drain; how many such events analytics kept."""
    async with httpx.AsyncClient(base_url=stack.urls["cases"], timeout=5) as client:
        for _ in range(300):
            if (await client.get("/v1/internal/outbox")).json()["pending"] == 0:
                break
            await asyncio.sleep(0.1)
    rows = await query(
        stack.database_urls["analytics"],
        "SELECT COUNT(*) AS n FROM ingested_event WHERE event_type = :type",
        type=event_type,
    )
    return int(rows[0]["n"])


@pytest.mark.parametrize(
    "channel", ["victims_rights_advocate", "conduct_and_discipline", "speak_up_helpline"]
)
async def test_a_referral_to_a_new_formal_channel_reaches_analytics(
    stack: Stack, channel: str
) -> None:
    case_id = await assigned_case(stack)
    made = await stack.gateway.post(
        f"/v1/cases/{case_id}/referrals",
        json={"formal_channel": channel, "referred_on": today()},
        headers=handler(stack),
    )
    assert expect(made, 201)["formal_channel"] == channel
    # Analytics' strict schema knows the value: the projected event is kept, not refused.
    assert await _ingested(stack, "case.referral_made") == 1


NEW_TRIBUNALS = ["ilo_administrative_tribunal", "world_bank_administrative_tribunal"]


@pytest.mark.parametrize("tribunal", NEW_TRIBUNALS)
async def test_a_registry_of_a_new_tribunal_gets_its_certificate(
    stack: Stack, tribunal: str
) -> None:
    med = Mediations(stack)
    case_number = "ILOAT/2026/7" if tribunal.startswith("ilo") else "WBAT/2026/7"
    reference = {"tribunal": tribunal, "case_number": case_number, "referral_date": today()}
    mediation_id = await med.under_way(
        tribunal=False, referral_source=tribunal, tribunal_reference=reference
    )
    mediation = await med.get(mediation_id)
    assert mediation["tribunal_reference"]["tribunal"] == tribunal
    registry = stack.auth("registry", sub=f"{tribunal}-registry", tribunal=tribunal)
    asked = expect(
        await stack.gateway.post(
            "/v1/certificates/requests",
            headers=registry,
            json={"tribunal": tribunal, "tribunal_case_number": case_number},
        ),
        201,
    )
    issued = await med.issue(mediation_id, request_id=asked["id"])
    fetched = expect(
        await stack.gateway.get(f"/v1/certificates/{issued['id']}", headers=registry), 200
    )
    assert fetched["tribunal"] == tribunal
    # A registry of the Dispute Tribunal does not reach another tribunal's certificate.
    undt = stack.auth("registry", sub="undt-registry-ny", tribunal="dispute_tribunal")
    assert (
        await stack.gateway.get(f"/v1/certificates/{issued['id']}", headers=undt)
    ).status_code == 404


async def test_a_registered_vocabulary_is_listed_and_served_with_its_own_max_age(
    stack: Stack,
) -> None:
    async def offices_of_caller(request: Any) -> list[dict[str, Any]]:
        # A module serving data (offices) reads the caller and the gateway's state.
        assert request.state.gateway.clients  # the services it would ask
        return [{"code": request.state.actor.office, "label": "Regional branch, Nairobi"}]

    registry.register(registry.Listing("test_offices", "Offices", offices_of_caller, 60))
    try:
        headers = _as(stack, Role.ANALYST)
        index = expect(await stack.gateway.get("/v1/reference", headers=headers), 200)
        assert "test_offices" in {entry["name"] for entry in index["items"]}
        answer = await stack.gateway.get("/v1/reference/test_offices", headers=headers)
        assert expect(answer, 200)["items"][0]["code"] == "nairobi"
        assert answer.headers["cache-control"] == "private, max-age=60, must-revalidate"
        with pytest.raises(ValueError, match="already served"):
            registry.register(registry.Listing("formal_channels", "Again"))
    finally:
        registry._LISTINGS.pop("test_offices")
