"""Who may read which request, and what each reader sees."""

from ombuds_testing import actor

from .conftest import Intake, intake_body


async def _submitted(intake: Intake, **changes: object) -> tuple[object, str]:
    visitor = actor("visitor")
    response = await intake.submit(visitor, intake_body(**changes))
    return visitor, response.json()["reference"]


async def test_visitor_reads_own_request_with_identity(intake: Intake) -> None:
    visitor, reference = await _submitted(intake)
    response = await intake.client.get(
        f"/v1/intake/requests/{reference}", headers=intake.auth(visitor)
    )
    assert response.status_code == 200
    body = response.json()
    assert body["visitor"]["name"] == "Amina Diallo"
    assert body["case_id"] is None


async def test_another_visitor_cannot_see_the_request_exists(intake: Intake) -> None:
    _, reference = await _submitted(intake)
    response = await intake.client.get(
        f"/v1/intake/requests/{reference}", headers=intake.auth(actor("visitor"))
    )
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_integrations_cannot_read_any_request(intake: Intake) -> None:
    portal = actor("hr_portal")
    response = await intake.submit(portal, intake_body(consent_to_contact=True), key="p")
    reference = response.json()["reference"]
    for role in ("hr_portal", "referring_office", "registry", "analyst", "auditor", "mediator"):
        who = portal if role == "hr_portal" else actor(role)
        read = await intake.client.get(f"/v1/intake/requests/{reference}", headers=intake.auth(who))
        assert read.status_code == 403, role
        listing = await intake.client.get("/v1/intake/requests", headers=intake.auth(who))
        assert listing.status_code == 403, role


async def test_office_sees_its_queue_but_identity_only_in_one_untriaged_request(
    intake: Intake,
) -> None:
    # Need-to-know: a list is for finding a request; the identity is for triaging one.
    _, reference = await _submitted(intake, office="geneva")
    await _submitted(intake, office="vienna")
    ombudsman = actor("ombudsman", office="geneva")
    chief = actor("chief", office="geneva")
    queue = await intake.client.get("/v1/intake/requests", headers=intake.auth(ombudsman))
    assert [r["reference"] for r in queue.json()["items"]] == [reference]
    assert queue.json()["items"][0]["visitor"] is None
    one = await intake.client.get(
        f"/v1/intake/requests/{reference}", headers=intake.auth(ombudsman)
    )
    assert one.status_code == 200
    assert one.json()["visitor"]["email"] == "amina.diallo@example.org"
    as_chief = await intake.client.get(
        f"/v1/intake/requests/{reference}", headers=intake.auth(chief)
    )
    assert as_chief.status_code == 200
    assert as_chief.json()["visitor"] is None
    elsewhere = actor("ombudsman", office="vienna")
    read = await intake.client.get(
        f"/v1/intake/requests/{reference}", headers=intake.auth(elsewhere)
    )
    assert read.status_code == 404


async def test_visitor_lists_only_own_requests_page_by_page(intake: Intake) -> None:
    visitor = actor("visitor")
    mine = [(await intake.submit(visitor, intake_body())).json()["reference"] for _ in range(5)]
    await intake.submit(actor("visitor"), intake_body())
    seen: list[str] = []
    cursor = None
    for _ in range(10):  # bounded: 5 items at 2 a page is 3 pages
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = (
            await intake.client.get(
                "/v1/intake/requests", params=params, headers=intake.auth(visitor)
            )
        ).json()
        seen += [item["reference"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(mine)


async def test_decline_with_reason_is_shown_to_the_visitor(intake: Intake) -> None:
    visitor, reference = await _submitted(intake)
    ombudsman = actor("ombudsman", office="geneva")
    body = {"reason": "formal_process_more_suitable", "note": "Please contact the ethics office."}
    declined = await intake.client.post(
        f"/v1/intake/requests/{reference}/decline", json=body, headers=intake.auth(ombudsman)
    )
    assert declined.status_code == 200
    assert declined.json()["status"] == "declined"
    seen = await intake.client.get(f"/v1/intake/requests/{reference}", headers=intake.auth(visitor))
    assert seen.json()["decline_reason"] == "formal_process_more_suitable"
    assert seen.json()["decline_note"] == "Please contact the ethics office."
    again = await intake.client.post(
        f"/v1/intake/requests/{reference}/accept", headers=intake.auth(ombudsman)
    )
    assert again.status_code == 409


async def test_only_the_receiving_office_triages(intake: Intake) -> None:
    _, reference = await _submitted(intake, office="geneva")
    body = {"reason": "outside_mandate"}
    for who, expected in [
        (actor("ombudsman", office="vienna"), 404),
        (actor("visitor"), 403),
        (actor("mediator", office="geneva"), 403),
    ]:
        response = await intake.client.post(
            f"/v1/intake/requests/{reference}/decline", json=body, headers=intake.auth(who)
        )
        assert response.status_code == expected
