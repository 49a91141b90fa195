"""Issue 16, items 5 and 6, through the running gateway and the real event pipeline.

Last year's mediations are emitted as the mediation service emits them (their issue codes
on `mediation.opened`), pass the gateway's projection, and reach analytics; the analyst
then reads, through the gateway (REST and GraphQL), the outcome table with one mediation
resolved before mediation merged into "did not proceed", the resolution rate it keeps,
the issue categories of mediations, and the group processes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from analytics.facts.models import MediationIssue
from ombuds_testing import TestDatabases, TestKeys

from .conftest import Stack
from .pipeline import analytics_scalar, count_of, mediation_life, new_id, producer_behind_gateway

LAST_YEAR = dt.datetime.now(dt.UTC).year - 1
ONLY_LAST_YEAR = {"from_year": LAST_YEAR, "to_year": LAST_YEAR}

# outcome, how many, issue codes, group process participants (None: not a group)
HISTORY: list[tuple[str, int, list[str], int | None]] = [
    ("settled", 8, ["4.a", "4.c"], None),
    ("settled", 1, ["3.a"], 14),
    ("not_settled", 5, ["2.b"], None),
    ("party_declined", 6, ["4.a"], None),
    ("resolved_before_mediation", 1, ["2.b"], None),
]


def _row(document: dict[str, Any]) -> dict[str, Any]:
    (row,) = [r for r in document["rows"] if r["year"] == LAST_YEAR]
    return {c: cell.get("count", cell.get("value")) for c, cell in row["cells"].items()}


async def test_merged_outcomes_and_mediation_issues_through_the_gateway(
    stack: Stack, keys: TestKeys, databases: TestDatabases, tmp_path: Any
) -> None:
    async with producer_behind_gateway(
        "mediation", stack, keys=keys, databases=databases, tmp_path=tmp_path
    ) as (_gateway, mediation):
        for outcome, n, codes, people in HISTORY:
            for _ in range(n):
                await mediation.emit(mediation_life(
                    new_id(), year=LAST_YEAR, outcome=outcome, issue_codes=codes,
                    is_group=people is not None, participant_count=people or 2,
                ))  # fmt: skip
        await mediation.drained()
    # The issue codes crossed the projection under the mediation's pseudonym.
    assert await analytics_scalar(stack, count_of(MediationIssue)) == 8 * 2 + 1 + 5 + 6 + 1
    assert (
        await analytics_scalar(
            stack, select(MediationIssue.category).where(MediationIssue.issue_code == "3.a")
        )
        == "3"
    )
    analyst = stack.auth("analyst")

    async def statistic(name: str) -> dict[str, Any]:
        response = await stack.gateway.get(
            f"/v1/analytics/statistics/{name}", params=ONLY_LAST_YEAR, headers=analyst
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    outcomes = await statistic("mediation-outcomes")
    assert {k: v for k, v in _row(outcomes).items() if v is not None} == {
        "settled": 9, "not_settled": 5, "did_not_proceed": 7, "open": 0, "total": 21,
    }  # fmt: skip
    assert outcomes["notes"]["disclosure"]["merged"] == [{
        "year": LAST_YEAR, "into": "did_not_proceed",
        "members": ["party_declined", "resolved_before_mediation", "withdrawn"],
    }]  # fmt: skip
    assert _row(await statistic("mediation-resolution-rate"))["resolution_rate"] == 64.3
    categories = _row(await statistic("mediation-issue-categories"))
    assert (categories["4"], categories["2"], categories["3"]) == (14, 6, None)
    # One group process of 14 people: published (weighed by its people), its size too.
    assert _row(await statistic("group-processes")) == {
        "group_processes": 1, "participants": 14, "smallest_group": 14, "largest_group": 14,
    }  # fmt: skip
    # GraphQL reads the same route, and says where a merged category went.
    query = """query($from: Int, $to: Int) { statistic(name: "mediation-outcomes",
        fromYear: $from, toYear: $to) { columns rows { year cells { column count
        suppressed mergedInto } } } }"""
    answer = await stack.gateway.post(
        "/graphql", json={"query": query, "variables": {"from": LAST_YEAR, "to": LAST_YEAR}},
        headers=analyst,
    )  # fmt: skip
    assert "errors" not in answer.json(), answer.text
    (row,) = answer.json()["data"]["statistic"]["rows"]
    by_column = {c["column"]: c for c in row["cells"]}
    assert by_column["resolved_before_mediation"] == {
        "column": "resolved_before_mediation", "count": None, "suppressed": False,
        "mergedInto": "did_not_proceed",
    }  # fmt: skip
    assert by_column["did_not_proceed"]["count"] == 7
