"""Strict queries: an unknown statistic is a 404, and a query parameter a list or statistic
route does not take is a 400 naming it (ombuds_shared._strict_query), through the gateway."""

from __future__ import annotations

from .conftest import Stack

PROBLEM = "application/problem+json"


async def test_an_unknown_statistic_is_not_found(stack: Stack) -> None:
    analyst = stack.auth("analyst")
    known = await stack.gateway.get("/v1/analytics/statistics/cases-opened", headers=analyst)
    assert known.status_code == 200, known.text
    for name in ("no-such-statistic", "CASES-OPENED", "cases-opened.csv"):
        response = await stack.gateway.get(f"/v1/analytics/statistics/{name}", headers=analyst)
        assert response.status_code == 404, name
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["status"] == 404


async def test_unknown_query_parameters_are_refused_by_name(stack: Stack) -> None:
    ombudsman = stack.auth("ombudsman", office="nairobi")
    analyst = stack.auth("analyst")
    visitor = stack.auth("visitor")
    refused = {
        "/v1/cases?after=garbage": ombudsman,
        "/v1/cases?status=opened&statu=closed&limit=5": ombudsman,
        "/v1/intake/requests?office=nairobi": visitor,
        "/v1/analytics/statistics/cases-opened?year=2024&format=json": analyst,
        "/v1/mediations?after=x": stack.auth("mediator", office="nairobi"),
    }
    expected_unknown = [["after"], ["statu"], ["office"], ["year"], ["after"]]
    for (url, headers), unknown in zip(refused.items(), expected_unknown, strict=True):
        response = await stack.gateway.get(url, headers=headers)
        assert response.status_code == 400, (url, response.text)
        assert response.headers["content-type"] == PROBLEM
        problem = response.json()
        assert problem["unknown_parameters"] == unknown, url
        assert all(name in problem["detail"] for name in unknown)
    # The same routes with the parameters they take answer as before.
    allowed = {
        "/v1/cases?status=opened&limit=5": ombudsman,
        "/v1/intake/requests": visitor,
        "/v1/analytics/statistics/cases-opened?from_year=2020&to_year=2024&format=csv": analyst,
    }
    for url, headers in allowed.items():
        response = await stack.gateway.get(url, headers=headers)
        assert response.status_code == 200, (url, response.text)
