"""Global recoding before suppression: the office's 2016 mediation figures publish whole.

The office's 2016 report (seeds/001): 134 mediations opened (97 secretariat, 10 funds and
programmes, 27 UNHCR), 57 settled and 7 not settled (a resolution rate of 89%), 58 that
could not proceed because a party declined, 1 resolved before mediation, 11 still open;
four group processes with about 65 participants, the largest of 25 and the smallest of
12; 41% referred by the Dispute Tribunal, 40% by the parties, 19% by other offices.

With suppression alone, the one case resolved before mediation is withheld, then "not
settled" (7) as its complement, and the resolution rate goes with it. With recoding, the
one case is merged into "did not proceed" with the declined ones, and every headline
figure survives. The attacker of test_disclosure.py then polls every slice and year range
and must find no merged-away category published anywhere.
"""

from __future__ import annotations

import csv
import io
import itertools
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from analytics.config import AnalyticsSettings
from analytics.statistics.disclosure import ALL, NEIGHBOURS, cube, protect, recode
from ombuds_shared.reference import Pillar
from ombuds_testing import TestDatabases, TestKeys, app_client

from .conftest import Analytics, build, cells, pseudonym
from .test_disclosure import _intervals

YEAR = 2016
ONLY_2016 = {"from_year": YEAR, "to_year": YEAR}
DID_NOT_PROCEED = ["party_declined", "resolved_before_mediation", "withdrawn"]

# pillar, referral source, outcome, how many, (group process participants, if a group)
OFFICE_2016: list[tuple[str, str, str, int, int | None]] = [
    ("secretariat", "dispute_tribunal", "party_declined", 45, None),
    ("secretariat", "ombudsman", "settled", 10, None),
    ("secretariat", "self_referral", "settled", 27, None),
    ("secretariat", "self_referral", "settled", 1, 25),
    ("secretariat", "self_referral", "settled", 1, 16),
    ("secretariat", "self_referral", "settled", 1, 12),
    ("secretariat", "dispute_tribunal", "not_settled", 5, None),
    ("secretariat", "management_evaluation_unit", "resolved_before_mediation", 1, None),
    ("secretariat", "dispute_tribunal", "open", 4, None),
    ("secretariat", "self_referral", "open", 1, None),
    ("secretariat", "self_referral", "open", 1, 12),
    ("funds_and_programmes", "self_referral", "settled", 6, None),
    ("funds_and_programmes", "staff_legal_assistance", "party_declined", 2, None),
    ("funds_and_programmes", "self_referral", "open", 2, None),
    ("unhcr", "self_referral", "settled", 8, None),
    ("unhcr", "administration", "settled", 3, None),
    ("unhcr", "self_referral", "not_settled", 2, None),
    ("unhcr", "ombudsman", "party_declined", 11, None),
    ("unhcr", "self_referral", "open", 3, None),
]


async def _load_2016(a: Analytics) -> None:
    for pillar, source, outcome, n, people in OFFICE_2016:
        await a.mediations(
            n, year=YEAR, source=source, outcome=None if outcome == "open" else outcome,
            group=people is not None, participants=people, pillar=pillar,
        )  # fmt: skip


@pytest.fixture
async def office_2016(analytics: Analytics) -> Analytics:
    await _load_2016(analytics)
    return analytics


def test_without_recoding_the_rate_would_be_lost() -> None:
    """The issue's finding, on the cube alone: suppression withholds "not settled"."""
    rows = [("outcome", YEAR, "secretariat", "mediation-service", outcome, n)
            for outcome, n in (("settled", 57), ("not_settled", 7), ("party_declined", 58),
                               ("resolved_before_mediation", 1), ("open", 11))]  # fmt: skip
    rows.append(("mediations", YEAR, "secretariat", "mediation-service", "", 134))
    partitions = {"outcome": "mediations"}
    key = ("outcome", YEAR, ALL, ALL, "not_settled")
    plain = protect(*cube(rows, partitions), 5)
    assert plain.count(key) is None  # the complement of the one resolved before mediation
    recoded, merges = recode(rows, 5, NEIGHBOURS)
    kept = protect(*cube(recoded, partitions), 5, merges=merges)
    assert kept.count(key) == 7
    assert kept.count(("outcome", YEAR, ALL, ALL, "did_not_proceed")) == 59
    assert kept.merged_into(("outcome", YEAR, ALL, ALL, "resolved_before_mediation")) == (
        "did_not_proceed"
    )


