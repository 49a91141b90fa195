"""Submitting requests on the three channels, and what each submitter learns."""

import asyncio
import re

from sqlalchemy import func, select

from intake.request.models import IntakeRequest
from ombuds_shared.db import create_engine
from ombuds_testing import actor

from .conftest import Intake, intake_body

REFERENCE = re.compile(r"^OMB-[0-9A-Z]{4}-[0-9A-Z]{4}$")


async def _count_requests(url: str) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(select(func.count(IntakeRequest.id)))).scalar_one())
    finally:
        await engine.dispose()


async def test_visitor_submits_and_is_told_the_office_is_informal(intake: Intake) -> None:
    response = await intake.submit(actor("visitor"), intake_body())
    assert response.status_code == 201
    ack = response.json()
    assert REFERENCE.match(ack["reference"])
    assert ack["status"] == "submitted"
    assert "informal" in ack["notice"]
    assert "notice" in ack["notice"].lower()
    assert response.headers["Location"] == f"/v1/intake/requests/{ack['reference']}"


async def test_hr_portal_needs_consent_and_an_idempotency_key(intake: Intake) -> None:
    portal = actor("hr_portal")
    no_consent = await intake.submit(portal, intake_body(), key="k1")
    assert no_consent.status_code == 422
    no_key = await intake.submit(portal, intake_body(consent_to_contact=True))
    assert no_key.status_code == 400
    ok = await intake.submit(portal, intake_body(consent_to_contact=True), key="k1")
    assert ok.status_code == 201
    # The acknowledgement is all a portal ever learns (the notice, in a language it asked for).
    assert set(ok.json()) == {
        "reference", "status", "submitted_at", "notice", "notice_language", "notice_direction",
        "receipt_code",
    }  # fmt: skip
    assert ok.json()["receipt_code"] is None  # only an anonymous visitor's request has one


async def test_referring_office_names_the_referring_unit(intake: Intake) -> None:
    referrer = actor("referring_office")
    body = intake_body(consent_to_contact=True)
    assert (await intake.submit(referrer, body, key="r1")).status_code == 422
    body["referring_unit"] = "staff_legal_assistance"
    assert (await intake.submit(referrer, body, key="r1")).status_code == 201
    visitor_body = intake_body(referring_unit="staff_legal_assistance")
    assert (await intake.submit(actor("visitor"), visitor_body)).status_code == 422


async def test_same_idempotency_key_gives_one_request(intake: Intake) -> None:
    visitor = actor("visitor")
    first = await intake.submit(visitor, intake_body(), key="same")
    second = await intake.submit(visitor, intake_body(), key="same")
    assert first.status_code == second.status_code == 201
    assert first.json()["reference"] == second.json()["reference"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert await _count_requests(intake.database_url) == 1


async def test_same_idempotency_key_concurrently_gives_one_request(intake: Intake) -> None:
    portal = actor("hr_portal")
    body = intake_body(consent_to_contact=True)
    responses = await asyncio.gather(*(intake.submit(portal, body, key="burst") for _ in range(8)))
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["reference"] for r in responses}) == 1
    assert await _count_requests(intake.database_url) == 1


async def test_idempotency_key_reused_for_another_request_is_a_conflict(intake: Intake) -> None:
    visitor = actor("visitor")
    await intake.submit(visitor, intake_body(), key="k")
    response = await intake.submit(visitor, intake_body(office="vienna"), key="k")
    assert response.status_code == 409
    assert response.json()["type"].endswith("/idempotency-conflict")


async def test_keys_are_per_client(intake: Intake) -> None:
    one = await intake.submit(actor("visitor"), intake_body(), key="shared-key")
    two = await intake.submit(actor("visitor"), intake_body(), key="shared-key")
    assert one.json()["reference"] != two.json()["reference"]
