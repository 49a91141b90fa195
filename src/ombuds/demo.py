"""Realistic synthetic demo data, loaded through the public API like any client would."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
from faker import Faker

from ombuds import progress
from ombuds.gateway_client import gateway_client
from ombuds.tokens import dev_token
from ombuds_shared.reference import INITIAL_OFFICES, Location, OccupationalGroup
from ombuds_shared.taxonomy import SUBCATEGORIES, SYSTEMIC_ISSUES

Report = Callable[[str], None]

# Offices that take requests from people (the Mediation Service takes referrals).
_INTAKE_OFFICES = [
    (code, pillar) for code, _, _, pillar, _ in INITIAL_OFFICES if code != "mediation-service"
]
_GROUP_WEIGHTS = {
    OccupationalGroup.INTERNATIONAL_PROFESSIONAL: 30,
    OccupationalGroup.GENERAL_SERVICE: 30,
    OccupationalGroup.NATIONAL_OFFICER: 10,
    OccupationalGroup.FIELD_SERVICE: 8,
    OccupationalGroup.DIRECTOR_AND_ABOVE: 4,
    OccupationalGroup.FORMER_STAFF_OR_RETIREE: 6,
    OccupationalGroup.NON_STAFF: 10,
    OccupationalGroup.UNKNOWN: 2,
}
_DECLINE_REASONS = ["outside_mandate", "formal_process_more_suitable", "duplicate_request"]
# Every status a case can be in; accepted requests cycle through them so each shows up.
_CASE_STATES = ["opened", "in_progress", "on_hold", "closed"]
_CLOSURE_REASONS = [
    "resolved",
    "options_provided",
    "referred",
    "visitor_withdrew",
    "not_amenable",
    "no_further_contact",
]
# Mediation is left out: opening one needs the mediation service's intake of referrals.
_SERVICES = [
    "consultation",
    "options",
    "coaching",
    "facilitation",
    "problem_solving",
    "shuttle_diplomacy",
    "referral",
]
_FORMAL_CHANNELS = [
    "staff_legal_assistance",
    "management_evaluation",
    "ethics_office",
    "investigations",
    "medical_or_staff_counselling",
]
_ISSUE_WEIGHTS = {"2": 30, "3": 15, "4": 20, "1": 8, "6": 10, "8": 10, "5": 4, "7": 2, "9": 1}


def load_demo(
    gateway_url: str, data_dir: Path, *, requests: int = 60, seed: int = 7, report: Report = print
) -> dict[str, int]:
    """Submits intake requests on every channel and triages most of them."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    fake = Faker(["en_US", "fr_FR", "es_ES"])
    fake.seed_instance(seed)
    counts = {"submitted": 0, "accepted": 0, "declined": 0, "pending": 0}
    counts |= {f"case_{state}": 0 for state in _CASE_STATES}
    run = uuid.uuid4().hex[:6]
    with (
        gateway_client(gateway_url, timeout=30.0) as client,
        progress.bar(requests, "demo", "request") as shown,
    ):
        for number in range(1, requests + 1):
            office, pillar = rng.choice(_INTAKE_OFFICES)
            channel = rng.choices(["visitor", "hr_portal", "referring_office"], [70, 20, 10])[0]
            reference = _submit(
                client, data_dir, rng, fake, office, pillar, channel, f"{run}-{number}"
            )
            counts["submitted"] += 1
            outcome = rng.choices(["accept", "decline", "pending"], [70, 10, 20])[0]
            ombudsman = dev_token(
                data_dir, role="ombudsman", subject=f"ombudsman-{office}", office=office
            )
            headers = {"Authorization": f"Bearer {ombudsman}"}
            if outcome == "accept":
                accepted = _ok(
                    client.post(f"/v1/intake/requests/{reference}/accept", headers=headers)
                )
                state = _CASE_STATES[counts["accepted"] % len(_CASE_STATES)]
                _handle_case(client, rng, headers, accepted.json()["case_id"], state)
                counts["accepted"] += 1
                counts[f"case_{state}"] += 1
            elif outcome == "decline":
                body = {"reason": rng.choice(_DECLINE_REASONS)}
                _ok(
                    client.post(
                        f"/v1/intake/requests/{reference}/decline", json=body, headers=headers
                    )
                )
                counts["declined"] += 1
            else:
                counts["pending"] += 1
            shown.update(1)
            # On a terminal the bar shows the steps; the last line is printed anyway.
            if number == requests or (shown.disable and number % 10 == 0):
                report(f"  demo: {number}/{requests} requests ({counts})")
    return counts


