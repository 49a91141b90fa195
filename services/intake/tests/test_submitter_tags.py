"""Intake keeps who submitted a request as a keyed HMAC of the login, never the login itself
(intake.request.submitter): an anonymous request must not name its visitor's account to
whoever reads the database or a backup. Rows stored before are converted at start-up."""

from pathlib import Path

from intake.main import create_app
from intake.request.fingerprint import load_fingerprint_key
from intake.request.submitter import convert_plain_submitters, submitter_key, submitter_tag
from ombuds_shared.db import create_engine
from ombuds_testing import TestKeys, actor, app_client, bearer

from .conftest import Intake, intake_body, intake_settings, sql

VISITOR = actor("visitor", sub="visitor-legacy-4417")
STRANGER = actor("visitor", sub="visitor-someone-else-9902")


async def test_a_submitter_is_kept_as_a_keyed_tag_and_the_visitor_still_reaches_it(
    intake: Intake,
) -> None:
    body = intake_body()
    del body["visitor"]  # anonymous: the login is the only link to the person
    submitted = await intake.submit(VISITOR, body, key="anon-1")
    assert submitted.status_code == 201, submitted.text
    reference = submitted.json()["reference"]
    (row,) = await sql(
        intake.database_url, "SELECT submitted_by FROM intake_request WHERE reference = :r",
        r=reference,
    )  # fmt: skip
    assert row["submitted_by"].startswith("hmac:")
    assert VISITOR.subject not in row["submitted_by"]
    # Reached through the tag: the visitor's read, list and replay; nobody else's.
    mine = await intake.client.get(f"/v1/intake/requests/{reference}", headers=intake.auth(VISITOR))
    assert mine.status_code == 200, mine.text
    listed = await intake.client.get("/v1/intake/requests", headers=intake.auth(VISITOR))
    assert [item["reference"] for item in listed.json()["items"]] == [reference]
    replay = await intake.submit(VISITOR, body, key="anon-1")
    assert replay.json()["reference"] == reference
    theirs = await intake.client.get(
        f"/v1/intake/requests/{reference}", headers=intake.auth(STRANGER)
    )
    assert theirs.status_code == 404
    # The tag is the HMAC itself, not the login spelled another way: whoever holds the
    # database and guesses the login cannot test the guess without intake's key.
    assert row["submitted_by"] != submitter_tag(b"\0" * 32, VISITOR.subject)


async def test_requests_stored_with_the_plain_login_are_converted_at_start_up(
    intake: Intake, keys: TestKeys, master_keys: str, tmp_path: Path
) -> None:
    submitted = await intake.submit(VISITOR, intake_body(), key="legacy-1")
    assert submitted.status_code == 201, submitted.text
    reference = submitted.json()["reference"]
    # As a release before this one stored it.
    await sql(
        intake.database_url,
        "UPDATE intake_request SET submitted_by = :s WHERE reference = :r",
        s=VISITOR.subject, r=reference,
    )  # fmt: skip
    path = f"/v1/intake/requests/{reference}"
    # Not converted yet: the comparison goes through the tag only, so the plain row is lost.
    lost = await intake.client.get(path, headers=intake.auth(VISITOR))
    assert lost.status_code == 404

    # A replica starting on the same database (and key) converts it.
    settings = intake_settings(keys, tmp_path, intake.database_url, master_keys)
    async with app_client(create_app(settings)) as restarted:
        headers = bearer(keys.user_token("intake", VISITOR))
        found = await restarted.get(path, headers=headers)
        assert found.status_code == 200, found.text
        own = await restarted.get("/v1/intake/me", headers=headers)
        assert [r["reference"] for r in own.json()["requests"]] == [reference]
    rows = await sql(intake.database_url, "SELECT submitted_by FROM intake_request")
    key = submitter_key(load_fingerprint_key(settings))
    assert rows == [{"submitted_by": submitter_tag(key, VISITOR.subject)}]
    # Idempotent: a second start (or a racing replica) finds nothing left to convert.
    engine = create_engine(intake.database_url)
    try:
        assert await convert_plain_submitters(engine, key) == 0
    finally:
        await engine.dispose()
    assert await sql(intake.database_url, "SELECT submitted_by FROM intake_request") == rows
