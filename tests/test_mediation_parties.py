"""The parties of a mediation with their identities, attacked through the running gateway.

A party's identity is sealed in intake's vault, bound to its mediation and office; the
mediation service keeps the vault's reference only. The assigned mediator reads the
parties (REST and GraphQL); every reveal leaves an entry in intake's audit log; a colleague,
a mediator of another office, the chief, an auditor or a registry learns nothing, and a
reference carried to another mediation opens nothing.
"""

from __future__ import annotations

import uuid
from typing import Any

from mediation.retention.runner import identities_destroyer
from ombuds_shared.dependencies import state_of
from ombuds_testing import stored_key_ids

from .cases_helpers import execute, query
from .conftest import Stack
from .mediation_support import OFFICE, Mediations, expect

ADMINISTRATION = {
    "name": "Rosa Martens",
    "role": "Representative of the administration (Human Resources)",
    "email": "rosa.martens@example.org",
    "preferred_contact": "email",
}
APPLICANT = {
    "name": "Kwame Asante-Lindqvist",
    "role": "Applicant",
    "phone": "+1 212 555 0100",
    "preferred_contact": "phone",
}
NAMES = (ADMINISTRATION["name"], APPLICANT["name"])
DOCUMENT = (
    '{ mediation(id: "%s") { parties { reference hasIdentity } '
    "partyIdentities { identityStatus identity { name role email phone preferredContact } } } }"
)


async def _reveals(stack: Stack) -> list[dict[str, Any]]:
    return await query(
        stack.database_urls["intake"],
        "SELECT * FROM audit_event WHERE action = 'party.reveal' ORDER BY id",
    )


async def _with_parties(med: Mediations) -> str:
    """A referred mediation with two parties known by identity, its mediator assigned."""
    mediation_id = await med.open(tribunal=False, parties=0)
    for identity, for_administration in ((ADMINISTRATION, True), (APPLICANT, False)):
        added = await med.gateway.post(
            f"/v1/mediations/{mediation_id}/parties",
            json={"identity": identity, "represents_administration": for_administration},
            headers=med.mediator,
        )
        party = expect(added, 201)
        assert party["has_identity"] is True
        assert party["reference"].startswith("pty_")
        assert identity["name"] not in added.text
    await med.assign_self(mediation_id)
    return mediation_id


async def _graphql(stack: Stack, mediation_id: str, headers: dict[str, str]) -> dict[str, Any]:
    answer = await stack.gateway.post(
        "/graphql", json={"query": DOCUMENT % mediation_id}, headers=headers
    )
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


async def test_the_assigned_mediator_reads_the_parties_and_intake_audits_each_reveal(
    stack: Stack,
) -> None:
    med = Mediations(stack)
    mediation_id = await _with_parties(med)
    # What the mediation service holds: references, never a name.
    rows = await query(
        stack.database_urls["mediation"],
        "SELECT * FROM mediation_party WHERE mediation_id = :m",
        m=mediation_id,
    )
    assert len(rows) == 2
    assert all(r["has_identity"] for r in rows)
    assert not any(name in repr(rows) for name in NAMES)
    read = await med.get(mediation_id)
    assert [p["has_identity"] for p in read["parties"]] == [True, True]
    assert not any(name in repr(read) for name in NAMES)
    assert await _reveals(stack) == []

    parties = await stack.gateway.get(
        f"/v1/mediations/{mediation_id}/parties", headers=med.mediator
    )
    assert parties.status_code == 200, parties.text
    items = parties.json()["items"]
    assert [p["identity"]["name"] for p in items] == list(NAMES)
    assert [p["identity_status"] for p in items] == ["revealed", "revealed"]
    assert items[0]["identity"]["role"] == ADMINISTRATION["role"]
    assert items[0]["represents_administration"] is True
    assert items[1]["identity"]["phone"] == APPLICANT["phone"]
    assert items[1]["identity"]["preferred_contact"] == "phone"
    reveals = await _reveals(stack)
    assert len(reveals) == 2
    assert {r["subject"] for r in reveals} == {med.mediator_sub}
    assert {r["peer"] for r in reveals} == {"mediation"}
    assert {r["context_id"] for r in reveals} == {mediation_id}
    # Mediation's own log has the read too: who asked, through which mediation.
    (asked,) = await query(
        stack.database_urls["mediation"],
        "SELECT * FROM audit_event WHERE action = 'parties.read'",
    )
    assert (asked["subject"], asked["context_id"]) == (med.mediator_sub, mediation_id)

    # GraphQL goes through the same route: the same answer, two more audited reveals.
    answer = await _graphql(stack, mediation_id, med.mediator)
    assert "errors" not in answer, answer
    mediation = answer["data"]["mediation"]
    assert [p["hasIdentity"] for p in mediation["parties"]] == [True, True]
    assert [p["identity"]["name"] for p in mediation["partyIdentities"]] == list(NAMES)
    assert mediation["partyIdentities"][1]["identity"]["preferredContact"] == "phone"
    assert len(await _reveals(stack)) == 4
    # The agreement is recorded against the party as before.
    await med.accept(mediation_id)
    await med.agree_all(mediation_id)
    expect(await med.start(mediation_id), 200)