async def test_the_2016_resolution_rate_is_published_through_a_merge(
    office_2016: Analytics,
) -> None:
    a = office_2016
    rate = await a.statistic("mediation-resolution-rate", **ONLY_2016)
    assert cells(rate, YEAR) == {"settled": 57, "not_settled": 7, "resolution_rate": 89.1}
    outcomes = await a.statistic("mediation-outcomes", **ONLY_2016)
    assert outcomes["columns"][-2:] == ["did_not_proceed", "total"]
    assert cells(outcomes, YEAR) == {
        "settled": 57, "not_settled": 7, "party_declined": None,
        "resolved_before_mediation": None, "withdrawn": None, "open": 11,
        "did_not_proceed": 59, "total": 134,
    }  # fmt: skip
    row = outcomes["rows"][0]["cells"]
    assert row["resolved_before_mediation"] == {
        "count": None, "merged_into": "did_not_proceed", "percent": None,
    }  # fmt: skip
    assert row["did_not_proceed"]["percent"] == 44.0  # 59 / 134
    # Every merge and every withheld cell is stated in the notes, machine-readable.
    disclosure = outcomes["notes"]["disclosure"]
    assert disclosure["threshold"] == 5
    assert disclosure["merged"] == [
        {"year": YEAR, "into": "did_not_proceed", "members": DID_NOT_PROCEED}
    ]
    assert disclosure["withheld"] == []
    assert "did_not_proceed" in outcomes["notes"]["labels"]
    # Referral sources: the one referral by the management evaluation unit merges the
    # other offices, as the office's report groups them (41% / 40% / 19%).
    sources = await a.statistic("mediation-referral-sources", **ONLY_2016)
    found = sources["rows"][0]["cells"]
    assert found["dispute_tribunal"] == {"count": 54, "percent": 40.3}
    assert found["self_referral"] == {"count": 53, "percent": 39.6}
    assert found["other_offices"] == {"count": 27, "percent": 20.1}
    # The four group processes and their 65 participants: weighed by the people they cover.
    opened = await a.statistic("mediation-opened", **ONLY_2016)
    assert cells(opened, YEAR) == {
        "opened": 134, "group_processes": 4, "individual": 130,
        "participants_in_group_processes": 65,
    }  # fmt: skip
    groups = await a.statistic("group-processes", **ONLY_2016)
    assert cells(groups, YEAR) == {
        "group_processes": 4, "participants": 65, "smallest_group": 12, "largest_group": 25,
    }  # fmt: skip


async def test_the_notes_are_printed_under_the_csv(office_2016: Analytics) -> None:
    response = await office_2016.client.get(
        "/v1/analytics/statistics/mediation-outcomes",
        params={**ONLY_2016, "pillar": "unhcr", "format": "csv"}, headers=office_2016.auth(),
    )  # fmt: skip
    assert response.status_code == 200
    table, _, notes = response.text.partition("\n\n")
    rows = list(csv.DictReader(io.StringIO(table)))
    assert rows[0]["settled"] == "11"
    assert rows[0]["resolved_before_mediation"] == ""
    lines = [line for line in csv.reader(io.StringIO(notes)) if line]
    assert all(line[0] == "note" for line in lines)
    text = " ".join(line[1] for line in lines)
    assert "Counts from 1 to 4 are withheld" in text
    assert "published together as did_not_proceed" in text
    # UNHCR's 2 not settled and 3 open are withheld, with a complement; the note names the
    # cells without telling which ones were the small ones.
    assert "2016: withheld not_settled, open, did_not_proceed." in text
    document = await office_2016.statistic("mediation-outcomes", pillar="unhcr", **ONLY_2016)
    withheld = [c["column"] for c in document["notes"]["disclosure"]["withheld"]]
    assert withheld == ["not_settled", "open", "did_not_proceed"]
    assert rows[0]["did_not_proceed"] == ""


