"""Several years of synthetic de-identified history, so the annual report looks real.

Cases and mediations are imported as an office's history is (`POST /v1/imports/...`,
the administrator's; docs/import.md): real records with their original dates, whose
events the services' relays deliver through the gateway's projection; nothing is
forged. Staff headcounts, outreach and surveys go through the public API with dev
tokens. A data folder holds one demo history: loading it
again adds nothing unless asked (`again`).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from ombuds.gateway_client import gateway_client
from ombuds.tokens import dev_token
from ombuds_shared.keys import SigningKey, load_private_key
from ombuds_shared.reference import INITIAL_OFFICES, Location, OccupationalGroup, Pillar
from ombuds_shared.taxonomy import SUBCATEGORIES, SYSTEMIC_ISSUES, TAXONOMY_VERSION
from ombuds_shared.tokens import mint_exit_survey_token

Report = Callable[[str], None]
Event = dict[str, Any]

_OFFICES = {
    pillar.value: [code for code, _, _, p, _ in INITIAL_OFFICES
                   if p == pillar.value and code != "mediation-service"]
    for pillar in Pillar
}  # fmt: skip
_PILLAR_SHARE = {"secretariat": 62, "funds_and_programmes": 22, "unhcr": 16}
_GROUPS = {
    OccupationalGroup.INTERNATIONAL_PROFESSIONAL: 30, OccupationalGroup.GENERAL_SERVICE: 28,
    OccupationalGroup.NATIONAL_OFFICER: 10, OccupationalGroup.FIELD_SERVICE: 8,
    OccupationalGroup.DIRECTOR_AND_ABOVE: 4, OccupationalGroup.FORMER_STAFF_OR_RETIREE: 6,
    OccupationalGroup.NON_STAFF: 11, OccupationalGroup.UNKNOWN: 3,
}  # fmt: skip
_LOCATIONS = {Location.HEADQUARTERS: 35, Location.OFFICE_AWAY_FROM_HEADQUARTERS: 40,
              Location.FIELD_MISSION: 25}  # fmt: skip
# Evaluative relationships and job and career lead, as in the office's published reports.
_CATEGORY_WEIGHTS = {"1": 9, "2": 30, "3": 8, "4": 24, "5": 6, "6": 9, "7": 7, "8": 12, "9": 3}
_SERVICES = ["consultation", "options", "coaching", "facilitation", "problem_solving",
             "shuttle_diplomacy", "referral"]  # fmt: skip
_CLOSURES = ["resolved", "options_provided", "referred", "visitor_withdrew", "not_amenable",
             "no_further_contact"]  # fmt: skip
_CHANNELS = ["staff_legal_assistance", "management_evaluation", "ethics_office",
             "investigations", "medical_or_staff_counselling"]  # fmt: skip
_SOURCES = {"dispute_tribunal": 22, "management_evaluation_unit": 14,
            "staff_legal_assistance": 8, "ombudsman": 26, "administration": 10,
            "self_referral": 20}  # fmt: skip
_OUTCOMES = {"settled": 45, "not_settled": 18, "party_declined": 14,
             "resolved_before_mediation": 13, "withdrawn": 5}  # fmt: skip
_ACTIVITIES = {"information_session": 30, "workshop": 25, "training": 15, "town_hall": 8,
               "induction": 10, "senior_officials_meeting": 7,
               "stakeholder_meeting": 5}  # fmt: skip
_DIMENSIONS = ["workload", "role_clarity", "supervisor_support", "colleague_relations",
               "recognition", "fairness", "communication", "change_management"]  # fmt: skip
_HEADCOUNTS = {"secretariat": (17_000, 20_000), "funds_and_programmes": (11_000, 21_000),
               "unhcr": (4_000, 13_000)}  # fmt: skip
BATCH = 500
IMPORT_BATCH = 200
# Written once a data folder's demo history is loaded: one line per history.
HISTORY_MARKER = ".demo-history"


def _pick(rng: random.Random, weights: dict[Any, int]) -> Any:
    return rng.choices(list(weights), list(weights.values()))[0]


def _day(rng: random.Random, year: int, after: dt.date | None = None) -> dt.date:
    start = after or dt.date(year, 1, 1)
    end = dt.date(year, 12, 31)
    return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _case_record(
    rng: random.Random, year: int, growth: float, *, source_system: str, number: int
) -> dict[str, Any]:
    """A case of the demo history, as the import schema takes it (docs/import.md)."""
    pillar = _pick(rng, _PILLAR_SHARE)
    opened = _day(rng, year).isoformat()
    is_group = rng.random() < 0.03
    weights = dict(_CATEGORY_WEIGHTS)
    weights["6"] = int(weights["6"] * growth)  # well-being issues grow over the years
    issues = []
    for category in sorted({_pick(rng, weights) for _ in range(rng.choice([1, 1, 2, 2, 3]))}):
        codes = [c for c in SUBCATEGORIES if c.startswith(f"{category}.")]
        issues.append({"code": rng.choice(codes), "taxonomy_version": TAXONOMY_VERSION})
    record: dict[str, Any] = {
        "source_system": source_system, "source_id": f"{year}-{number:06d}",
        "office": rng.choice(_OFFICES[pillar]), "pillar": pillar,
        "location": _pick(rng, _LOCATIONS).value,
        "occupational_group": _pick(rng, _GROUPS).value,
        "intake_channel": rng.choice(["visitor", "hr_portal"]), "is_group": is_group,
        "participant_count": rng.randint(4, 25) if is_group else 1, "opened_on": opened,
        "issues": issues, "services": [{"service": rng.choice(_SERVICES), "given_on": opened}],
    }  # fmt: skip
    if rng.random() < 0.15:
        record["systemic_issues"] = [{"systemic_issue": rng.choice(list(SYSTEMIC_ISSUES))}]
    if rng.random() < 0.1:
        record["referrals"] = [{"formal_channel": rng.choice(_CHANNELS), "referred_on": opened}]
    if rng.random() < 0.9:
        record["closed_on"] = _day(rng, year, dt.date.fromisoformat(opened)).isoformat()
        record["closure_reason"] = rng.choice(_CLOSURES)
    return record


def _import(
    client: httpx.Client, token: str, records: list[dict[str, Any]], what: str = "cases"
) -> int:
    """Imports the cases (or mediations) through the gateway; how many are new."""
    created = 0
    for start in range(0, len(records), IMPORT_BATCH):
        response = client.post(f"/v1/imports/{what}", headers={"Authorization": f"Bearer {token}"},
                               json={"records": records[start:start + IMPORT_BATCH]})  # fmt: skip
        _ok(response)
        results = response.json()["results"]
        refused = [r for r in results if r["outcome"] not in ("created", "unchanged")]
        if refused:
            raise RuntimeError(f"{len(refused)} demo {what} were refused: {refused[0]}")
        created += sum(r["outcome"] == "created" for r in results)
    return created


def _await_statistics(
    client: httpx.Client, headers: dict[str, str], opened: Counter[int], *,
    statistic: str = "cases-opened", column: str = "total", timeout: float = 300,
) -> None:  # fmt: skip
    """Waits (bounded) until analytics counts at least the imported records in each year:
    the services' relays deliver their events in the background."""
    years = sorted(opened)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = client.get(f"/v1/analytics/statistics/{statistic}", headers=headers,
                            params={"from_year": years[0], "to_year": years[-1]})  # fmt: skip
        _ok(answer)
        counted = {row["year"]: row["cells"][column]["count"] for row in answer.json()["rows"]}
        if all((counted.get(year) or 0) >= opened[year] for year in years):
            return
        time.sleep(0.5)
    raise RuntimeError("analytics did not receive the demo history's events in time")


