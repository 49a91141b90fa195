"""Issue 14, items 5 and 6, through the running gateway and services.

5. Published statistics cover closed years only: an analyst who polls every answer, waits
   for one new case to be opened in the open year (the real way: a visitor's request,
   accepted, its events relayed to analytics) and polls again sees no figure change.
6. The exit survey takes one answer per token handed over when a case or mediation
   closes: no answer without one (the stuffing of the issue), none twice with one, and
   nothing in analytics' database links a token or an answer to the case.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any

import jwt
from sqlalchemy import func, select

from analytics.facts.models import CaseFact
from analytics.statistics.service import STATISTICS
from analytics.survey.models import ExitResponse
from ombuds_testing import TestDatabases, TestKeys, comparable_answer

from .cases_helpers import assigned_case, handler, opened_case
from .conftest import Stack
from .mediation_support import Mediations, expect
from .pipeline import analytics_rows, analytics_scalar, case_life, new_id, producer_behind_gateway

THIS_YEAR = dt.datetime.now(dt.UTC).year
LAST_YEAR = THIS_YEAR - 1
ANSWER = {"helpful": 1, "respected": 1, "would_recommend": False, "matter_resolved": False}


async def _poll(stack: Stack) -> dict[str, tuple[int, str]]:
    """Every statistic (JSON and CSV, overall and sliced), every chart, the reports."""
    analyst = stack.auth("analyst")
    answers: dict[str, tuple[int, str]] = {}
    slices: list[dict[str, Any]] = [
        {}, {"to_year": THIS_YEAR}, {"from_year": LAST_YEAR, "to_year": THIS_YEAR},
        {"to_year": THIS_YEAR, "office": "nairobi"},
        {"to_year": THIS_YEAR, "pillar": "secretariat"}, {"to_year": THIS_YEAR, "format": "csv"},
    ]  # fmt: skip
    for name in STATISTICS:
        for params in slices:
            response = await stack.gateway.get(
                f"/v1/analytics/statistics/{name}", params=params, headers=analyst
            )
            answers[f"{name} {params}"] = comparable_answer(response)
        chart = await stack.gateway.get(
            f"/v1/analytics/charts/{name}", params={"to_year": THIS_YEAR}, headers=analyst
        )
        answers[f"chart {name}"] = comparable_answer(chart)
    for year in (LAST_YEAR, THIS_YEAR):
        report = await stack.gateway.get(f"/v1/analytics/reports/annual/{year}", headers=analyst)
        answers[f"report {year}"] = comparable_answer(report)
    return answers


async def _facts_of_this_year(stack: Stack, expected: int) -> None:
    """Waits (bounded) until analytics holds `expected` cases opened this year."""
    query = select(func.count()).select_from(CaseFact).where(CaseFact.opened_year == THIS_YEAR)
    found = None
    for _ in range(300):
        found = await analytics_scalar(stack, query)
        if found == expected:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"analytics holds {found} cases of {THIS_YEAR}, not {expected}")


async def test_polling_around_one_new_case_in_the_open_year_learns_nothing(
    stack: Stack, keys: TestKeys, databases: TestDatabases, tmp_path: Any
) -> None:
    # Last year's history, delivered as the cases service delivers it; published.
    async with producer_behind_gateway(
        "cases", stack, keys=keys, databases=databases, tmp_path=tmp_path
    ) as (_gateway, cases):
        for _ in range(6):
            await cases.emit(case_life(new_id(), year=LAST_YEAR))
        await cases.drained()
    # Five real cases this year, through intake and the cases service's own relay: were
    # the open year published, its totals would go from 5 to 6 with the next one.
    for n in range(5):
        await opened_case(stack, visitor=f"visitor-{n}")
    await _facts_of_this_year(stack, 5)
    before = await _poll(stack)
    await opened_case(stack, visitor="visitor-the-one-to-single-out")
    await _facts_of_this_year(stack, 6)
    after = await _poll(stack)
    changed = sorted(k for k in before if before[k] != after[k])
    assert changed == []
    # The poll saw real figures: last year's six cases, and no row of this year.
    opened = json.loads(before[f"cases-opened {{'to_year': {THIS_YEAR}}}"][1])
    assert [r["year"] for r in opened["rows"]][-1] == LAST_YEAR
    assert opened["rows"][-1]["cells"]["total"]["count"] == 6
    assert opened["filters"]["unpublished_open_period_from"] == THIS_YEAR
    assert before[f"report {THIS_YEAR}"][0] == 422
    assert before[f"report {LAST_YEAR}"][0] == 200


async def _survey(stack: Stack, token: str | None, *, role: str = "visitor") -> int:
    body = dict(ANSWER) if token is None else {**ANSWER, "token": token}
    response = await stack.gateway.post(
        "/v1/analytics/surveys/exit", json=body, headers=stack.auth(role, sub="visitor-x")
    )
    return response.status_code


async def test_a_closed_case_hands_its_visitor_one_exit_survey_answer(stack: Stack) -> None:
    case_id = await assigned_case(stack)
    me = handler(stack)
    moved = await stack.gateway.post(
        f"/v1/cases/{case_id}/status", json={"status": "in_progress"}, headers=me
    )
    assert moved.json()["exit_survey_token"] is None  # only closing hands one over
    closed = await stack.gateway.post(
        f"/v1/cases/{case_id}/status",
        json={"status": "closed", "closure_reason": "options_provided"}, headers=me,
    )  # fmt: skip
    assert closed.status_code == 200, closed.text
    token = closed.json()["exit_survey_token"]
    # The attack of the issue: a visitor token and no case, answer after answer.
    assert [await _survey(stack, None) for _ in range(5)] == [403] * 5
    assert await _survey(stack, "made-up") == 403
    assert await _survey(stack, token) == 201
    assert await _survey(stack, token) == 403  # used once
    # Closed is final: the case hands over no second token.
    again = await stack.gateway.post(
        f"/v1/cases/{case_id}/status",
        json={"status": "closed", "closure_reason": "options_provided"}, headers=me,
    )  # fmt: skip
    assert again.status_code == 409
    answers = await analytics_scalar(stack, select(func.count()).select_from(ExitResponse))
    assert answers == 1
    # Analytics cannot link the token, nor the answer, to the case or its visitor.
    claims = jwt.decode(token, options={"verify_signature": False})
    assert set(claims) == {"iss", "aud", "sub", "exp", "jti"}
    assert case_id not in token
    stored = repr(await analytics_rows(stack, "SELECT * FROM exit_survey_token_spent"))
    stored += repr(await analytics_rows(stack, "SELECT * FROM exit_survey_response"))
    for secret in (case_id, token, claims["jti"], "visitor-x", "visitor-jonas"):
        assert secret not in stored


async def test_a_closed_mediation_hands_each_party_one_answer(stack: Stack) -> None:
    med = Mediations(stack)
    mediation_id = await med.under_way()
    parties = len((await med.get(mediation_id))["parties"])
    closed = expect(await med.close(mediation_id, "not_settled"), 200)
    tokens = closed["exit_survey_tokens"]
    assert len(tokens) == parties == len(set(tokens))
    assert [await _survey(stack, t) for t in tokens] == [201] * parties
    assert [await _survey(stack, t) for t in tokens] == [403] * parties
    read = await med.get(mediation_id)
    assert "exit_survey_tokens" not in read  # handed over once, kept nowhere


async def test_a_mediation_that_never_ran_hands_over_no_token(stack: Stack) -> None:
    """Opened with labels and withdrawn at once, a mediation would otherwise mint a token per
    (made-up) party: a way for staff to stuff the survey."""
    med = Mediations(stack)
    mediation_id = await med.open()
    closed = expect(await med.close(mediation_id, "withdrawn"), 200)
    assert closed["exit_survey_tokens"] == []


async def test_graphql_closes_and_answers_through_the_same_routes(stack: Stack) -> None:
    case_id = await assigned_case(stack)
    closing = """mutation($id: ID!) { changeCaseStatus(caseId: $id, status: "closed",
        closureReason: "options_provided") { status exitSurveyToken } }"""
    closed = await stack.gateway.post(
        "/graphql", json={"query": closing, "variables": {"id": case_id}}, headers=handler(stack)
    )
    token = closed.json()["data"]["changeCaseStatus"]["exitSurveyToken"]
    answer = """mutation($t: String) { answerExitSurvey(input: {helpful: 4, respected: 4,
        wouldRecommend: true, matterResolved: true, token: $t}) { received } }"""
    visitor = stack.auth("visitor", sub="visitor-y")
    first = await stack.gateway.post(
        "/graphql", json={"query": answer, "variables": {"t": token}}, headers=visitor
    )
    assert first.json()["data"]["answerExitSurvey"] == {"received": 1}
    second = await stack.gateway.post(
        "/graphql", json={"query": answer, "variables": {"t": token}}, headers=visitor
    )
    assert second.json().get("data") is None or second.json()["data"]["answerExitSurvey"] is None
    assert second.json()["errors"][0]["extensions"]["problem"]["status"] == 403


async def test_workplace_answers_of_an_unknown_office_are_a_422(stack: Stack) -> None:
    answer = {"year": LAST_YEAR, "pillar": "secretariat", "office": "atlantis",
              "conflict_last_three_months": True, "stress_above_acceptable": False,
              "hours_per_week_on_conflict": 2.0}  # fmt: skip
    response = await stack.gateway.post(
        "/v1/analytics/surveys/workplace", json={"responses": [answer]},
        headers=stack.auth("analyst"),
    )  # fmt: skip
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
