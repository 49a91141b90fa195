"""Services killed (SIGKILL) in the middle of workflows: every acknowledged write survives.

The client keeps a ledger of what the system acknowledged. Anything that was
not acknowledged is retried with the same Idempotency-Key, so after the
restarts the system must hold each acknowledged write exactly once, and no
half-written records.
"""

from __future__ import annotations

import httpx
import pytest

from ombuds import system
from ombuds.tokens import dev_token

from .delivery import delivered_exactly_once, query
from .kills import Killer, SteadyClient, restart

pytestmark = pytest.mark.faults

OFFICE = "vienna"


def _body(n: int) -> dict[str, object]:
    return {
        "visitor": {"name": f"Fault Visitor {n}", "email": f"fault{n}@example.org"},
        "pillar": "secretariat", "office": OFFICE, "location": "headquarters",
        "occupational_group": "general_service", "consent_to_contact": True,
    }  # fmt: skip


def test_intake_killed_repeatedly_loses_and_duplicates_nothing(
    fragile_system: system.System,
) -> None:
    running = fragile_system
    portal = dev_token(running.data_dir, role="hr_portal", subject="fault-portal")
    ombudsman = dev_token(running.data_dir, role="ombudsman", subject="fault-omb", office=OFFICE)
    ledger: dict[str, str] = {}  # idempotency key -> acknowledged reference
    with httpx.Client(base_url=running.url("gateway"), timeout=10,
                      headers={"Authorization": f"Bearer {portal}"}) as http:  # fmt: skip
        client = SteadyClient(http)
        # The killer strikes on its own clock, so kills land in the middle of requests.
        with Killer(running, "intake", times=3, every=0.4) as killer:
            for n in range(40):
                key = f"fault-{n}"
                response = client.until_answered("POST", "/v1/intake/requests", json=_body(n),
                                                 headers={"Idempotency-Key": key})  # fmt: skip
                assert response.status_code == 201, response.text
                ledger[key] = response.json()["reference"]
            killer.finish()
        # Replaying every acknowledged key gives the same reference: nothing was doubled.
        for n, (key, reference) in enumerate(ledger.items()):
            again = client.until_answered("POST", "/v1/intake/requests", json=_body(n),
                                          headers={"Idempotency-Key": key})  # fmt: skip
            assert again.json()["reference"] == reference
    with httpx.Client(base_url=running.url("gateway"), timeout=10,
                      headers={"Authorization": f"Bearer {ombudsman}"}) as office:  # fmt: skip
        queue = office.get("/v1/intake/requests", params={"limit": "200"}).json()["items"]
        references = [item["reference"] for item in queue]
        assert sorted(references) == sorted(ledger.values())
        # No half-written record: every request still opens with its sealed identity (read one
        # at a time: a list carries no identity).
        for reference in references:
            read = office.get(f"/v1/intake/requests/{reference}")
            assert read.status_code == 200, read.text
            assert read.json()["visitor"]["name"].startswith("Fault Visitor")


def test_cases_killed_during_accepts_opens_each_case_once(
    system_with_quick_relays: system.System,
) -> None:
    running = system_with_quick_relays
    visitor = dev_token(running.data_dir, role="visitor", subject="fault-visitor")
    ombudsman = dev_token(running.data_dir, role="ombudsman", subject="fault-omb", office=OFFICE)
    references = []
    with httpx.Client(base_url=running.url("gateway"), timeout=10) as client:
        steady = SteadyClient(client)
        for n in range(12):
            response = client.post("/v1/intake/requests", json=_body(n),
                                   headers={"Authorization": f"Bearer {visitor}"})  # fmt: skip
            references.append(response.json()["reference"])
        auth = {"Authorization": f"Bearer {ombudsman}"}
        accepted: dict[str, str] = {}
        for n, reference in enumerate(references):
            if n in (3, 8):
                running.kill("cases")
                down = client.post(f"/v1/intake/requests/{reference}/accept", headers=auth)
                assert down.status_code == 503  # refused cleanly while cases is away
                assert down.headers["content-type"] == "application/problem+json"
                restart(running, "cases")
            response = steady.until_answered("POST", f"/v1/intake/requests/{reference}/accept",
                                             headers=auth)  # fmt: skip
            assert response.status_code == 200, response.text
            accepted[reference] = response.json()["case_id"]
        cases = client.get("/v1/cases", params={"limit": "200"}, headers=auth).json()["items"]
        assert sorted(c["id"] for c in cases) == sorted(accepted.values())
    # The relay died with cases, twice: each of its events still reaches analytics once.
    produced = delivered_exactly_once(running)
    assert len(produced["cases"]) >= len(accepted)
    assert query(running, "analytics", "SELECT count(*) FROM case_fact")[0][0] == len(accepted)
