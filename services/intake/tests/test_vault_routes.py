"""The vault's internal routes: only the cases service reveals or destroys an identity."""

from sqlalchemy import text

from ombuds_shared.db import create_engine
from ombuds_shared.testing import actor, bearer

from .conftest import Intake, intake_body


async def _declined_visitor_ref(intake: Intake) -> str:
    response = await intake.submit(actor("visitor"), intake_body())
    reference = response.json()["reference"]
    ombudsman = actor("ombudsman", office="geneva")
    body = {"reason": "outside_mandate", "note": "Amina asked about her pension."}
    declined = await intake.client.post(
        f"/v1/intake/requests/{reference}/decline", json=body, headers=intake.auth(ombudsman)
    )
    assert declined.status_code == 200
    engine = create_engine(intake.database_url)
    try:
        async with engine.connect() as conn:
            return str((await conn.execute(text("SELECT ref FROM visitor"))).scalar_one())
    finally:
        await engine.dispose()


async def test_cases_reveals_and_destroys_an_identity_once_and_for_all(intake: Intake) -> None:
    ref = await _declined_visitor_ref(intake)
    cases = bearer(intake.keys.peer_token("cases", "intake", actor("ombudsman", office="geneva")))
    seen = await intake.client.get(f"/v1/internal/visitors/{ref}", headers=cases)
    assert seen.status_code == 200
    assert seen.json()["name"] == "Amina Diallo"
    destroyed = await intake.client.post(f"/v1/internal/visitors/{ref}/destroy", headers=cases)
    assert destroyed.status_code == 200
    again = await intake.client.post(f"/v1/internal/visitors/{ref}/destroy", headers=cases)
    assert again.status_code == 200
    assert again.json()["destroyed_at"] == destroyed.json()["destroyed_at"]
    assert (
        await intake.client.get(f"/v1/internal/visitors/{ref}", headers=cases)
    ).status_code == 404
    engine = create_engine(intake.database_url)
    try:
        async with engine.connect() as conn:
            visitor = (await conn.execute(text("SELECT * FROM visitor"))).mappings().one()
            note = await conn.execute(text("SELECT decline_note_sealed FROM intake_request"))
            assert note.scalar_one() is None
    finally:
        await engine.dispose()
    assert visitor["wrapped_key"] is None
    assert visitor["name_sealed"] is None
    unknown = await intake.client.post("/v1/internal/visitors/vis_nobody/destroy", headers=cases)
    assert unknown.status_code == 404


async def test_no_one_else_reaches_the_vault_routes(intake: Intake) -> None:
    ref = await _declined_visitor_ref(intake)
    ombudsman = actor("ombudsman", office="geneva")
    for token, expected in [
        (intake.keys.user_token("intake", ombudsman), 403),  # a user through the gateway
        (intake.keys.peer_token("mediation", "intake", ombudsman), 401),  # not a trusted peer
    ]:
        for method, path in [("GET", ""), ("POST", "/destroy")]:
            response = await intake.client.request(
                method, f"/v1/internal/visitors/{ref}{path}", headers=bearer(token)
            )
            assert response.status_code == expected, (method, path)
