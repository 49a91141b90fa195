"""Demo mediations in every state, with certificates, loaded through the public API."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from ombuds.gateway_client import gateway_client
from ombuds.tokens import dev_token

Report = Callable[[str], None]

OFFICE = "mediation-service"
_ISSUES = ["2.b", "2.e", "2.m", "3.b", "4.a", "4.h", "7.c", "8.b"]
# The life each demo mediation is driven through, and how it ends.
_SCRIPT = [
    ("referred", "dispute_tribunal"),
    ("agreement_pending", "management_evaluation_unit"),
    ("in_mediation", "dispute_tribunal"),
    ("settled", "dispute_tribunal"),
    ("not_settled", "appeals_tribunal"),
    ("party_declined", "staff_legal_assistance"),
    ("resolved_before_mediation", "self_referral"),
    ("withdrawn", "administration"),
    ("settled", "ombudsman"),
    ("in_mediation", "self_referral"),
]


class _Demo:
    def __init__(self, client: httpx.Client, data_dir: Path, rng: random.Random, run: str) -> None:
        self.client = client
        self.rng = rng
        self.run = run
        token = dev_token(data_dir, role="mediator", subject="mediator-demo", office=OFFICE)
        self.mediator = {"Authorization": f"Bearer {token}"}
        # Each tribunal's registry asks for its own cases' certificates.
        self.registries = {
            tribunal: {
                "Authorization": "Bearer "
                + dev_token(
                    data_dir, role="registry", subject=f"registry-{tribunal}", tribunal=tribunal
                )
            }
            for tribunal in ("dispute_tribunal", "appeals_tribunal")
        }
        self.today = dt.datetime.now(dt.UTC).date()

    def day(self, days_ago: int) -> str:
        return (self.today - dt.timedelta(days=days_ago)).isoformat()

    def call(self, method: str, path: str, body: Any = None, *, registry: str | None = None) -> Any:
        headers = self.registries[registry] if registry else self.mediator
        response = self.client.request(method, path, json=body, headers=headers)
        if response.status_code >= 400:
            raise RuntimeError(
                f"{method} {path} answered {response.status_code}: {response.text[:300]}"
            )
        return response.json()

    def open(self, number: int, source: str) -> dict[str, Any]:
        group = number == 9
        body: dict[str, Any] = {
            "pillar": self.rng.choice(["secretariat", "funds_and_programmes", "unhcr"]),
            "office": OFFICE,
            "referral_source": source,
            "issue_codes": self.rng.sample(_ISSUES, 2),
            "is_group": group,
            "participant_count": 14 if group else 2,
            "parties": [
                {"reference": f"D{self.run}-{number}-A"},
                {"reference": f"D{self.run}-{number}-B", "represents_administration": True},
            ],
        }
        if source.endswith("_tribunal"):
            prefix = "UNDT/NY" if source == "dispute_tribunal" else "UNAT"
            body["tribunal_reference"] = {
                "tribunal": source,
                "case_number": f"{prefix}/{self.today.year}/{self.run}{number:02d}",
                "referral_date": self.day(60),
            }
        return dict(self.call("POST", "/v1/mediations", body))

    def drive(self, number: int, target: str, source: str) -> dict[str, Any]:
        mediation = self.open(number, source)
        # No step predates the referral: a tribunal's referral is dated 60 days back, so its
        # story spreads over those days; any other was received today, and all of it is today.
        day = self.day if source.endswith("_tribunal") else (lambda _: self.day(0))
        path = f"/v1/mediations/{mediation['id']}"
        if target == "referred":
            return mediation
        if target == "withdrawn":
            return dict(
                self.call("POST", f"{path}/close", {"outcome": "withdrawn", "closed_on": day(40)})
            )
        self.call("POST", f"{path}/accept", {"accepted_on": day(55)})
        if source == "management_evaluation_unit":
            self.call(
                "POST",
                f"{path}/deadlines",
                {"kind": "management_evaluation", "started_on": day(20)},
            )
        if target == "agreement_pending":
            return mediation
        if target == "resolved_before_mediation":
            return dict(
                self.call("POST", f"{path}/close", {"outcome": target, "closed_on": day(30)})
            )
        first, second = mediation["parties"]
        self.call(
            "POST", f"{path}/parties/{first['id']}/agreement", {"agrees": True, "on": day(50)}
        )
        if target == "party_declined":
            return dict(
                self.call(
                    "POST",
                    f"{path}/parties/{second['id']}/agreement",
                    {"agrees": False, "on": day(48)},
                )
            )
        self.call(
            "POST", f"{path}/parties/{second['id']}/agreement", {"agrees": True, "on": day(48)}
        )
        self.call("POST", f"{path}/declarations", {"has_conflict": False})
        self.call("PUT", f"{path}/mediator", {})
        self.call(
            "POST",
            f"{path}/start",
            {"started_on": day(45), "basis": "first_session", "mode": "in_person"},
        )
        self.call("POST", f"{path}/sessions", {"held_on": day(30), "mode": "remote"})
        if source == "dispute_tribunal":
            extension = self.call(
                "POST", f"{path}/extensions", {"requested_on": day(5), "requested_days": 30}
            )
            self.call(
                "POST",
                f"{path}/extensions/{extension['id']}/decision",
                {"granted": True, "decided_on": day(2)},
            )
        if target == "in_mediation":
            return dict(self.call("GET", path))
        close: dict[str, Any] = {"outcome": target, "closed_on": day(10)}
        if target == "settled":
            close["settlement_signed_on"] = day(10)
        return dict(self.call("POST", f"{path}/close", close))

    def certify(self, mediation: dict[str, Any], *, reissue: bool) -> int:
        """A registry asks, a mediator issues; an ended mediation gets its final certificate."""
        reference = mediation.get("tribunal_reference")
        if not reference or not mediation.get("started_on"):
            return 0
        request = self.call(
            "POST",
            "/v1/certificates/requests",
            {
                "tribunal": reference["tribunal"],
                "tribunal_case_number": reference["case_number"],
            },
            registry=reference["tribunal"],
        )
        path = f"/v1/mediations/{mediation['id']}/certificates"
        self.call("POST", path, {"request_id": request["id"]})
        if reissue:
            self.call("POST", path, {})
            return 2
        return 1


def load_mediation_demo(
    gateway_url: str, data_dir: Path, report: Report = print, *, seed: int = 11
) -> dict[str, int]:
    """Creates mediations in every state, with certificates, through the public API."""
    counts: dict[str, int] = {"mediations": 0, "certificates": 0}
    run = uuid.uuid4().hex[:4].upper()
    with gateway_client(gateway_url, timeout=30.0) as client:
        demo = _Demo(client, data_dir, random.Random(seed), run)  # noqa: S311 - synthetic data
        for number, (target, source) in enumerate(_SCRIPT, start=1):
            mediation = demo.drive(number, target, source)
            counts["mediations"] += 1
            counts[target] = counts.get(target, 0) + 1
            counts["certificates"] += demo.certify(mediation, reissue=target == "not_settled")
        # A request the office declines: no mediation answers to this case number.
        request = demo.call(
            "POST",
            "/v1/certificates/requests",
            {
                "tribunal": "dispute_tribunal",
                "tribunal_case_number": f"UNDT/NBI/{run}/404",
            },
            registry="dispute_tribunal",
        )
        demo.call(
            "POST",
            f"/v1/certificates/requests/{request['id']}/decline",
            {"reason": "no_such_mediation"},
        )
    report(f"  demo: {counts['mediations']} mediations, {counts['certificates']} certificates")
    return counts
