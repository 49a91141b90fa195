"""Services killed (SIGKILL) in the middle of workflows: every acknowledged write survives.

The client keeps a ledger of what the system acknowledged. Anything that was
not acknowledged is retried with the same Idempotency-Key, so after the
restarts the system must hold each acknowledged write exactly once, and no
half-written records.
"""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from ombuds import system
from ombuds.tokens import dev_token

pytestmark = pytest.mark.faults

OFFICE = "vienna"


def _body(n: int) -> dict[str, object]:
    return {
        "visitor": {"name": f"Fault Visitor {n}", "email": f"fault{n}@example.org"},
        "pillar": "secretariat", "office": OFFICE, "location": "headquarters",
        "occupational_group": "general_service", "consent_to_contact": True,
    }  # fmt: skip


def _until_acknowledged(
    client: httpx.Client, method: str, path: str, within: float = 90.0, **kwargs: object
) -> httpx.Response:
    """Retries a call (same body, same key) until the system answers it, within bounds.

    The bound is time, not a count of tries: a restarted service may take many seconds
    to start on a busy machine, and each try against it fails fast."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            response = client.request(method, path, **kwargs)  # type: ignore[arg-type]
        except httpx.TransportError:
            time.sleep(0.25)
            continue
        if response.status_code in (502, 503, 504):
            time.sleep(0.25)
            continue
        return response
    raise AssertionError(f"{method} {path} never answered")


def _restart(running: system.System, name: str) -> None:
    running.start_one(name)
    running.wait_healthy(timeout=60, names=[name])


def _kill_repeatedly(running: system.System, name: str, times: int, every: float) -> None:
    for _ in range(times):
        time.sleep(every)
        running.kill(name)
        _restart(running, name)


def test_intake_killed_repeatedly_loses_and_duplicates_nothing(
    fragile_system: system.System,
) -> None:
    running = fragile_system
    portal = dev_token(running.data_dir, role="hr_portal", subject="fault-portal")
    ombudsman = dev_token(running.data_dir, role="ombudsman", subject="fault-omb", office=OFFICE)
    ledger: dict[str, str] = {}  # idempotency key -> acknowledged reference
    # The killer strikes on its own clock, so kills land in the middle of requests.
    killer = threading.Thread(target=_kill_repeatedly, args=(running, "intake", 3, 0.4))
    with httpx.Client(base_url=running.url("gateway"), timeout=10,
                      headers={"Authorization": f"Bearer {portal}"}) as client:  # fmt: skip
        killer.start()
        for n in range(40):
            key = f"fault-{n}"
            response = _until_acknowledged(client, "POST", "/v1/intake/requests", json=_body(n),
                                           headers={"Idempotency-Key": key})  # fmt: skip
            assert response.status_code == 201, response.text
            ledger[key] = response.json()["reference"]
        killer.join(timeout=120)
        assert not killer.is_alive()
        # Replaying every acknowledged key gives the same reference: nothing was doubled.
        for n, (key, reference) in enumerate(ledger.items()):
            again = _until_acknowledged(client, "POST", "/v1/intake/requests", json=_body(n),
                                        headers={"Idempotency-Key": key})  # fmt: skip
            assert again.json()["reference"] == reference
    with httpx.Client(base_url=running.url("gateway"), timeout=10,
                      headers={"Authorization": f"Bearer {ombudsman}"}) as office:  # fmt: skip
        queue = office.get("/v1/intake/requests", params={"limit": "200"}).json()["items"]
        references = [item["reference"] for item in queue]
        assert sorted(references) == sorted(ledger.values())
        # No half-written record: every request still opens with its sealed identity.
        assert all(item["visitor"]["name"].startswith("Fault Visitor") for item in queue)


def test_cases_killed_during_accepts_opens_each_case_once(fragile_system: system.System) -> None:
    running = fragile_system
    visitor = dev_token(running.data_dir, role="visitor", subject="fault-visitor")
    ombudsman = dev_token(running.data_dir, role="ombudsman", subject="fault-omb", office=OFFICE)
    references = []
    with httpx.Client(base_url=running.url("gateway"), timeout=10) as client:
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
                _restart(running, "cases")
            response = _until_acknowledged(client, "POST",
                                           f"/v1/intake/requests/{reference}/accept",
                                           headers=auth)  # fmt: skip
            assert response.status_code == 200, response.text
            accepted[reference] = response.json()["case_id"]
        cases = client.get("/v1/cases", params={"limit": "200"}, headers=auth).json()["items"]
        assert sorted(c["id"] for c in cases) == sorted(accepted.values())
