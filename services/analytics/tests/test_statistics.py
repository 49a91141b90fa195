"""Each statistic against figures computed by hand from a small known dataset.

The dataset (threshold 5, so nothing in it is withheld):
2024  secretariat/nairobi   6 cases  field_mission, field_service,  issues 2.b 2.f, tag fear
      secretariat/geneva    5 cases  headquarters, general_service, issues 4.a 1.d, tag selection
      unhcr/unhcr           7 cases  office away, non_staff,         issue 6.i
      funds/funds-programmes 5 cases headquarters, intl professional, issue 2.b
2023  secretariat/nairobi   9 cases  field_mission, field_service,  issue 2.b
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest

from analytics.statistics.service import risk_ratio
from ombuds_testing import TestDatabases, TestKeys, app_client

from .conftest import Analytics, build, cells, exit_token

YEARS = {"from_year": 2023, "to_year": 2024}


@pytest.fixture
async def known(analytics: Analytics) -> Analytics:
    a = analytics
    await a.cases(
        6,
        year=2024,
        pillar="secretariat",
        office="nairobi",
        location="field_mission",
        group="field_service",
        issues=("2.b", "2.f"),
        tags=("fear_of_speaking_out",),
    )
    await a.cases(
        5,
        year=2024,
        pillar="secretariat",
        office="geneva",
        location="headquarters",
        group="general_service",
        issues=("4.a", "1.d"),
        tags=("selection_and_recruitment",),
    )
    await a.cases(
        7,
        year=2024,
        pillar="unhcr",
        office="unhcr",
        location="office_away_from_headquarters",
        group="non_staff",
        issues=("6.i",),
    )
    await a.cases(
        5,
        year=2024,
        pillar="funds_and_programmes",
        office="funds-programmes",
        location="headquarters",
        group="international_professional",
        issues=("2.b",),
    )
    await a.cases(
        9,
        year=2023,
        pillar="secretariat",
        office="nairobi",
        location="field_mission",
        group="field_service",
        issues=("2.b",),
    )
    await a.mediations(
        5, year=2024, source="dispute_tribunal", outcome="settled", group=True, participants=4
    )
    await a.mediations(
        5, year=2024, source="self_referral", outcome="not_settled", group=False, participants=2
    )
    return a  # fmt: skip


async def test_cases_opened_per_year_and_pillar(known: Analytics) -> None:
    doc = await known.statistic("cases-opened", **YEARS)
    assert cells(doc, 2024) == {
        "secretariat": 11, "funds_and_programmes": 5, "unhcr": 7, "total": 23,
    }  # fmt: skip
    assert cells(doc, 2023) == {
        "secretariat": 9, "funds_and_programmes": 0, "unhcr": 0, "total": 9,
    }  # fmt: skip
    only = await known.statistic("cases-opened", pillar="secretariat", **YEARS)
    assert cells(only, 2024) == {"secretariat": 11, "total": 11}
    nairobi = await known.statistic("cases-opened", office="nairobi", **YEARS)
    assert cells(nairobi, 2023)["total"] == 9
    assert cells(nairobi, 2024)["secretariat"] == 6


async def test_cases_by_location_with_percentages(known: Analytics) -> None:
    doc = await known.statistic("cases-by-location", **YEARS)
    assert cells(doc, 2024) == {
        "headquarters": 10, "office_away_from_headquarters": 7, "field_mission": 6, "total": 23,
    }  # fmt: skip
    row = next(r for r in doc["rows"] if r["year"] == 2024)
    assert row["cells"]["headquarters"]["percent"] == 43.5  # 10 / 23
    secretariat = await known.statistic("cases-by-location", pillar="secretariat", **YEARS)
    assert cells(secretariat, 2024) == {
        "headquarters": 5, "office_away_from_headquarters": 0, "field_mission": 6, "total": 11,
    }  # fmt: skip


async def test_cases_by_occupational_group(known: Analytics) -> None:
    doc = await known.statistic("cases-by-occupational-group", **YEARS)
    found = cells(doc, 2024)
    assert {k: v for k, v in found.items() if v} == {
        "field_service": 6, "general_service": 5, "non_staff": 7,
        "international_professional": 5, "total": 23,
    }  # fmt: skip


async def test_issues_by_category_and_top_three(known: Analytics) -> None:
    doc = await known.statistic("issues-by-category", **YEARS)
    found = cells(doc, 2024)
    # 2.b and 2.f on the same case count once for category 2.
    assert {k: v for k, v in found.items() if v} == {"2": 11, "6": 7, "1": 5, "4": 5, "total": 23}
    row = next(r for r in doc["rows"] if r["year"] == 2024)
    assert row["top_three"] == ["2", "6", "1"]
    assert row["cells"]["2"]["percent"] == 47.8  # 11 / 23


async def test_sub_category_trends(known: Analytics) -> None:
    doc = await known.statistic("issue-subcategories", codes="2.b,2.f", **YEARS)
    assert doc["columns"] == ["2.b", "2.f", "total"]
    assert cells(doc, 2024) == {"2.b": 11, "2.f": 6, "total": 23}
    assert cells(doc, 2023) == {"2.b": 9, "2.f": 0, "total": 9}
    every = await known.statistic("issue-subcategories", **YEARS)
    assert every["columns"] == ["1.d", "2.b", "2.f", "4.a", "6.i", "total"]
    bad = await known.client.get(
        "/v1/analytics/statistics/issue-subcategories", params={"codes": "2.zz"},
        headers=known.auth(),
    )  # fmt: skip
    assert bad.status_code == 422


async def test_utilization_per_100_staff(known: Analytics) -> None:
    for pillar, intl, national in (
        ("secretariat", 1000, 2500),
        ("funds_and_programmes", 500, 1000),
    ):
        response = await known.client.put(
            f"/v1/analytics/headcounts/2024/{pillar}",
            json={"international": intl, "national": national}, headers=known.auth("chief"),
        )  # fmt: skip
        assert response.status_code == 200
    doc = await known.statistic("utilization", **YEARS)
    assert cells(doc, 2024, pillar="secretariat") == {
        "international_cases": 6, "international_staff": 1000, "international_rate": 0.6,
        "national_cases": 5, "national_staff": 2500, "national_rate": 0.2,
    }  # fmt: skip
    assert cells(doc, 2024, pillar="funds_and_programmes")["international_rate"] == 1.0
    assert cells(doc, 2024, pillar="unhcr")["international_rate"] is None  # no headcount
    office = await known.client.get(
        "/v1/analytics/statistics/utilization", params={"office": "nairobi"}, headers=known.auth()
    )
    assert office.status_code == 422


async def test_non_staff_issue_breakdown(known: Analytics) -> None:
    doc = await known.statistic("non-staff-issues", **YEARS)
    found = cells(doc, 2024)
    assert {k: v for k, v in found.items() if v} == {"6": 7, "total": 7}


async def test_systemic_issues(known: Analytics) -> None:
    doc = await known.statistic("systemic-issues", **YEARS)
    found = cells(doc, 2024)
    assert {k: v for k, v in found.items() if v} == {
        "fear_of_speaking_out": 6, "selection_and_recruitment": 5,
    }  # fmt: skip


async def test_mediation_statistics(known: Analytics) -> None:
    opened = await known.statistic("mediation-opened", **YEARS)
    assert cells(opened, 2024) == {
        "opened": 10, "group_processes": 5, "individual": 5, "participants_in_group_processes": 20,
    }  # fmt: skip
    sources = await known.statistic("mediation-referral-sources", **YEARS)
    row = next(r for r in sources["rows"] if r["year"] == 2024)
    assert row["cells"]["dispute_tribunal"] == {"count": 5, "percent": 50.0}
    assert row["cells"]["self_referral"] == {"count": 5, "percent": 50.0}
    outcomes = await known.statistic("mediation-outcomes", **YEARS)
    found = cells(outcomes, 2024)
    assert {k: v for k, v in found.items() if v} == {"settled": 5, "not_settled": 5, "total": 10}
    rate = await known.statistic("mediation-resolution-rate", **YEARS)
    assert cells(rate, 2024) == {"settled": 5, "not_settled": 5, "resolution_rate": 50.0}


async def test_outreach_by_type_and_year(analytics: Analytics) -> None:
    for kind, day, office, people in (
        ("workshop", "2024-02-01", "nairobi", 30), ("workshop", "2024-06-11", "nairobi", 20),
        ("town_hall", "2024-09-30", "geneva", 100), ("induction", "2023-01-15", "vienna", 12),
    ):  # fmt: skip
        response = await analytics.client.post(
            "/v1/analytics/outreach", headers=analytics.auth(),
            json={"activity_type": kind, "held_on": day, "office": office, "participants": people},
        )  # fmt: skip
        assert response.status_code == 201, response.text
    doc = await analytics.statistic("outreach", **YEARS)
    row = next(r for r in doc["rows"] if r["year"] == 2024)["cells"]
    assert row["workshop"] == {"count": 2, "participants": 50}
    assert row["town_hall"] == {"count": 1, "participants": 100}
    assert row["total"] == {"count": 3, "participants": 150}
    nairobi = await analytics.statistic("outreach", office="nairobi", **YEARS)
    assert next(r for r in nairobi["rows"] if r["year"] == 2024)["cells"]["total"]["count"] == 2
    unknown = await analytics.client.post(
        "/v1/analytics/outreach", headers=analytics.auth(),
        json={"activity_type": "workshop", "held_on": "2024-01-01", "office": "atlantis",
              "participants": 3},
    )  # fmt: skip
    assert unknown.status_code == 422


def _answer(conflict: bool, workload: bool, stressed: bool) -> dict[str, object]:
    return {
        "year": 2024, "pillar": "secretariat", "office": "nairobi",
        "conflict_last_three_months": conflict, "stress_above_acceptable": stressed,
        "hours_per_week_on_conflict": 5.0 if conflict else 2.0,
        "dimensions": {"workload": workload},
    }  # fmt: skip


async def test_workplace_survey_shares_means_and_risk_ratio(analytics: Analytics) -> None:
    # Unfavourable workload: 10 respondents, 6 with conflict; favourable: 10, 2 with conflict.
    answers = (
        [_answer(True, True, i < 5) for i in range(6)]
        + [_answer(False, True, i < 2) for i in range(4)]
        + [_answer(True, False, True) for _ in range(2)]
        + [_answer(False, False, i < 1) for i in range(8)]
    )
    response = await analytics.client.post(
        "/v1/analytics/surveys/workplace", json={"responses": answers}, headers=analytics.auth()
    )
    assert response.json() == {"received": 20}
    doc = await analytics.statistic("workplace-survey", **YEARS)
    row = next(r for r in doc["rows"] if r["year"] == 2024)["cells"]
    assert row["respondents"]["count"] == 20
    assert row["conflict_share"]["value"] == 40.0  # 8 / 20
    assert row["stressed_share"]["value"] == 50.0  # (5 + 2 + 2 + 1) / 20
    assert row["mean_hours"]["value"] == 3.2  # (8 * 5 + 12 * 2) / 20
    # RR = (6/10) / (2/10) = 3; SE(log RR) = sqrt(1/6 - 1/10 + 1/2 - 1/10) = 0.683.
    assert row["risk_ratio_workload"] == {"value": 3.0, "ci_low": 0.79, "ci_high": 11.44}
    assert row["risk_ratio_fairness"] == {"value": None}  # not asked
    assert risk_ratio(6, 4, 2, 8) == (3.0, 0.79, 11.44)


async def test_exit_survey_is_anonymous_and_suppressed_when_few(
    keys: TestKeys, databases: TestDatabases, tmp_path: Path
) -> None:
    # Answers are kept under the year they are given in, this year: published here on
    # purpose (by default this year is published once it closes, see test_closed_periods).
    app, url = await build(keys, databases, tmp_path, publish_open_period=True)
    year = dt.datetime.now(dt.UTC).year
    async with app_client(app) as client:
        analytics = Analytics(client, keys, url)
        visitor = analytics.auth("visitor")
        for i, helpful in enumerate([5, 4, 4, 3, 5, 4]):
            body = {"helpful": helpful, "respected": 5, "would_recommend": True,
                    "matter_resolved": i < 3, "token": exit_token(keys)}  # fmt: skip
            response = await client.post("/v1/analytics/surveys/exit", json=body,
                                          headers=visitor)  # fmt: skip
            assert response.status_code == 201
        doc = await analytics.statistic("exit-survey", from_year=year, to_year=year)
        row = doc["rows"][0]["cells"]
        assert row["respondents"]["count"] == 6
        assert row["helpful_mean"]["value"] == 4.17  # 25 / 6
        assert row["would_recommend_share"]["value"] == 100.0
        assert row["matter_resolved_share"] == {"value": None, "suppressed": True}  # 3 yes, 3 no
        extra = await client.post(
            "/v1/analytics/surveys/exit", headers=visitor,
            json={"helpful": 5, "respected": 5, "would_recommend": True, "matter_resolved": True,
                  "office": "nairobi", "token": exit_token(keys)},
        )  # fmt: skip
        assert extra.status_code == 422
        forbidden = await client.post(
            "/v1/analytics/surveys/exit", headers=analytics.auth("ombudsman"),
            json={"helpful": 5, "respected": 5, "would_recommend": True, "matter_resolved": True,
                  "token": exit_token(keys)},
        )  # fmt: skip
        assert forbidden.status_code == 403


async def test_csv_matches_json(known: Analytics) -> None:
    response = await known.client.get(
        "/v1/analytics/statistics/cases-by-location",
        params={**YEARS, "format": "csv"}, headers=known.auth(),
    )  # fmt: skip
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    latest = next(r for r in rows if r["year"] == "2024")
    assert latest["headquarters"] == "10"
    assert latest["headquarters_percent"] == "43.5"
    assert latest["total"] == "23"


async def test_only_analysts_and_the_chief_read_statistics(known: Analytics) -> None:
    for role in ("visitor", "ombudsman", "mediator", "hr_portal", "registry", "auditor"):
        response = await known.client.get(
            "/v1/analytics/statistics/cases-opened", headers=known.auth(role)
        )
        assert response.status_code == 403, role
    for role in ("analyst", "chief"):
        response = await known.client.get(
            "/v1/analytics/statistics/cases-opened", headers=known.auth(role)
        )
        assert response.status_code == 200, role
    assert (await known.client.get("/v1/analytics/statistics/nothing",
                                   headers=known.auth())).status_code == 404  # fmt: skip


async def test_a_duplicate_event_changes_nothing(known: Analytics) -> None:
    before = await known.statistic("cases-opened", **YEARS)
    known.sequence -= 1  # the last event again, under the same id
    assert await known.events(
        ("mediation.closed", {"mediation_key": "a" * 32, "closed_month": "2024-09",
                              "outcome": "settled"})
    ) == ["duplicate"]  # fmt: skip
    assert await known.statistic("cases-opened", **YEARS) == before


async def test_rebuilding_the_rollup_gives_the_incremental_figures(known: Analytics) -> None:
    from sqlalchemy import select

    from analytics.facts.models import CaseCount
    from analytics.facts.service import rebuild_rollups
    from ombuds_shared.db import create_engine, create_session_maker

    engine = create_engine(known.database_url)
    try:
        async with create_session_maker(engine)() as session:
            query = select(
                CaseCount.dimension, CaseCount.year, CaseCount.pillar, CaseCount.office,
                CaseCount.value, CaseCount.count,
            )  # fmt: skip
            incremental = sorted(tuple(r) for r in await session.execute(query))
            await rebuild_rollups(session=session)
            rebuilt = sorted(tuple(r) for r in await session.execute(query))
    finally:
        await engine.dispose()
    assert len(incremental) > 20
    assert rebuilt == incremental


async def test_filters_out_of_range_are_client_errors(analytics: Analytics) -> None:
    wrong: list[dict[str, object]] = [
        {"from_year": 2025, "to_year": 2020}, {"from_year": 1990, "to_year": 2060},
        {"pillar": "everything"}, {"office": "Jonas Okafor"}, {"format": "pdf"},
    ]  # fmt: skip
    for params in wrong:
        response = await analytics.client.get(
            "/v1/analytics/statistics/cases-opened", params=params, headers=analytics.auth()
        )
        assert response.status_code == 422, params
        assert response.headers["content-type"] == "application/problem+json"


async def test_workplace_answers_name_a_known_office_of_their_pillar(analytics: Analytics) -> None:
    for change, field in (({"office": "atlantis"}, "office"), ({"pillar": "unhcr"}, "pillar")):
        response = await analytics.client.post(
            "/v1/analytics/surveys/workplace", headers=analytics.auth(),
            json={"responses": [_answer(True, True, True), _answer(False, True, True) | change]},
        )  # fmt: skip
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["errors"][0]["loc"] == ["body", "responses", 1, field]
    doc = await analytics.statistic("workplace-survey", **YEARS)
    assert cells(doc, 2024)["respondents"] == 0  # the batch is refused whole
