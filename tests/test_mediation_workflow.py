"""Mediations through the gateway: every legal path, every illegal transition refused (409)."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.policy import POLICY

from .conftest import Stack
from .mediation_support import Mediations, expect, today


@pytest.fixture
def med(stack: Stack) -> Mediations:
    return Mediations(stack)


_EVENT_FIELDS = {
    "mediation.opened": {
        "mediation_id",
        "opened_on",
        "pillar",
        "office",
        "referral_source",
        "is_group",
        "participant_count",
        "issue_codes",
        "from_case",
    },
    "mediation.agreement_recorded": {
        "mediation_id",
        "recorded_on",
        "parties_agreed",
        "parties_total",
    },
    "mediation.party_declined": {"mediation_id", "declined_on"},
    "mediation.started": {"mediation_id", "started_on"},
    "mediation.session_held": {"mediation_id", "held_on", "mode"},
    "mediation.extension_granted": {"mediation_id", "granted_on", "days"},
    "mediation.closed": {"mediation_id", "closed_on", "outcome", "days_open", "days_since_start"},
    "mediation.contact_logged": {
        "mediation_id",
        "contacted_on",
        "medium",
        "duration_minutes",
        "participants",
    },
}


def _check_catalog(events: list[tuple[str, dict[str, Any]]]) -> None:
    """Every event has exactly the fields docs/events.md lists for its type."""
    for event_type, payload in events:
        assert set(payload) == _EVENT_FIELDS[event_type], event_type


async def test_settled_path_writes_each_event_with_its_change(med: Mediations) -> None:
    mediation_id = await med.open()
    assert (await med.get(mediation_id))["status"] == "referred"
    await med.accept(mediation_id)
    assert (await med.get(mediation_id))["status"] == "agreement_pending"
    await med.agree_all(mediation_id)
    await med.assign_self(mediation_id)
    started = expect(await med.start(mediation_id), 200)
    assert started["status"] == "in_mediation"
    assert started["started_on"] == today()
    assert started["start_basis"] == "first_session"
    expect(await med.post(mediation_id, "sessions", {"held_on": today(), "mode": "in_person"}), 201)
    closed = expect(await med.close(mediation_id, "settled", settlement_signed_on=today()), 200)
    assert (closed["status"], closed["outcome"], closed["ended_on"]) == (
        "closed",
        "settled",
        today(),
    )
    assert closed["settlement"] == {"signed_on": today(), "implementation_deadline": None}
    events = await med.events(mediation_id)
    assert [e for e, _ in events] == [
        "mediation.opened",
        "mediation.agreement_recorded",
        "mediation.agreement_recorded",
        "mediation.started",
        "mediation.session_held",
        "mediation.session_held",
        "mediation.closed",
    ]
    _check_catalog(events)
    opened = events[0][1]
    assert opened["referral_source"] == "dispute_tribunal"
    assert opened["issue_codes"] == ["2.b", "4.a"]
    assert opened["from_case"] is False
    assert [p["parties_agreed"] for e, p in events if e.endswith("agreement_recorded")] == [1, 2]
    assert events[-1][1]["outcome"] == "settled"
    # No party reference ever reaches an event.
    assert not any("P-1" in str(payload) for _, payload in events)


async def test_every_other_legal_path(med: Mediations) -> None:
    not_settled = await med.under_way()
    assert expect(await med.close(not_settled, "not_settled"), 200)["outcome"] == "not_settled"

    withdrawn_referred = await med.open(tribunal=False)
    expect(await med.close(withdrawn_referred, "withdrawn"), 200)
    withdrawn_pending = await med.open(tribunal=False)
    await med.accept(withdrawn_pending)
    expect(await med.close(withdrawn_pending, "withdrawn"), 200)
    withdrawn_running = await med.under_way()
    assert expect(await med.close(withdrawn_running, "withdrawn"), 200)["ended_on"] == today()

    resolved_referred = await med.open()
    expect(await med.close(resolved_referred, "resolved_before_mediation"), 200)
    resolved_pending = await med.open()
    await med.accept(resolved_pending)
    resolved = expect(await med.close(resolved_pending, "resolved_before_mediation"), 200)
    assert (resolved["started_on"], resolved["ended_on"]) == (None, None)

    declined = await med.open()
    await med.accept(declined)
    first, second = (await med.get(declined))["parties"]
    expect(await med.respond(declined, first["id"], True), 200)
    after = expect(await med.respond(declined, second["id"], False), 200)
    assert (after["status"], after["outcome"]) == ("closed", "party_declined")
    events = await med.events(declined)
    assert [e for e, _ in events][-2:] == ["mediation.party_declined", "mediation.closed"]
    assert events[-1][1]["outcome"] == "party_declined"
    _check_catalog(events)


async def _in_state(med: Mediations, state: str) -> str:
    mediation_id = await med.open()
    if state == "referred":
        return mediation_id
    await med.accept(mediation_id)
    if state == "agreement_pending":
        return mediation_id
    await med.agree_all(mediation_id)
    await med.assign_self(mediation_id)
    expect(await med.start(mediation_id), 200)
    if state == "in_mediation":
        return mediation_id
    expect(await med.close(mediation_id, "not_settled"), 200)
    return mediation_id


_ACTIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "accept": ("accept", {}),
    "add party": ("parties", {"reference": "P-late"}),
    "start": ("start", {"started_on": "TODAY", "basis": "signed_agreement"}),
    "session": ("sessions", {"held_on": "TODAY", "mode": "remote"}),
    "settle": (
        "close",
        {"outcome": "settled", "closed_on": "TODAY", "settlement_signed_on": "TODAY"},
    ),
    "not settled": ("close", {"outcome": "not_settled", "closed_on": "TODAY"}),
    "resolved before": ("close", {"outcome": "resolved_before_mediation", "closed_on": "TODAY"}),
    "withdraw": ("close", {"outcome": "withdrawn", "closed_on": "TODAY"}),
    "close as declined": ("close", {"outcome": "party_declined", "closed_on": "TODAY"}),
}

_LEGAL: dict[str, set[str]] = {
    "referred": {"accept", "add party", "resolved before", "withdraw"},
    "agreement_pending": {"add party", "resolved before", "withdraw"},
    "in_mediation": {"session", "settle", "not settled", "withdraw"},
    "closed": set(),
}


@pytest.mark.parametrize("state", list(_LEGAL))
async def test_every_illegal_transition_is_refused_with_a_reason(
    med: Mediations, state: str
) -> None:
    mediation_id = await _in_state(med, state)
    before = await med.get(mediation_id)
    for name, (action, body) in _ACTIONS.items():
        if name in _LEGAL[state]:
            continue
        body = {k: today() if v == "TODAY" else v for k, v in body.items()}
        response = await med.post(mediation_id, action, body)
        assert response.status_code == 409, (state, name, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["detail"], (state, name)
    party = before["parties"][0]
    if state != "agreement_pending":
        response = await med.respond(mediation_id, party["id"], True)
        assert response.status_code == 409, (state, response.text)
    after = await med.get(mediation_id)
    assert (after["status"], after["outcome"], after["parties"]) == (
        before["status"],
        before["outcome"],
        before["parties"],
    )


async def test_no_mediation_starts_without_every_agreement(med: Mediations) -> None:
    mediation_id = await med.open(parties=3)
    await med.accept(mediation_id)
    await med.assign_self(mediation_id)
    parties = (await med.get(mediation_id))["parties"]
    refused = await med.start(mediation_id)
    assert refused.status_code == 409
    assert "every party" in refused.json()["detail"]
    for party in parties[:2]:
        expect(await med.respond(mediation_id, party["id"], True), 200)
        assert (await med.start(mediation_id)).status_code == 409
    assert (await med.get(mediation_id))["all_parties_agreed"] is False
    expect(await med.respond(mediation_id, parties[2]["id"], True), 200)
    assert expect(await med.start(mediation_id), 200)["status"] == "in_mediation"
    # A response is recorded once; an agreement cannot be turned into a refusal later.
    assert (await med.respond(mediation_id, parties[0]["id"], False)).status_code == 409

    lonely = await med.open(parties=1)
    await med.accept(lonely)
    await med.agree_all(lonely)
    await med.assign_self(lonely)
    assert (await med.start(lonely)).status_code == 409  # one party is not a mediation


async def test_a_mediator_is_assigned_only_after_declaring_no_conflict(
    med: Mediations, stack: Stack
) -> None:
    mediation_id = await med.open()
    await med.accept(mediation_id)
    await med.agree_all(mediation_id)
    put = await stack.gateway.put(
        f"/v1/mediations/{mediation_id}/mediator", json={}, headers=med.mediator
    )
    assert put.status_code == 409  # no declaration yet
    assert (await med.start(mediation_id)).status_code == 409  # no mediator yet
    expect(await med.post(mediation_id, "declarations", {"has_conflict": True}), 201)
    put = await stack.gateway.put(
        f"/v1/mediations/{mediation_id}/mediator",
        json={"mediator": med.mediator_sub},
        headers=med.chief,
    )
    assert put.status_code == 409
    assert "conflict" in put.json()["detail"]
    other = Mediations(stack, mediator_sub="mediator-ben")
    expect(await other.post(mediation_id, "declarations", {"has_conflict": False}), 201)
    put = await stack.gateway.put(
        f"/v1/mediations/{mediation_id}/mediator",
        json={"mediator": "mediator-ben"},
        headers=med.chief,
    )
    assert expect(put, 200)["mediator"] == "mediator-ben"
    # A mediator cannot hand the mediation to someone else; only the chief assigns others.
    put = await stack.gateway.put(
        f"/v1/mediations/{mediation_id}/mediator",
        json={"mediator": "mediator-ana"},
        headers=other.mediator,
    )
    assert put.status_code == 403
    # A declared conflict stands: its author cannot declare it away (as in cases).
    withdrawn = await med.post(mediation_id, "declarations", {"has_conflict": False})
    assert withdrawn.status_code == 409, withdrawn.text
    # Nor can a mediator take a colleague's mediation; the chief reassigns.
    third = Mediations(stack, mediator_sub="mediator-cy")
    expect(await third.post(mediation_id, "declarations", {"has_conflict": False}), 201)
    put = await stack.gateway.put(
        f"/v1/mediations/{mediation_id}/mediator", json={}, headers=third.mediator
    )
    assert put.status_code == 403


async def test_offices_and_roles_see_only_their_mediations(med: Mediations, stack: Stack) -> None:
    mediation_id = await med.open()
    elsewhere = stack.auth("mediator", sub="m-geneva", office="geneva")
    response = await stack.gateway.get(f"/v1/mediations/{mediation_id}", headers=elsewhere)
    assert response.status_code == 404
    listing = expect(await stack.gateway.get("/v1/mediations", headers=elsewhere), 200)
    assert listing["items"] == []
    chief = expect(await stack.gateway.get("/v1/mediations", headers=med.chief), 200)
    assert [m["id"] for m in chief["items"]] == [mediation_id]
    for role in ("ombudsman", "visitor", "hr_portal", "analyst", "auditor", "registry"):
        headers = stack.auth(role, office="mediation-service")
        assert (await stack.gateway.get("/v1/mediations", headers=headers)).status_code == 403


async def test_the_registry_is_refused_everything_but_certificates(
    med: Mediations, stack: Stack
) -> None:
    mediation_id = await med.under_way()
    party_id = (await med.get(mediation_id))["parties"][0]["id"]
    certificate = await med.issue(mediation_id)
    for rule in POLICY:
        path = (
            rule.path.replace("{mediation_id}", mediation_id)
            .replace("{party_id}", party_id)
            .replace("{extension_id}", party_id)
            .replace("{session_id}", party_id)
            .replace("{entry_id}", mediation_id)
            .replace("{certificate_id}", certificate["id"])
            .replace("{request_id}", certificate["id"])
            .replace("{reference}", "OMB-0000-0000")
            .replace("{case_id}", mediation_id)
            .replace("{consent_id}", mediation_id)
            .replace("{declaration_id}", mediation_id)
            .replace("{statistic}", "cases-opened")
            .replace("{chart}", "cases-opened")
            .replace("{year}", "2025")
            .replace("{pillar}", "unhcr")
            .replace("{vocabulary}", "tribunals")
            .replace("{code}", "geneva")
            .replace("{subject}", "mediator-ana")
            .replace("{subscription_id}", certificate["id"])
            .replace("{delivery_id}", certificate["id"])
        )
        assert "{" not in path, f"a new path parameter needs a value here: {path}"
        response = await stack.gateway.request(
            rule.method, path, headers=med.registry, json={} if rule.method != "GET" else None
        )
        if rule.path.startswith("/v1/certificates") and "registry" in rule.roles:
            assert response.status_code != 403, (rule.path, response.text)
        elif rule.revalidate:
            # Reference data (codes, labels, offices), no business data: every role reads it.
            assert response.status_code == 200, (rule.path, response.text)
        else:
            assert response.status_code == 403, (rule.method, rule.path, response.text)
    seen = expect(
        await stack.gateway.get(f"/v1/certificates/{certificate['id']}", headers=med.registry), 200
    )
    for secret in (
        "parties",
        "outcome",
        "issue_codes",
        "notes",
        "mediator",
        "mediation_id",
        "P-1",
        "2.b",
    ):
        assert secret not in str(seen)


async def test_the_ombudsman_case_opens_its_mediation_once(stack: Stack, med: Mediations) -> None:
    import httpx

    from ombuds_testing import actor, bearer

    body = {
        "source_case_id": "0b0c2b8e-6d0e-4c55-9d8a-4f3e0a9e1c11",
        "pillar": "unhcr",
        "office": "mediation-service",
        "issue_codes": ["3.b"],
        "is_group": True,
        "participant_count": 12,
        "referral_source": "ombudsman",
    }
    ombudsman = actor("ombudsman", office="geneva")
    url = stack.urls["mediation"] + "/v1/internal/mediations"
    async with httpx.AsyncClient() as client:
        token = stack.keys.peer_token("cases", "mediation", ombudsman)
        first = await client.post(url, json=body, headers=bearer(token))
        again = await client.post(url, json=body, headers=bearer(token))
        assert first.status_code == 201, first.text
        assert again.status_code == 200
        assert again.json()["id"] == first.json()["id"]
        assert first.json()["status"] == "referred"
        assert first.json()["participant_count"] == 12
        intake = await client.post(
            url, json=body, headers=bearer(stack.keys.peer_token("intake", "mediation", ombudsman))
        )
        assert intake.status_code in (401, 403)  # not a trusted peer here at all
        user = await client.post(
            url, json=body, headers=bearer(stack.keys.user_token("mediation", actor("chief")))
        )
        assert user.status_code == 403
        unknown = await client.post(
            url,
            json=body
            | {"issue_codes": ["9.z"], "source_case_id": "0b0c2b8e-6d0e-4c55-9d8a-4f3e0a9e1c12"},
            headers=bearer(token),
        )
        assert unknown.status_code == 422
    events = await med.events(first.json()["id"])
    assert [e for e, _ in events] == ["mediation.opened"]
    assert events[0][1]["from_case"] is True
    assert events[0][1]["referral_source"] == "ombudsman"
    # The gateway does not expose the internal route.
    response = await stack.gateway.post("/v1/internal/mediations", json=body, headers=med.chief)
    assert response.status_code == 404


async def test_client_mistakes_are_4xx(med: Mediations, stack: Stack) -> None:
    bad_bodies = [
        {"pillar": "secretariat", "referral_source": "dispute_tribunal"},  # no tribunal ref
        {"pillar": "secretariat", "referral_source": "other", "issue_codes": ["1.z"]},
        {"pillar": "secretariat", "referral_source": "other", "office": "atlantis"},
        {
            "pillar": "secretariat",
            "referral_source": "other",
            "parties": [{"reference": "Jane Doe <jane@example.org>"}],
        },
        {"pillar": "secretariat", "referral_source": "other", "colour": "blue"},
    ]
    for body in bad_bodies:
        response = await stack.gateway.post("/v1/mediations", json=body, headers=med.mediator)
        assert response.status_code == 422, (body, response.text)
    mediation_id = await med.under_way()
    future = "2999-01-01"
    assert (
        await med.post(mediation_id, "sessions", {"held_on": future, "mode": "remote"})
    ).status_code == 422
    assert (await med.close(mediation_id, "settled")).status_code == 422  # no signature date
    far = await med.close(
        mediation_id, "settled", settlement_signed_on=today(), implementation_deadline="9999-12-31"
    )
    assert far.status_code == 422
    for cursor in ("garbage", "WyIyMDI2LTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwgNV0"):  # [date, 5]
        listing = await stack.gateway.get(
            "/v1/mediations", params={"cursor": cursor}, headers=med.mediator
        )
        assert listing.status_code == 422, cursor
    response = await stack.gateway.get("/v1/mediations/not-a-uuid", headers=med.mediator)
    assert response.status_code == 404


async def test_mediations_are_listed_page_by_page(med: Mediations, stack: Stack) -> None:
    opened = {await med.open(tribunal=False) for _ in range(3)}
    seen: list[str] = []
    cursor = None
    for _ in range(5):  # bounded: 3 items at 2 a page is 2 pages
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = expect(
            await stack.gateway.get("/v1/mediations", params=params, headers=med.mediator), 200
        )
        seen += [m["id"] for m in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 3
    assert set(seen) == opened
