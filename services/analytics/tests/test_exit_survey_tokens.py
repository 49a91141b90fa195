"""The exit survey takes one answer per token handed out when a matter closes (issue 14.6).

Without a valid, unused token an answer is refused (403): no stuffing by any visitor
token, no second answer with one token, no token forged by another key or of another
kind. What analytics keeps of a token cannot be matched to the token, the case or the
answer.
"""

from __future__ import annotations

from typing import Any

import jwt
from sqlalchemy import inspect, text

from ombuds_shared.db import create_engine
from ombuds_shared.keys import SigningKey
from ombuds_shared.tokens import (
    EXIT_SURVEY_TOKEN_TYPE,
    mint_event_token,
    mint_exit_survey_token,
    mint_internal_token,
)
from ombuds_testing import actor

from .conftest import Analytics, exit_token

ANSWER = {"helpful": 2, "respected": 1, "would_recommend": False, "matter_resolved": False}


async def _answer(a: Analytics, token: str | None, role: str = "visitor") -> int:
    body: dict[str, Any] = dict(ANSWER) if token is None else {**ANSWER, "token": token}
    response = await a.client.post("/v1/analytics/surveys/exit", json=body, headers=a.auth(role))
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")
    return response.status_code


async def _rows(a: Analytics, table: str) -> list[tuple[Any, ...]]:
    engine = create_engine(a.database_url)
    try:
        async with engine.connect() as conn:
            return [tuple(r) for r in await conn.execute(text(f"SELECT * FROM {table}"))]  # noqa: S608
    finally:
        await engine.dispose()


def _wrong_kind(key: SigningKey, issuer: str, **claims: Any) -> str:
    """A token shaped like an exit-survey token, with claims of the caller's choosing."""
    payload = {"iss": issuer, "aud": "analytics", "sub": "exit-survey", "exp": 4102444800,
               "jti": "f" * 32, **claims}  # fmt: skip
    return jwt.encode(payload, key.private_key, algorithm="EdDSA",
                      headers={"kid": key.kid, "typ": EXIT_SURVEY_TOKEN_TYPE})  # fmt: skip


async def test_stuffing_is_refused_and_a_token_answers_once(analytics: Analytics) -> None:
    keys = analytics.keys
    # The attack of the issue: any visitor, no case, many answers.
    assert [await _answer(analytics, None) for _ in range(3)] == [403, 403, 403]
    token = exit_token(keys)
    assert await _answer(analytics, token) == 201
    assert await _answer(analytics, token) == 403
    assert await _answer(analytics, exit_token(keys, "mediation")) == 201
    # Forgeries and tokens of other kinds.
    forged = [
        "not-a-token",
        token + "x",
        mint_event_token(keys.keys["gateway"], audience="analytics"),
        keys.user_token("analytics", actor("visitor")),
        mint_internal_token(keys.keys["cases"], issuer="cases", audience="analytics", actor=None),
        mint_exit_survey_token(keys.keys["gateway"], issuer="cases"),  # another's key
        mint_exit_survey_token(keys.keys["intake"], issuer="intake"),  # closes no matter
        mint_exit_survey_token(keys.keys["analytics"], issuer="analytics"),
        mint_exit_survey_token(keys.keys["cases"], issuer="cases", lifetime=-3 * 86400),
        _wrong_kind(keys.keys["cases"], "cases", aud="cases"),
        _wrong_kind(keys.keys["cases"], "cases", jti=None),
    ]
    assert [await _answer(analytics, t) for t in forged] == [403] * len(forged)
    # The token is the ticket; the route is still for visitors only.
    assert await _answer(analytics, exit_token(keys), role="analyst") == 403
    assert len(await _rows(analytics, "exit_survey_response")) == 2


async def test_analytics_keeps_nothing_that_links_a_token_to_an_answer(
    analytics: Analytics,
) -> None:
    tokens = [exit_token(analytics.keys) for _ in range(3)]
    for token in tokens:
        assert await _answer(analytics, token) == 201
    spent = await _rows(analytics, "exit_survey_token_spent")
    answers = await _rows(analytics, "exit_survey_response")
    assert len(spent) == len(answers) == 3
    engine = create_engine(analytics.database_url)
    try:
        async with engine.connect() as conn:
            columns = await conn.run_sync(
                lambda c: {t: [col["name"] for col in inspect(c).get_columns(t)]
                           for t in ("exit_survey_token_spent", "exit_survey_response")}
            )  # fmt: skip
    finally:
        await engine.dispose()
    # A keyed hash and nothing else: no time, no office, no case, no answer id.
    assert columns["exit_survey_token_spent"] == ["token_hash"]
    assert set(columns["exit_survey_response"]) == {
        "id", "year", "helpful", "respected", "would_recommend", "matter_resolved",
    }  # fmt: skip
    stored = repr(spent) + repr(answers)
    for token in tokens:
        claims = jwt.decode(token, options={"verify_signature": False})
        # The token itself names no case, person, office or time of closure.
        assert set(claims) == {"iss", "aud", "sub", "exp", "jti"}
        assert claims["jti"] not in stored
        assert token not in stored
        assert claims["exp"] % 86400 == 0