async def test_no_slice_or_year_range_publishes_a_merged_away_category(
    office_2016: Analytics,
) -> None:
    """The differencing attack on a merge: every filter and several year ranges, including
    ones where a neighbouring year is not merged; no answer may show a category of 2016
    on its own, and every withheld cell keeps a range of at least 2 values."""
    a = office_2016
    # 2015: resolved before mediation is large enough to stand alone.
    for outcome, n in (("resolved_before_mediation", 6), ("party_declined", 8),
                       ("settled", 9)):  # fmt: skip
        await a.mediations(n, year=2015, source="self_referral", outcome=outcome, group=False)
    seen: dict[tuple[str, str, str], int | None] = {}
    ranges = [(YEAR, YEAR), (2015, YEAR), (2015, 2017), (YEAR, 2017)]
    for (first, last), pillar, office in itertools.product(
        ranges, [None, *Pillar], [None, "mediation-service"]
    ):
        params: dict[str, Any] = {"from_year": first, "to_year": last}
        p, o = (pillar.value if pillar else ALL), (office or ALL)
        if pillar:
            params["pillar"] = pillar.value
        if office:
            params["office"] = office
        document = await a.statistic("mediation-outcomes", **params)
        row = next(r for r in document["rows"] if r["year"] == YEAR)["cells"]
        for member in DID_NOT_PROCEED:
            assert row[member]["count"] is None, (params, member)
            assert row[member]["merged_into"] == "did_not_proceed"
        for value, cell in row.items():
            if "merged_into" in cell:
                continue
            key = (p, o, value)
            assert seen.get(key, cell["count"]) == cell["count"], (params, value)
            seen[key] = cell["count"]
        if first <= 2015:  # the year beside stands alone: no merge there
            earlier = next(r for r in document["rows"] if r["year"] == 2015)["cells"]
            assert "merged_into" not in earlier["resolved_before_mediation"]
            # The merged column reads the same over the years: the sum of its members.
            if pillar is None:
                assert earlier["did_not_proceed"]["count"] == 6 + 8
    # The attacker's intervals over the outcome partition and the pillar margins.
    published = {
        (("mediations" if v == "total" else "outcome"), p, o, "" if v == "total" else v): n
        for (p, o, v), n in seen.items()
    }
    withheld = [k for k, n in published.items() if n is None]
    assert withheld  # UNHCR's small "not settled" and its complements
    bounds = _intervals(published)
    for key in withheld:
        lo, hi = bounds[key]
        assert hi - lo >= 1, (key, lo, hi)


def test_the_merge_is_decided_on_the_year_overall_never_on_a_slice() -> None:
    """A slice with a small member does not merge on its own (it would publish the other
    slices' members beside a merged one); the whole year merges or none of it does."""
    rows = [("outcome", YEAR, "unhcr", "unhcr", "resolved_before_mediation", 2),
            ("outcome", YEAR, "secretariat", "nairobi", "resolved_before_mediation", 9),
            ("outcome", YEAR, "secretariat", "nairobi", "party_declined", 9)]  # fmt: skip
    recoded, merges = recode(rows, 5, NEIGHBOURS)
    assert merges == ()
    assert recoded == rows
    rows.append(("outcome", 2017, "unhcr", "unhcr", "withdrawn", 1))
    recoded, merges = recode(rows, 5, NEIGHBOURS)
    assert [(m.year, m.into) for m in merges] == [(2017, "did_not_proceed")]
    assert recoded[:3] == rows[:3]
    assert recoded[3][4] == "did_not_proceed"


