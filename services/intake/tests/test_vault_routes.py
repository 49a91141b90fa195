"""The vault's internal routes: only the cases service reveals or destroys an identity, and a
reveal goes through the one case the identity is bound to, for the user cases vouches for."""

import uuid

from ombuds_shared.tokens import Actor
from ombuds_testing import actor, bearer, stored_key_ids

from .conftest import Intake, intake_body, sql

HANDLER = actor("ombudsman", sub="omb-handler", office="geneva")


async def _bound_visitor(intake: Intake) -> tuple[str, str]:
    """A request's identity bound to a case (as intake's accept binds it): (ref, case id)."""
    response = await intake.submit(actor("visitor"), intake_body())
    assert response.status_code == 201, response.text
    case_id = str(uuid.uuid4())
    await sql(
        intake.database_url,
        "UPDATE visitor SET bound_kind = 'case', bound_id = :case, bound_office = 'geneva'",
        case=case_id,
    )
    (row,) = await sql(intake.database_url, "SELECT ref FROM visitor")
    return str(row["ref"]), case_id


def _cases(intake: Intake, who: Actor, handles: str | None) -> dict[str, str]:
    asserts = {"handles": handles} if handles else None
    return bearer(intake.keys.peer_token("cases", "intake", who, asserts))


async def test_cases_reveals_and_destroys_an_identity_once_and_for_all(intake: Intake) -> None:
    ref, case_id = await _bound_visitor(intake)
    cases = _cases(intake, HANDLER, f"case:{case_id}")
    seen = await intake.client.get(f"/v1/internal/cases/{case_id}/visitor", headers=cases)
    assert seen.status_code == 200, seen.text
    assert seen.json()["name"] == "Amina Diallo"
    (entry,) = await sql(
        intake.database_url, "SELECT * FROM audit_event WHERE action = 'visitor.reveal'"
    )
    assert entry["subject"] == "omb-handler"
    assert entry["peer"] == "cases"
    (visitor,) = await sql(intake.database_url, "SELECT id FROM visitor")
    assert await stored_key_ids(intake.key_store_url) == [f"visitor:{visitor['id']}"]
    destroyed = await intake.client.post(f"/v1/internal/visitors/{ref}/destroy", headers=cases)
    assert destroyed.status_code == 200
    again = await intake.client.post(f"/v1/internal/visitors/{ref}/destroy", headers=cases)
    assert again.status_code == 200
    assert again.json()["destroyed_at"] == destroyed.json()["destroyed_at"]
    gone = await intake.client.get(f"/v1/internal/cases/{case_id}/visitor", headers=cases)
    assert gone.status_code == 404
    (visitor,) = await sql(intake.database_url, "SELECT * FROM visitor")
    assert visitor["name_sealed"] is None
    # The data key left the key store (the row never held it).
    assert "wrapped_key" not in visitor
    assert await stored_key_ids(intake.key_store_url, f"visitor:{visitor['id']}") == []
    unknown = await intake.client.post("/v1/internal/visitors/vis_nobody/destroy", headers=cases)
    assert unknown.status_code == 404


async def test_a_reveal_needs_the_binding_the_office_and_the_vouched_handling(
    intake: Intake,
) -> None:
    _, case_id = await _bound_visitor(intake)
    other_case = str(uuid.uuid4())
    path = f"/v1/internal/cases/{case_id}/visitor"
    for who, handles, route, expected in [
        # cases does not vouch that its user handles this case
        (HANDLER, None, path, 403),
        # it vouches for another case: the token opens that case's identity only
        (HANDLER, f"case:{other_case}", path, 403),
        # the identity belongs to this case, not to the one the token is for
        (HANDLER, f"case:{other_case}", f"/v1/internal/cases/{other_case}/visitor", 404),
        # an ombudsman of another office, even vouched for
        (actor("ombudsman", office="vienna"), f"case:{case_id}", path, 404),
        # a chief never sees an identity
        (actor("chief", office="geneva"), f"case:{case_id}", path, 403),
    ]:
        response = await intake.client.get(route, headers=_cases(intake, who, handles))
        assert response.status_code == expected, (who, handles, route, response.text)
    assert (
        await sql(intake.database_url, "SELECT * FROM audit_event WHERE action = 'visitor.reveal'")
        == []
    )


async def test_no_one_else_reaches_the_vault_routes(intake: Intake) -> None:
    ref, case_id = await _bound_visitor(intake)
    for token, expected in [
        (intake.keys.user_token("intake", HANDLER), 403),  # a user through the gateway
        # mediation is a peer of intake for its parties' routes only
        (intake.keys.peer_token("mediation", "intake", HANDLER), 403),
        (intake.keys.peer_token("analytics", "intake", HANDLER), 401),  # not a trusted peer
    ]:
        for method, path in [
            ("GET", f"/v1/internal/cases/{case_id}/visitor"),
            ("POST", f"/v1/internal/visitors/{ref}/destroy"),
        ]:
            response = await intake.client.request(method, path, headers=bearer(token))
            assert response.status_code == expected, (method, path)
