"""The vault's party routes: only the mediation service seals, reveals or destroys a party, a
reveal goes through the one mediation the party is bound to, for the mediator the mediation
service vouches is assigned, in the party's office, and every reveal is audited."""

import uuid

from ombuds_shared.tokens import Actor
from ombuds_testing import actor, bearer, stored_key_ids

from .conftest import Intake, sql

OFFICE = "mediation-service"
MEDIATOR = actor("mediator", sub="med-ana", office=OFFICE)
IDENTITY = {
    "name": "Rosa Martens",
    "role": "Representative of the administration",
    "email": "rosa.martens@example.org",
    "preferred_contact": "email",
}


def _mediation(intake: Intake, who: Actor | None, **asserts: str) -> dict[str, str]:
    return bearer(intake.keys.peer_token("mediation", "intake", who, asserts or None))


async def _sealed(intake: Intake, mediation_id: str) -> str:
    sealed = await intake.client.post(
        f"/v1/internal/mediations/{mediation_id}/parties",
        json={"office": OFFICE, "identity": IDENTITY},
        headers=_mediation(intake, MEDIATOR, mediation_id=mediation_id),
    )
    assert sealed.status_code == 201, sealed.text
    return str(sealed.json()["party_ref"])


async def test_a_party_is_sealed_revealed_to_its_mediator_and_destroyed(intake: Intake) -> None:
    mediation_id = str(uuid.uuid4())
    ref = await _sealed(intake, mediation_id)
    assert ref.startswith("pty_")
    (row,) = await sql(intake.database_url, "SELECT * FROM mediation_party")
    assert row["mediation_id"] == mediation_id
    assert row["office"] == OFFICE
    assert b"Rosa" not in bytes(row["name_sealed"])  # type: ignore[arg-type]
    path = f"/v1/internal/mediations/{mediation_id}/parties"
    vouched = _mediation(intake, MEDIATOR, mediation_id=mediation_id, assigned="med-ana")
    seen = await intake.client.get(path, headers=vouched)
    assert seen.status_code == 200, seen.text
    (party,) = seen.json()["items"]
    assert party["party_ref"] == ref
    assert party["identity"]["name"] == "Rosa Martens"
    assert party["identity"]["role"] == "Representative of the administration"
    actions = [
        (r["action"], r["subject"], r["peer"], r["context_id"])
        for r in await sql(intake.database_url, "SELECT * FROM audit_event ORDER BY id")
    ]
    assert actions == [
        ("party.seal", "med-ana", "mediation", mediation_id),
        ("party.reveal", "med-ana", "mediation", mediation_id),
    ]
    # The retention run (no user) destroys every party of the mediation, once.
    destroy = f"{path}/destroy"
    first = await intake.client.post(destroy, headers=_mediation(intake, None))
    assert first.status_code == 200, first.text
    assert first.json() == {
        "mediation_id": mediation_id,
        "destroyed": 1,
        "total": 1,
        "identities": 0,
    }
    again = await intake.client.post(destroy, headers=_mediation(intake, None))
    assert again.json() == {
        "mediation_id": mediation_id,
        "destroyed": 0,
        "total": 1,
        "identities": 0,
    }
    (row,) = await sql(intake.database_url, "SELECT * FROM mediation_party")
    assert not await stored_key_ids(intake.key_store_url, f"party:{row['id']}")
    assert row["name_sealed"] is None
    assert row["destroyed_at"] is not None
    after = await intake.client.get(path, headers=vouched)
    assert after.json()["items"] == [{"party_ref": ref, "identity": None}]
    destroyed = await sql(
        intake.database_url, "SELECT * FROM audit_event WHERE action = 'party.destroy'"
    )
    assert len(destroyed) == 2


async def test_a_reveal_needs_the_binding_the_assignment_and_the_office(intake: Intake) -> None:
    mediation_id = str(uuid.uuid4())
    other_id = str(uuid.uuid4())
    await _sealed(intake, mediation_id)
    path = f"/v1/internal/mediations/{mediation_id}/parties"
    elsewhere = actor("mediator", sub="med-ana", office="geneva")
    chief = actor("chief", sub="chief", office=OFFICE)
    for who, asserts, expected in [
        # not vouched for at all
        (MEDIATOR, {}, 403),
        # vouched for another mediation: the token opens that one only
        (MEDIATOR, {"mediation_id": other_id, "assigned": "med-ana"}, 403),
        # the mediation, but not that its user is the one assigned
        (MEDIATOR, {"mediation_id": mediation_id}, 403),
        (MEDIATOR, {"mediation_id": mediation_id, "assigned": "med-bob"}, 403),
        # a mediator of another office, even vouched for
        (elsewhere, {"mediation_id": mediation_id, "assigned": "med-ana"}, 404),
        # the chief never
        (chief, {"mediation_id": mediation_id, "assigned": "chief"}, 403),
        # no user at all
        (None, {"mediation_id": mediation_id, "assigned": "med-ana"}, 403),
    ]:
        response = await intake.client.get(path, headers=_mediation(intake, who, **asserts))
        assert response.status_code == expected, (who, asserts, response.text)
        assert "Rosa" not in response.text
    # The party's reference reused with another mediation id reveals nothing.
    other = await intake.client.get(
        f"/v1/internal/mediations/{other_id}/parties",
        headers=_mediation(intake, MEDIATOR, mediation_id=other_id, assigned="med-ana"),
    )
    assert other.status_code == 200
    assert other.json()["items"] == []
    # Another peer (cases) or a user token reaches none of these routes.
    cases = bearer(
        intake.keys.peer_token(
            "cases", "intake", MEDIATOR, {"mediation_id": mediation_id, "assigned": "med-ana"}
        )
    )
    user = bearer(intake.keys.user_token("intake", MEDIATOR))
    for headers in (cases, user):
        assert (await intake.client.get(path, headers=headers)).status_code == 403
        destroy = await intake.client.post(f"{path}/destroy", headers=headers)
        assert destroy.status_code == 403
        sealed = await intake.client.post(
            path, json={"office": OFFICE, "identity": IDENTITY}, headers=headers
        )
        assert sealed.status_code == 403
    reveals = await sql(
        intake.database_url, "SELECT * FROM audit_event WHERE action = 'party.reveal'"
    )
    assert reveals == []


async def test_sealing_needs_a_vouched_worker_and_a_reachable_party(intake: Intake) -> None:
    mediation_id = str(uuid.uuid4())
    path = f"/v1/internal/mediations/{mediation_id}/parties"
    body = {"office": OFFICE, "identity": IDENTITY}
    unvouched = await intake.client.post(path, json=body, headers=_mediation(intake, MEDIATOR))
    assert unvouched.status_code == 403
    analyst = _mediation(intake, actor("analyst"), mediation_id=mediation_id)
    assert (await intake.client.post(path, json=body, headers=analyst)).status_code == 403
    vouched = _mediation(intake, MEDIATOR, mediation_id=mediation_id)
    unreachable = {**IDENTITY, "email": None}
    bad = await intake.client.post(
        path, json={"office": OFFICE, "identity": unreachable}, headers=vouched
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    not_an_id = await intake.client.post(
        "/v1/internal/mediations/not-a-uuid/parties", json=body, headers=vouched
    )
    assert not_an_id.status_code == 404
    assert await sql(intake.database_url, "SELECT * FROM mediation_party") == []