def _mediation_record(
    rng: random.Random, year: int, *, source_system: str, number: int
) -> dict[str, Any]:
    """A mediation of the demo history, as the import schema takes it (docs/import.md)."""
    opened = _day(rng, year)
    day = opened.isoformat()
    is_group = rng.random() < 0.12
    record: dict[str, Any] = {
        "kind": "mediation", "source_system": source_system,
        "source_id": f"{year}-m{number:05d}", "pillar": _pick(rng, _PILLAR_SHARE),
        "referral_source": _pick(rng, _SOURCES), "is_group": is_group,
        "participant_count": rng.randint(5, 30) if is_group else 2,
        "issue_codes": [rng.choice(["2.b", "2.f", "4.a", "4.h", "1.c"])], "opened_on": day,
    }  # fmt: skip
    if rng.random() < 0.1 and year >= dt.datetime.now(dt.UTC).year - 1:
        return record  # still open
    outcome = _pick(rng, _OUTCOMES)
    agreed = {"agreement": "agreed", "responded_on": day}
    if outcome == "party_declined":
        record["parties"] = [agreed, {"agreement": "declined", "responded_on": day}]
    elif outcome in ("settled", "not_settled"):
        record["parties"] = [agreed, {**agreed, "represents_administration": True}]
        record["started_on"] = day
        record["sessions"] = [{"held_on": day, "mode": rng.choice(["in_person", "remote"])}
                              for _ in range(rng.randint(1, 4))]  # fmt: skip
    record["closed_on"] = _day(rng, year, opened).isoformat()
    record["outcome"] = outcome
    return record


def _workplace_answers(rng: random.Random, year: int) -> list[dict[str, Any]]:
    answers = []
    for _ in range(rng.randint(60, 140)):
        pillar = _pick(rng, _PILLAR_SHARE)
        exposed = {d: rng.random() < 0.35 for d in _DIMENSIONS}
        # Conflict is likelier where workload, supervision and fairness are rated poorly.
        risk = (
            0.18
            + 0.22 * exposed["workload"]
            + 0.2 * exposed["supervisor_support"]
            + 0.15 * exposed["fairness"]
            + 0.05 * exposed["communication"]
        )
        conflict = rng.random() < min(risk, 0.95)
        answers.append({
            "year": year, "pillar": pillar, "office": rng.choice(_OFFICES[pillar]),
            "conflict_last_three_months": conflict,
            "stress_above_acceptable": rng.random() < (0.55 if conflict else 0.2),
            "hours_per_week_on_conflict": round(rng.uniform(2, 9) if conflict
                                                else rng.uniform(0, 2), 1),
            "dimensions": exposed,
        })  # fmt: skip
    return answers