def _handle_case(
    client: httpx.Client, rng: random.Random, headers: dict[str, str], case_id: str, state: str
) -> None:
    """Takes a case as the office's ombudsman would, up to the given status."""
    if state == "opened":
        return  # waiting in the office's queue, not yet assigned
    base = f"/v1/cases/{case_id}"
    _ok(client.post(f"{base}/conflict-declarations", json={"has_conflict": False}, headers=headers))
    _ok(client.post(f"{base}/assignment", json={}, headers=headers))
    categories = rng.choices(list(_ISSUE_WEIGHTS), list(_ISSUE_WEIGHTS.values()), k=2)
    for category in dict.fromkeys(categories):
        codes = [code for code in SUBCATEGORIES if code.startswith(f"{category}.")]
        _ok(client.post(f"{base}/issues", json={"code": rng.choice(codes)}, headers=headers))
    for service in dict.fromkeys(rng.sample(_SERVICES, rng.randint(1, 2))):
        _ok(client.post(f"{base}/services", json={"service": service}, headers=headers))
    if rng.random() < 0.3:
        channel = rng.choice(_FORMAL_CHANNELS)
        _ok(client.post(f"{base}/referrals", json={"formal_channel": channel}, headers=headers))
    if rng.random() < 0.4:
        issue = rng.choice(list(SYSTEMIC_ISSUES))
        _ok(client.post(f"{base}/systemic-issues", json={"systemic_issue": issue}, headers=headers))
    if rng.random() < 0.5:
        note = "Synthetic demo note: first meeting held, options discussed."
        _ok(client.post(f"{base}/notes", json={"body": note}, headers=headers))
    _ok(client.post(f"{base}/status", json={"status": "in_progress"}, headers=headers))
    if state == "on_hold":
        _ok(client.post(f"{base}/status", json={"status": "on_hold"}, headers=headers))
    elif state == "closed":
        body = {"status": "closed", "closure_reason": rng.choice(_CLOSURE_REASONS)}
        _ok(client.post(f"{base}/status", json=body, headers=headers))


def _submit(
    client: httpx.Client,
    data_dir: Path,
    rng: random.Random,
    fake: Faker,
    office: str,
    pillar: str,
    channel: str,
    key: str,
) -> str:
    name = fake.name()
    body: dict[str, object] = {
        "visitor": {
            "name": name,
            "email": f"{fake.user_name()}@example.org",
            "staff_index_number": str(rng.randint(100000, 999999)),
            "preferred_contact": rng.choice(["email", "video_call", "in_person"]),
        },
        "pillar": pillar,
        "office": office,
        "location": rng.choice(list(Location)).value,
        "occupational_group": rng.choices(list(_GROUP_WEIGHTS), list(_GROUP_WEIGHTS.values()))[0],
    }
    if channel == "visitor":
        token = dev_token(data_dir, role="visitor", subject=f"visitor-{key}")
    elif channel == "hr_portal":
        token = dev_token(data_dir, role="hr_portal", subject="hr-portal-demo")
        body["consent_to_contact"] = True
    else:
        token = dev_token(data_dir, role="referring_office", subject="osla-demo")
        body["consent_to_contact"] = True
        body["referring_unit"] = "staff_legal_assistance"
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"demo-{key}"}
    response = _ok(client.post("/v1/intake/requests", json=body, headers=headers))
    return str(response.json()["reference"])


def _ok(response: httpx.Response) -> httpx.Response:
    if response.status_code >= 400:
        raise RuntimeError(
            f"{response.request.method} {response.request.url.path} "
            f"answered {response.status_code}: {response.text[:300]}"
        )
    return response