async def test_thresholds_per_statistic_and_their_groups(
    keys: TestKeys, databases: TestDatabases, tmp_path: Path
) -> None:
    overrides = {"group-processes": 70, "exit-survey": 3}
    app, url = await build(keys, databases, tmp_path, suppression_thresholds=overrides)
    async with app_client(app) as client:
        a = Analytics(client, keys, url)
        await _load_2016(a)
        # The mediation statistics share one cube: all are protected at the highest.
        for name in ("group-processes", "mediation-outcomes", "mediation-resolution-rate"):
            assert (await a.statistic(name, **ONLY_2016))["threshold"] == 70, name
        groups = cells(await a.statistic("group-processes", **ONLY_2016), YEAR)
        assert groups["group_processes"] is None  # 65 people, fewer than 70
        rate = cells(await a.statistic("mediation-resolution-rate", **ONLY_2016), YEAR)
        assert rate["resolution_rate"] is None  # 7 not settled, below 70
        assert (await a.statistic("exit-survey", **ONLY_2016))["threshold"] == 3
        assert (await a.statistic("workplace-survey", **ONLY_2016))["threshold"] == 5
        assert (await a.statistic("cases-opened", **ONLY_2016))["threshold"] == 5
    with pytest.raises(ValidationError, match="unknown statistics"):
        AnalyticsSettings(suppression_thresholds={"no-such-statistic": 3})
    with pytest.raises(ValidationError, match="from 2 to 100"):
        AnalyticsSettings(suppression_thresholds={"exit-survey": 1})


async def test_cases_by_intake_channel_merge_and_hide_rare_codes(analytics: Analytics) -> None:
    a = analytics
    for channel, n in (("visitor", 6), ("in_person", 5), ("hr_portal", 5), ("phone", 3),
                       ("email", 4), ("referring_office", 4), ("carrier_pigeon", 2)):  # fmt: skip
        events = []
        for i in range(n):
            events.append(("case.opened", {
                "case_key": pseudonym(f"channel-{channel}-{i}"), "opened_month": "2024-02",
                "pillar": "secretariat", "office": "nairobi", "location": "headquarters",
                "occupational_group": "general_service", "intake_channel": channel,
                "is_group": False, "participant_count": None,
            }))  # fmt: skip
        assert set(await a.events(*events)) == {"stored"}
    document = await a.statistic("cases-by-intake-channel", from_year=2024, to_year=2024)
    assert {k: v for k, v in cells(document, 2024).items() if v is not None} == {
        "visitor": 6, "in_person": 5, "hr_portal": 5, "phone_or_email": 7,
        "other_channels": 6, "total": 29,
    }  # fmt: skip
    assert "carrier_pigeon" not in str(document)  # an unknown code is filed as "other"
    assert {m["into"] for m in document["notes"]["merged"]} == {
        "phone_or_email", "other_channels"
    }  # fmt: skip


async def test_mediation_issue_categories_count_each_mediation_once(analytics: Analytics) -> None:
    a = analytics
    events = []
    for n, codes in enumerate([["2.b", "2.c"]] * 6 + [["4.a"]] * 5 + [["6.i", "4.a"]] * 2):
        events.append(("mediation.opened", {
            "mediation_key": pseudonym(f"mediation-issues-{n}"), "opened_month": "2024-05",
            "pillar": "secretariat", "office": "mediation-service",
            "referral_source": "self_referral", "is_group": False, "participant_count": None,
            "issue_codes": codes, "from_case": False,
        }))  # fmt: skip
    assert set(await a.events(*events)) == {"stored"}
    document = await a.statistic("mediation-issue-categories", from_year=2024, to_year=2024)
    found = cells(document, 2024)
    assert (found["2"], found["4"], found["total"]) == (6, 7, 13)
    assert found["6"] is None  # 2 mediations: withheld
    assert document["rows"][0]["top_three"] == ["4", "2"]
    assert document["notes"]["labels"]["4"] == "Job and career"