def load_analytics_demo(
    gateway_url: str, data_dir: Path, report: Report = print, *,
    years: int = 8, cases_per_year: int = 600, seed: int = 11, again: bool = False,
    wait: bool = True,
) -> dict[str, int]:  # fmt: skip
    """Loads `years` complete years of history for every pillar, up to last year, cases
    and mediations through the import routes. A data folder that has a demo history gets
    no second one unless `again`. With `wait`, returns once analytics counts it all (the
    services' relays deliver its events in the background)."""
    counts = {"cases": 0, "mediations": 0, "outreach": 0, "survey_responses": 0}
    marker = data_dir / HISTORY_MARKER
    histories = marker.read_text().splitlines() if marker.exists() else []
    if histories and not again:
        report("  analytics: this data folder has its demo history already (--again adds one)")
        return counts
    source_system = f"demo-{len(histories) + 1}"
    rng = random.Random(seed + len(histories))  # noqa: S311 - synthetic data, not secrets
    last = dt.datetime.now(dt.UTC).year - 1
    chief = {"Authorization": f"Bearer {dev_token(data_dir, role='chief', subject='demo-chief')}"}
    administrator = dev_token(data_dir, role="administrator", subject="demo-administrator")
    opened: Counter[int] = Counter()
    mediations_opened: Counter[int] = Counter()
    with gateway_client(gateway_url, timeout=120.0) as client:
        for offset, year in enumerate(range(last - years + 1, last + 1)):
            growth = 1 + offset * 0.12
            volume = int(cases_per_year * growth)
            cases = [_case_record(rng, year, growth, source_system=source_system, number=n)
                     for n in range(volume)]  # fmt: skip
            counts["cases"] += _import(client, administrator, cases)
            opened[year] += volume
            mediations = [_mediation_record(rng, year, source_system=source_system, number=n)
                          for n in range(volume // 8)]  # fmt: skip
            counts["mediations"] += _import(client, administrator, mediations, "mediations")
            mediations_opened[year] += volume // 8
            for pillar, (international, national) in _HEADCOUNTS.items():
                staff = {"international": int(international * (1 + offset * 0.01)),
                         "national": int(national * (1 + offset * 0.015))}  # fmt: skip
                _ok(client.put(f"/v1/analytics/headcounts/{year}/{pillar}", headers=chief,
                               json=staff))  # fmt: skip
            for _ in range(rng.randint(30, 60)):
                pillar = _pick(rng, _PILLAR_SHARE)
                _ok(client.post("/v1/analytics/outreach", headers=chief, json={
                    "activity_type": _pick(rng, _ACTIVITIES),
                    "held_on": _day(rng, year).isoformat(),
                    "office": rng.choice(_OFFICES[pillar]), "participants": rng.randint(8, 180),
                }))  # fmt: skip
                counts["outreach"] += 1
            answers = _workplace_answers(rng, year)
            _ok(client.post("/v1/analytics/surveys/workplace", headers=chief,
                            json={"responses": answers}))  # fmt: skip
            counts["survey_responses"] += len(answers)
            report(f"  analytics {year}: {volume} cases, {volume // 8} mediations")
        if wait:
            _await_statistics(client, chief, opened)
            _await_statistics(client, chief, mediations_opened, statistic="mediation-opened",
                              column="opened")  # fmt: skip
        else:
            report("  analytics: the history's events reach analytics in the background")
        with marker.open("a") as written:
            written.write(f"{source_system} {dt.datetime.now(dt.UTC).isoformat()}\n")
        # Exit surveys are answered by visitors, each with the one-time token the cases
        # service hands over on closure (minted here with its key), and kept under the
        # current year only: published once this year closes.
        closing = SigningKey.for_owner(load_private_key(data_dir / "keys" / "cases.pem"), "cases")
        for number in range(rng.randint(25, 40)):
            visitor = dev_token(data_dir, role="visitor", subject=f"demo-visitor-{number}")
            token = mint_exit_survey_token(closing, issuer="cases")
            _ok(client.post("/v1/analytics/surveys/exit",
                            headers={"Authorization": f"Bearer {visitor}"}, json={
                                "helpful": rng.choice([3, 4, 4, 5, 5]),
                                "respected": rng.choice([4, 5, 5]),
                                "would_recommend": rng.random() < 0.85,
                                "matter_resolved": rng.random() < 0.6,
                                "token": token}))  # fmt: skip
            counts["survey_responses"] += 1
    report(f"  analytics: annual report at {gateway_url}/v1/analytics/reports/annual/{last}")
    return counts


def _ok(response: httpx.Response) -> None:
    if response.status_code >= 400:
        raise RuntimeError(f"{response.request.method} {response.request.url.path}: "
                           f"{response.status_code} {response.text[:300]}")  # fmt: skip
