"""The gateway, or cases, killed (SIGKILL) again and again while an office works its cases.

Visitors submit requests and an ombudsman takes them on as cases, all through
the gateway, while the gateway (the one way in, and the relays' one way to
analytics) or cases (with its relay) dies under them. The client keeps a ledger of what was
acknowledged, or found by reading to have taken effect unanswered. A
submission is retried with its Idempotency-Key; accepting a request and taking
a case are idempotent by nature (accepted again, the same case; taken again
by the same ombudsman, no change); a declaration, an issue and a status have
no key, so each is retried only after a read says it did not take effect.

Afterwards every write in the ledger is there exactly once, and every event
of the producers' outboxes is in analytics exactly once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from ombuds import system
from ombuds.tokens import dev_token

from .delivery import delivered_exactly_once, query
from .kills import Killer, SteadyClient

pytestmark = pytest.mark.faults

OFFICE = "vienna"
OMBUDSMAN = "gw-omb"
KILLS, KILL_EVERY_SECONDS = 3, 1.0
MIN_ROUNDS, MAX_ROUNDS = 4, 40


def _request(n: int) -> dict[str, object]:
    return {"visitor": {"name": f"Gateway Visitor {n}", "email": f"gw{n}@example.org"},
            "pillar": "secretariat", "office": OFFICE, "location": "headquarters",
            "occupational_group": "general_service", "consent_to_contact": True}  # fmt: skip


def _codes(n: int) -> tuple[str, ...]:
    return ("2.b", "4.a") if n % 2 else ("8.b",)


def _auth(running: system.System, role: str, subject: str, **office: str) -> dict[str, str]:
    return {"Authorization": "Bearer " + dev_token(running.data_dir, role=role, subject=subject,
                                                   **office)}  # fmt: skip


class Office:
    """A visitor's portal and an ombudsman of the office, both through the gateway."""

    def __init__(self, running: system.System, client: SteadyClient) -> None:
        self.client = client
        self.portal = _auth(running, "hr_portal", "gw-portal")
        self.ombudsman = _auth(running, "ombudsman", OMBUDSMAN, office=OFFICE)

    def read(self, path: str, **params: str) -> Any:
        return self.client.read(path, params=params, headers=self.ombudsman)

    def submit(self, n: int) -> str:
        """A visitor's request, sent again with its key until acknowledged."""
        headers = {**self.portal, "Idempotency-Key": f"gw-{n}"}
        answer = self.client.until_answered(
            "POST", "/v1/intake/requests", json=_request(n), headers=headers
        )
        assert answer.status_code in (200, 201), answer.text
        return str(answer.json()["reference"])

    def accept(self, reference: str) -> str:
        """Accepts a request; accepted again, it names the same case."""
        answer = self.client.until_answered(
            "POST", f"/v1/intake/requests/{reference}/accept", headers=self.ombudsman
        )
        assert answer.status_code == 200, answer.text
        return str(answer.json()["case_id"])

    def write(
        self, path: str, body: dict[str, Any], status: int, took_effect: Callable[[], bool]
    ) -> None:
        answer = self.client.write_once(
            "POST", path, took_effect, json=body, headers=self.ombudsman
        )
        if answer is not None:
            assert answer.status_code == status, f"{path}: {answer.text}"

    def handle(self, case_id: str, codes: tuple[str, ...]) -> None:
        """Declares no conflict, takes the case, codes its issues and puts it in progress."""
        case = f"/v1/cases/{case_id}"

        def declared() -> bool:
            return bool(self.read(f"{case}/assignments")["declarations"])

        self.write(f"{case}/conflict-declarations", {"has_conflict": False}, 201, declared)
        taken = self.client.until_answered(
            "POST", f"{case}/assignment", json={}, headers=self.ombudsman
        )
        assert taken.status_code == 200, taken.text
        for code in codes:

            def coded(code: str = code) -> bool:
                return code in {i["code"] for i in self.read(f"{case}/issues")}

            self.write(f"{case}/issues", {"code": code}, 201, coded)

        def in_progress() -> bool:
            return bool(self.read(case)["status"] == "in_progress")

        self.write(f"{case}/status", {"status": "in_progress"}, 200, in_progress)


@pytest.mark.parametrize("killed", ["gateway", "cases"])
def test_killed_repeatedly_during_casework_loses_and_doubles_nothing(
    system_with_quick_relays: system.System, killed: str
) -> None:
    running = system_with_quick_relays
    requests: dict[int, str] = {}  # n (its Idempotency-Key) -> acknowledged reference
    cases: dict[str, str] = {}  # reference -> the case its acceptance opened
    coded: dict[str, tuple[str, ...]] = {}  # case -> its issues
    with httpx.Client(base_url=running.url("gateway"), timeout=10) as http:
        office = Office(running, SteadyClient(http))
        with Killer(running, killed, times=KILLS, every=KILL_EVERY_SECONDS) as killer:
            for n in range(MAX_ROUNDS):
                if n >= MIN_ROUNDS and not killer.killing:
                    break
                requests[n] = office.submit(n)
                cases[requests[n]] = office.accept(requests[n])
                coded[cases[requests[n]]] = _codes(n)
                office.handle(cases[requests[n]], _codes(n))
            killer.finish()
        assert office.client.unanswered > 0, "the kills should have caught the client mid-work"

        # Each submission is there once: its key, sent again, names the same request ...
        for n, reference in requests.items():
            assert office.submit(n) == reference
        queue = office.read("/v1/intake/requests", limit="200")
        assert queue["next_cursor"] is None
        assert sorted(r["reference"] for r in queue["items"]) == sorted(requests.values())
        assert {r["reference"]: r["status"] for r in queue["items"]} == dict.fromkeys(
            requests.values(), "accepted"
        )
        # ... each acceptance opened one case, and each case holds its writes once.
        listed = office.read("/v1/cases", limit="200")
        assert sorted(c["id"] for c in listed["items"]) == sorted(cases.values())
        for case_id, codes in coded.items():
            assert office.read(f"/v1/cases/{case_id}")["status"] == "in_progress"
            history = office.read(f"/v1/cases/{case_id}/assignments")
            assert [d["ombudsman"] for d in history["declarations"]] == [OMBUDSMAN]
            assert [a["assignee"] for a in history["assignments"]] == [OMBUDSMAN]
            issues = office.read(f"/v1/cases/{case_id}/issues")
            assert sorted(i["code"] for i in issues) == sorted(codes)

    # The relays delivered as the gateway died, or died with cases: each event is in analytics
    # once, applied once.
    delivered_exactly_once(running)
    assert query(running, "analytics", "SELECT count(*) FROM case_fact")[0][0] == len(cases)
    issues = query(running, "analytics", "SELECT count(*) FROM case_issue")[0][0]
    assert issues == sum(len(codes) for codes in coded.values())
