"""Published figures cover closed periods only, so that polling cannot single out a new case.

The attack: an analyst polls every statistic, one case is opened in the open period (this
year), and the analyst polls again. With the default setting no answer changes; with the
open period published (a deployment's explicit choice) the same poll sees the new case,
which is what the setting exists to prevent.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from analytics.statistics.service import STATISTICS
from ombuds_testing import TestDatabases, TestKeys, app_client, comparable_answer

from .conftest import Analytics, build, cells

THIS_YEAR = dt.datetime.now(dt.UTC).year
LAST_YEAR = THIS_YEAR - 1
_CASE: dict[str, Any] = {
    "pillar": "unhcr", "office": "unhcr", "location": "headquarters", "group": "general_service",
    "issues": ("2.b",), "tags": ("fear_of_speaking_out",),
}  # fmt: skip


async def _seed(a: Analytics) -> None:
    """Six cases of last year and five of this one, alike but for the year."""
    await a.cases(6, year=LAST_YEAR, **_CASE)
    await a.cases(5, year=THIS_YEAR, **_CASE)
    await a.mediations(6, year=LAST_YEAR, source="dispute_tribunal", outcome="settled",
                       group=False)  # fmt: skip
    await a.mediations(5, year=THIS_YEAR, source="dispute_tribunal", outcome="settled",
                       group=False)  # fmt: skip


async def _poll(a: Analytics) -> dict[str, Any]:
    """Every answer an analyst can get about the last few years: statistics, charts, report."""
    answers: dict[str, Any] = {}
    slices: list[dict[str, Any]] = [
        {}, {"to_year": THIS_YEAR}, {"from_year": THIS_YEAR - 3, "to_year": THIS_YEAR},
        {"to_year": THIS_YEAR, "pillar": "unhcr"}, {"to_year": THIS_YEAR, "office": "unhcr"},
        {"to_year": THIS_YEAR, "format": "csv"},
    ]  # fmt: skip
    for name in STATISTICS:
        for params in slices:
            response = await a.client.get(
                f"/v1/analytics/statistics/{name}", params=params, headers=a.auth()
            )
            answers[f"{name} {params}"] = comparable_answer(response)
        chart = await a.client.get(
            f"/v1/analytics/charts/{name}", params={"to_year": THIS_YEAR}, headers=a.auth()
        )
        answers[f"chart {name}"] = comparable_answer(chart)
    for year in (LAST_YEAR, THIS_YEAR):
        report = await a.client.get(f"/v1/analytics/reports/annual/{year}", headers=a.auth())
        answers[f"report {year}"] = comparable_answer(report)
    return answers


async def test_one_more_case_in_the_open_year_changes_no_published_figure(
    analytics: Analytics,
) -> None:
    await _seed(analytics)
    before = await _poll(analytics)
    await analytics.cases(1, year=THIS_YEAR, **_CASE)
    await analytics.mediations(1, year=THIS_YEAR, source="dispute_tribunal", outcome="settled",
                               group=False)  # fmt: skip
    after = await _poll(analytics)
    assert after == before
    # What is published is real: last year's six cases, and nothing of this year.
    opened = await analytics.statistic("cases-opened", to_year=THIS_YEAR)
    assert cells(opened, LAST_YEAR)["total"] == 6
    assert [row["year"] for row in opened["rows"]][-1] == LAST_YEAR
    assert opened["filters"]["unpublished_open_period_from"] == THIS_YEAR
    default = await analytics.statistic("cases-opened")
    assert default["filters"]["to_year"] == LAST_YEAR
    assert "unpublished_open_period_from" not in default["filters"]


async def test_the_open_year_alone_and_its_report_are_refused_as_problems(
    analytics: Analytics,
) -> None:
    await _seed(analytics)
    alone = await analytics.client.get(
        "/v1/analytics/statistics/cases-opened",
        params={"from_year": THIS_YEAR, "to_year": THIS_YEAR}, headers=analytics.auth(),
    )  # fmt: skip
    assert alone.status_code == 422
    assert alone.headers["content-type"].startswith("application/problem+json")
    assert str(LAST_YEAR) in alone.json()["detail"]
    report = await analytics.client.get(
        f"/v1/analytics/reports/annual/{THIS_YEAR}", headers=analytics.auth()
    )
    assert report.status_code == 422
    assert report.headers["content-type"].startswith("application/problem+json")
    assert (await analytics.client.get(
        f"/v1/analytics/reports/annual/{LAST_YEAR}", headers=analytics.auth()
    )).status_code == 200  # fmt: skip


async def test_publishing_the_open_year_lets_a_poll_see_one_new_case(
    keys: TestKeys, databases: TestDatabases, tmp_path: Path
) -> None:
    app, url = await build(keys, databases, tmp_path, publish_open_period=True)
    async with app_client(app) as client:
        a = Analytics(client, keys, url)
        await _seed(a)
        before = await a.statistic("cases-opened", to_year=THIS_YEAR)
        await a.cases(1, year=THIS_YEAR, **_CASE)
        after = await a.statistic("cases-opened", to_year=THIS_YEAR)
    # The differencing the default prevents: 5 -> 6 tells that exactly one case was opened.
    assert (cells(before, THIS_YEAR)["total"], cells(after, THIS_YEAR)["total"]) == (5, 6)
    assert cells(after, LAST_YEAR) == cells(before, LAST_YEAR)