async def test_no_one_but_the_assigned_mediator_reads_a_party(stack: Stack) -> None:
    med = Mediations(stack)
    mediation_id = await _with_parties(med)
    path = f"/v1/mediations/{mediation_id}/parties"
    colleague = stack.auth("mediator", sub="mediator-bob", office=OFFICE)
    elsewhere = stack.auth("mediator", sub="mediator-ana", office="geneva")
    for who, expected in [
        (colleague, 403),  # a mediator of the office, not assigned
        (elsewhere, 404),  # the same subject in another office: the mediation is not there
        (med.chief, 403),
        (stack.auth("chief", office=OFFICE), 403),
        (stack.auth("auditor"), 403),
        (stack.auth("registry"), 403),
        (stack.auth("analyst"), 403),
        (stack.auth("ombudsman", office=OFFICE), 403),
    ]:
        seen = await stack.gateway.get(path, headers=who)
        assert seen.status_code == expected, (who, seen.text)
        assert not any(name in seen.text for name in NAMES)
        answer = await _graphql(stack, mediation_id, who)
        assert not any(name in repr(answer) for name in NAMES)
        mediation = (answer.get("data") or {}).get("mediation")
        assert mediation is None or mediation["partyIdentities"] is None
        assert answer.get("errors"), answer
    assert await _reveals(stack) == []
    # A mediator who declares a conflict after taking the mediation is shut out too.
    declared = await stack.gateway.post(
        f"/v1/mediations/{mediation_id}/declarations",
        json={"has_conflict": True},
        headers=med.mediator,
    )
    assert declared.status_code == 201, declared.text
    shut = await stack.gateway.get(path, headers=med.mediator)
    assert shut.status_code == 403, shut.text
    # ...and cannot declare the conflict away to take the mediation back (its author's
    # declaration stands, as in cases).
    withdrawn = await stack.gateway.post(
        f"/v1/mediations/{mediation_id}/declarations",
        json={"has_conflict": False},
        headers=med.mediator,
    )
    assert withdrawn.status_code == 409, withdrawn.text
    retaken = await stack.gateway.put(
        f"/v1/mediations/{mediation_id}/mediator", json={}, headers=med.mediator
    )
    assert retaken.status_code == 409, retaken.text
    still_shut = await stack.gateway.get(path, headers=med.mediator)
    assert still_shut.status_code == 403, still_shut.text
    assert await _reveals(stack) == []


async def test_a_party_reference_reused_with_another_mediation_reveals_nothing(
    stack: Stack,
) -> None:
    med = Mediations(stack)
    first = await _with_parties(med)
    ref = (await med.get(first))["parties"][0]["reference"]
    second = await med.open(tribunal=False, parties=0)
    # A vault reference is not an input: a label may not pass for one.
    reused = await stack.gateway.post(
        f"/v1/mediations/{second}/parties", json={"reference": ref}, headers=med.mediator
    )
    assert reused.status_code == 422, reused.text
    # Forged straight into the mediation database, it still opens nothing: the vault
    # reveals only the parties bound to the mediation asked about.
    await execute(
        stack.database_urls["mediation"],
        "INSERT INTO mediation_party (id, mediation_id, reference, represents_administration, "
        "has_identity, agreement, added_at) VALUES (:id, :m, :ref, false, true, 'pending', "
        "CURRENT_TIMESTAMP)",
        id=str(uuid.uuid4()),
        m=second,
        ref=ref,
    )
    await med.assign_self(second)
    seen = await stack.gateway.get(f"/v1/mediations/{second}/parties", headers=med.mediator)
    assert seen.status_code == 200, seen.text
    (party,) = seen.json()["items"]
    assert party["reference"] == ref
    assert party["identity"] is None
    assert not any(name in seen.text for name in NAMES)
    assert await _reveals(stack) == []


async def test_a_party_needs_an_identity_or_a_label_and_a_reachable_identity(
    stack: Stack,
) -> None:
    med = Mediations(stack)
    mediation_id = await med.open(tribunal=False, parties=0)
    path = f"/v1/mediations/{mediation_id}/parties"
    for body in [
        {},
        {"reference": "P-1", "identity": ADMINISTRATION},
        {"identity": {**ADMINISTRATION, "email": None}},
        {"identity": {**ADMINISTRATION, "email": "not-an-address@"}},
        {"identity": {**ADMINISTRATION, "nickname": "x"}},
    ]:
        refused = await stack.gateway.post(path, json=body, headers=med.mediator)
        assert refused.status_code == 422, (body, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
    opened = await stack.gateway.post(
        "/v1/mediations",
        json={
            "pillar": "secretariat",
            "office": OFFICE,
            "referral_source": "self_referral",
            "parties": [{"identity": ADMINISTRATION}],
        },
        headers=med.mediator,
    )
    assert opened.status_code == 422, opened.text
    assert (await query(stack.database_urls["intake"], "SELECT * FROM mediation_party")) == []


async def test_a_mediations_parties_are_destroyed_with_its_content(stack: Stack) -> None:
    med = Mediations(stack)
    mediation_id = await _with_parties(med)
    app = stack.apps["mediation"]
    # What mediation's retention schedule asks of intake's vault.
    destroy = identities_destroyer(state_of(app).peers["intake"], state_of(app).signing_key)
    assert await destroy(mediation_id) == 2
    assert await destroy(mediation_id) == 0  # idempotent
    rows = await query(stack.database_urls["intake"], "SELECT * FROM mediation_party")
    assert all(r["name_sealed"] is None for r in rows)
    intake_keys = state_of(stack.apps["intake"]).settings.resolved_key_store_url
    assert await stored_key_ids(intake_keys, "party:") == []  # the keys left the key store
    destroyed = await query(
        stack.database_urls["intake"],
        "SELECT * FROM audit_event WHERE action = 'party.destroy' AND context_id = :m",
        m=mediation_id,
    )
    assert len(destroyed) == 2
    seen = await stack.gateway.get(f"/v1/mediations/{mediation_id}/parties", headers=med.mediator)
    assert seen.status_code == 200
    assert [p["identity_status"] for p in seen.json()["items"]] == ["destroyed", "destroyed"]
    assert not any(name in seen.text for name in NAMES)