async def test_survey_coverage_counts_units_and_countries(analytics: Analytics) -> None:
    def answer(year: int, unit: str, country: str) -> dict[str, Any]:
        return {"year": year, "pillar": "secretariat", "office": "nairobi", "unit": unit,
                "country": country, "conflict_last_three_months": True,
                "stress_above_acceptable": False, "hours_per_week_on_conflict": 3.0}  # fmt: skip

    answers = [answer(2024, "monusco", "CD")] * 3 + [answer(2024, "unmiss", "SS")] * 2
    answers += [answer(2024, "unon", "KE")] * 2 + [answer(2023, "unon", "KE")] * 3
    response = await analytics.client.post(
        "/v1/analytics/surveys/workplace", json={"responses": answers}, headers=analytics.auth()
    )
    assert response.status_code == 201, response.text
    document = await analytics.statistic("survey-coverage", from_year=2023, to_year=2024)
    assert cells(document, 2024) == {
        "respondents": 7, "units": 3, "countries": 3, "ombudsman_offices": 1,
    }  # fmt: skip
    assert set(cells(document, 2023).values()) == {None}  # 3 respondents: withheld
    bad = await analytics.client.post(
        "/v1/analytics/surveys/workplace",
        json={"responses": [answer(2024, "unon", "Kenya")]}, headers=analytics.auth(),
    )  # fmt: skip
    assert bad.status_code == 422


async def test_time_to_resolution_counts_the_cases_closed_within_each_band(
    analytics: Analytics,
) -> None:
    events = []
    for n, days in enumerate([7] * 6 + [63] * 5):
        key = pseudonym(f"resolution-{n}")
        events += [
            ("case.opened", {
                "case_key": key, "opened_month": "2024-01", "pillar": "secretariat",
                "office": "nairobi", "location": "headquarters",
                "occupational_group": "general_service", "intake_channel": "visitor",
                "is_group": False, "participant_count": None,
            }),
            ("case.closed", {"case_key": key, "closed_month": "2024-04",
                             "closure_reason": "resolved", "days_open": days}),
        ]  # fmt: skip
    assert set(await analytics.events(*events)) == {"stored"}
    document = await analytics.statistic("time-to-resolution", from_year=2024, to_year=2024)
    assert cells(document, 2024) == {
        "resolved": 11, "median_days": 7, "within_30": 6, "within_30_share": 54.5,
        "within_90": 11, "within_90_share": 100.0, "within_180": 11, "within_180_share": 100.0,
    }  # fmt: skip


async def test_small_groups_are_withheld_and_their_sizes_go_together(analytics: Analytics) -> None:
    a = analytics
    # 2024: a group of 3 and one of 20 (23 people: the count is published); 2023: a group
    # of 3 alone (withheld, with the individual mediations as its complement).
    for year, people in ((2024, 3), (2024, 20), (2023, 3)):
        await a.mediations(1, year=year, source="self_referral", outcome="settled",
                           group=True, participants=people)  # fmt: skip
    for year in (2023, 2024):
        await a.mediations(6, year=year, source="self_referral", outcome="settled", group=False)
    document = await a.statistic("group-processes", from_year=2023, to_year=2024)
    # The smallest group has 3 people: neither size is shown (23 - 20 would give it away).
    assert cells(document, 2024) == {
        "group_processes": 2, "participants": 23, "smallest_group": None, "largest_group": None,
    }  # fmt: skip
    assert set(cells(document, 2023).values()) == {None}
    opened = cells(await a.statistic("mediation-opened", from_year=2023, to_year=2023), 2023)
    assert opened == {"opened": 7, "group_processes": None, "individual": None,
                      "participants_in_group_processes": None}  # fmt: skip
