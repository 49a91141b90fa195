"""The intake service trusts only internal tokens, keeps identities sealed, and fails closed."""

import asyncio
import base64
import os
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import text

from intake.main import create_app
from ombuds_shared.db import create_engine
from ombuds_testing import TestDatabases, TestKeys, actor, app_client, bearer

from .conftest import Intake, intake_body, intake_settings

SECRETS = ["Amina Diallo", "amina.diallo@example.org", "482913", "+41 22 917 1234"]


async def test_identity_is_not_stored_in_plaintext(intake: Intake) -> None:
    body = intake_body()
    body["visitor"]["phone"] = "+41 22 917 1234"
    assert (await intake.submit(actor("visitor"), body)).status_code == 201
    engine = create_engine(intake.database_url)
    try:
        async with engine.connect() as conn:
            for table in ("visitor", "intake_request"):
                rows = (await conn.execute(text(f"SELECT * FROM {table}"))).all()  # noqa: S608
                assert rows
                dump = repr(rows)
                for secret in SECRETS:
                    assert secret not in dump
                    assert secret.encode().hex() not in dump
    finally:
        await engine.dispose()
    if intake.database_url.startswith("sqlite"):
        path = Path(intake.database_url.split("///", 1)[1])
        files = [path, path.with_name(path.name + "-wal")]
        raw = b"".join([await asyncio.to_thread(f.read_bytes) for f in files if f.exists()])
        for secret in SECRETS:
            assert secret.encode() not in raw


async def test_calls_without_a_gateway_token_are_refused(intake: Intake) -> None:
    url = "/v1/intake/requests"
    assert (await intake.client.get(url)).status_code == 401
    assert (await intake.client.get(url, headers=bearer("not-a-jwt"))).status_code == 401
    wrong_audience = intake.keys.user_token("cases", actor("visitor"))
    assert (await intake.client.get(url, headers=bearer(wrong_audience))).status_code == 401
    expired = intake.keys.user_token("intake", actor("visitor"), lifetime=-30)
    assert (await intake.client.get(url, headers=bearer(expired))).status_code == 401
    # A peer service's own token does not open user routes.
    peer = intake.keys.peer_token("cases", "intake", actor("ombudsman", office="geneva"))
    assert (await intake.client.get(url, headers=bearer(peer))).status_code == 403


async def test_bad_input_gets_problem_details_never_a_500(intake: Intake) -> None:
    visitor = actor("visitor")
    attachment = intake_body(attachment={"type": "audio/mpeg", "data": "..."})
    bad_bodies = [
        intake_body(office="atlantis"),
        intake_body(pillar="unknown"),
        attachment,
        intake_body(visitor={"name": "", "email": "x@example.org"}),
        intake_body(visitor={"name": "A", "email": "not-an-email"}),
        intake_body(visitor={"name": "A"}),
        {},
        [],
        "text",
    ]
    for body in bad_bodies:
        response = await intake.client.post(
            "/v1/intake/requests", json=body, headers=intake.auth(visitor)
        )
        assert response.status_code == 422, body
        assert response.headers["content-type"] == "application/problem+json"
    malformed = await intake.client.post(
        "/v1/intake/requests",
        content=b"{not json",
        headers={**intake.auth(visitor), "Content-Type": "application/json"},
    )
    assert malformed.status_code == 422
    huge = await intake.client.post(
        "/v1/intake/requests",
        content=b"x" * 2_000_000,
        headers={**intake.auth(visitor), "Content-Type": "application/json"},
    )
    assert huge.status_code == 413
    for path in ("/v1/intake/requests/..", "/v1/intake/requests/%00", "/v1/nothing"):
        response = await intake.client.get(path, headers=intake.auth(visitor))
        assert response.status_code == 404, path
    bad_cursor = await intake.client.get(
        "/v1/intake/requests", params={"cursor": "@@"}, headers=intake.auth(visitor)
    )
    assert bad_cursor.status_code == 422


async def test_without_master_key_confidential_work_fails_closed(
    keys: TestKeys, databases: TestDatabases, tmp_path: Path
) -> None:
    settings = intake_settings(keys, tmp_path, databases.fresh("intake", _migrations()), None)
    settings.environment = "production"
    # Production starts only with its fingerprint key; the master key is what is missing here.
    settings.fingerprint_key = SecretStr(base64.b64encode(os.urandom(32)).decode())
    async with app_client(create_app(settings)) as client:
        token = keys.user_token("intake", actor("visitor"))
        response = await client.post(
            "/v1/intake/requests", json=intake_body(), headers=bearer(token)
        )
        assert response.status_code == 503
        assert response.json()["type"].endswith("/service-unavailable")


def _migrations() -> Path:
    from intake.main import MIGRATIONS

    return MIGRATIONS


async def test_nul_characters_are_refused_at_the_edge(intake: Intake) -> None:
    body = intake_body(visitor={"name": "Amina\x00", "email": "a@example.org"})
    response = await intake.submit(actor("visitor"), body)
    assert response.status_code == 422
