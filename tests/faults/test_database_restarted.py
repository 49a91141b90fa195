"""PostgreSQL restarted under load: services recover by themselves, no acknowledged write is lost.

The system runs on a private PostgreSQL instance (never the shared cluster),
with one database per service. Client threads keep writing and reading through
the gateway while the server is stopped (fast shutdown), kept down for a moment
and started again. The requests caught in the outage must fail quickly with 503
problem details -- no other 5xx, no hang -- the services must answer normally
again within seconds without being restarted, and every write the system
acknowledged must be there afterwards.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from ombuds import system
from ombuds.tokens import dev_token
from ombuds_testing import TestDatabases

from ..e2e.conftest import system_running
from .private_postgres import PrivatePostgres, missing_binaries, private_postgres

pytestmark = pytest.mark.faults

OFFICE = "vienna"
CLIENTS = 4
DOWN_SECONDS = 2.0
# From the moment PostgreSQL accepts connections again until every request succeeds.
RECOVERY_BOUND_SECONDS = 5.0
# A request caught in the outage is answered within this; longer counts as a hang.
ANSWER_BOUND_SECONDS = 12.0


@dataclass(frozen=True)
class Outcome:
    operation: str
    started: float
    finished: float
    status: int | None  # None: no answer at all (timeout, connection lost)
    content_type: str = ""
    retry_after: str | None = None
    error: str = ""


@dataclass
class Ledger:
    """What the system acknowledged, and how each call ended."""

    intake_references: list[str] = field(default_factory=list)
    case_ids: list[str] = field(default_factory=list)
    mediation_ids: list[str] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def system_on_private_postgres(
    tmp_path_factory: pytest.TempPathFactory, databases: TestDatabases
) -> Iterator[tuple[system.System, PrivatePostgres]]:
    if not databases.on_postgres:
        pytest.skip("restarts PostgreSQL: runs only when the suite runs on PostgreSQL "
                    "(OMBUDS_TEST_DATABASE_URL)")  # fmt: skip
    if (why := missing_binaries()) is not None:
        pytest.skip(why)
    with private_postgres() as server:
        own = TestDatabases(tmp_path_factory.mktemp("private-pg"), admin_url=server.admin_url)
        data_dir = tmp_path_factory.mktemp("ombuds-db-restart")
        with system_running(data_dir, own) as running:
            yield running, server


def _tokens(data_dir: Path) -> dict[str, str]:
    return {
        "portal": dev_token(data_dir, role="hr_portal", subject="restart-portal"),
        "ombudsman": dev_token(data_dir, role="ombudsman", subject="restart-omb", office=OFFICE),
        "mediator": dev_token(
            data_dir, role="mediator", subject="restart-med", office="mediation-service"
        ),
        "analyst": dev_token(data_dir, role="analyst", subject="restart-analyst"),
    }


def _operations(tokens: dict[str, str], ledger: Ledger) -> list[tuple[str, Callable[..., object]]]:
    """The client's mix: writes to intake, cases and mediation; reads of each, and analytics."""

    def auth(who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[who]}"}

    def submit(client: httpx.Client) -> tuple[httpx.Response, Callable[[], None]]:
        body = {"visitor": {"name": "Restart Visitor", "email": "restart@example.org"},
                "pillar": "secretariat", "office": OFFICE, "location": "headquarters",
                "occupational_group": "general_service", "consent_to_contact": True}  # fmt: skip
        headers = {**auth("portal"), "Idempotency-Key": uuid.uuid4().hex}
        response = client.post("/v1/intake/requests", json=body, headers=headers)
        return response, lambda: ledger.intake_references.append(response.json()["reference"])

    def open_case(client: httpx.Client) -> tuple[httpx.Response, Callable[[], None]]:
        body = {"pillar": "secretariat", "location": "headquarters",
                "occupational_group": "general_service", "intake_channel": "in_person"}  # fmt: skip
        response = client.post("/v1/cases", json=body, headers=auth("ombudsman"))
        return response, lambda: ledger.case_ids.append(response.json()["id"])

    def open_mediation(client: httpx.Client) -> tuple[httpx.Response, Callable[[], None]]:
        body = {"pillar": "secretariat", "referral_source": "self_referral",
                "parties": [{"reference": "P-1"}, {"reference": "P-2"}]}  # fmt: skip
        response = client.post("/v1/mediations", json=body, headers=auth("mediator"))
        return response, lambda: ledger.mediation_ids.append(response.json()["id"])

    def read_case(client: httpx.Client) -> tuple[httpx.Response, None]:
        with ledger.lock:
            known = random.choice(ledger.case_ids)
        return client.get(f"/v1/cases/{known}", headers=auth("ombudsman")), None

    def read_queue(client: httpx.Client) -> tuple[httpx.Response, None]:
        path = "/v1/intake/requests"
        return client.get(path, params={"limit": "20"}, headers=auth("ombudsman")), None

    def read_mediations(client: httpx.Client) -> tuple[httpx.Response, None]:
        path = "/v1/mediations"
        return client.get(path, params={"limit": "20"}, headers=auth("mediator")), None

    def read_statistic(client: httpx.Client) -> tuple[httpx.Response, None]:
        path = "/v1/analytics/statistics/cases-opened"
        return client.get(path, headers=auth("analyst")), None

    return [("submit request", submit), ("open case", open_case),
            ("open mediation", open_mediation), ("read case", read_case),
            ("read queue", read_queue), ("read mediations", read_mediations),
            ("read statistic", read_statistic)]  # fmt: skip


def _client_loop(gateway: str, operations: list, ledger: Ledger, stop: threading.Event,
                 offset: int) -> None:  # fmt: skip
    with httpx.Client(base_url=gateway, timeout=ANSWER_BOUND_SECONDS) as client:
        for turn in range(offset, offset + 100_000):  # bounded; `stop` ends it long before
            if stop.is_set():
                return
            name, operation = operations[turn % len(operations)]
            started = time.monotonic()
            try:
                response, acknowledge = operation(client)
            except httpx.TransportError as exc:
                outcome = Outcome(name, started, time.monotonic(), None, error=repr(exc))
            else:
                outcome = Outcome(name, started, time.monotonic(), response.status_code,
                                  response.headers.get("content-type", ""),
                                  response.headers.get("retry-after"))  # fmt: skip
                if response.is_success and acknowledge is not None:
                    with ledger.lock:
                        acknowledge()
            with ledger.lock:
                ledger.outcomes.append(outcome)


def test_services_ride_out_a_database_restart(
    system_on_private_postgres: tuple[system.System, PrivatePostgres],
) -> None:
    running, server = system_on_private_postgres
    tokens = _tokens(running.data_dir)
    ledger = Ledger()
    operations = _operations(tokens, ledger)
    gateway = running.url("gateway")
    with httpx.Client(base_url=gateway, timeout=10) as client:  # one case to read from the start
        _, acknowledge = dict(operations)["open case"](client)
        acknowledge()
    stop = threading.Event()
    clients = [threading.Thread(target=_client_loop, args=(gateway, operations, ledger, stop, n))
               for n in range(CLIENTS)]  # fmt: skip
    for thread in clients:
        thread.start()
    try:
        time.sleep(2.0)  # steady traffic first
        went_down = time.monotonic()
        server.stop()
        time.sleep(DOWN_SECONDS)
        server.start()  # returns once the server accepts connections
        came_back = time.monotonic()
        time.sleep(RECOVERY_BOUND_SECONDS + 3.0)  # recovery, then steady traffic again
    finally:
        stop.set()
        for thread in clients:
            thread.join(timeout=ANSWER_BOUND_SECONDS + 5)
    assert not any(thread.is_alive() for thread in clients), "a client hung"
    assert not running.exited(), f"services exited: {running.exited()}"
    outcomes = sorted(ledger.outcomes, key=lambda o: o.started)

    # No hang: every call got an answer, and within the bound.
    unanswered = [o for o in outcomes if o.status is None]
    assert not unanswered, f"calls without an answer: {unanswered[:5]}"
    slowest = max(o.finished - o.started for o in outcomes)
    assert slowest < ANSWER_BOUND_SECONDS
    # Only in-flight and outage requests fail, and only as 503 problem details.
    failed = [o for o in outcomes if not 200 <= (o.status or 0) < 300]
    wrong = [o for o in failed if o.status != 503 or o.retry_after is None
             or o.content_type != "application/problem+json"]  # fmt: skip
    assert not wrong, f"failures other than 503 problem details with Retry-After: {wrong[:5]}"
    assert failed, "the restart should have been felt by some requests"
    assert all(o.finished >= went_down for o in failed), "a request failed before the outage"
    # Recovery by themselves: after the server is back, the failures stop within the bound.
    last_failure_started = max(o.started for o in failed)
    recovered_after = max(0.0, last_failure_started - came_back)
    assert recovered_after < RECOVERY_BOUND_SECONDS, f"recovered after {recovered_after:.1f} s"
    after = [o for o in outcomes if o.started > came_back + RECOVERY_BOUND_SECONDS]
    assert len(after) > 20
    assert all(o.status and o.status < 300 for o in after)

    # Every acknowledged write is there.
    auth = {"Authorization": f"Bearer {tokens['ombudsman']}"}
    mediator = {"Authorization": f"Bearer {tokens['mediator']}"}
    with httpx.Client(base_url=gateway, timeout=10) as client:
        queue = _all_items(client, "/v1/intake/requests", auth)
        assert set(ledger.intake_references) <= {item["reference"] for item in queue}
        cases = _all_items(client, "/v1/cases", auth)
        assert set(ledger.case_ids) <= {item["id"] for item in cases}
        mediations = _all_items(client, "/v1/mediations", mediator)
        assert set(ledger.mediation_ids) <= {item["id"] for item in mediations}
    assert ledger.intake_references
    assert len(ledger.case_ids) > 1
    assert ledger.mediation_ids


def _all_items(client: httpx.Client, path: str, headers: dict[str, str]) -> list[dict]:
    """Every item of a paginated list (bounded)."""
    items: list[dict] = []
    params = {"limit": "200"}
    for _ in range(100):
        page = client.get(path, params=params, headers=headers)
        assert page.status_code == 200, page.text
        body = page.json()
        items += body["items"]
        if not body.get("next_cursor"):
            return items
        params = {"limit": "200", "cursor": body["next_cursor"]}
    raise AssertionError(f"{path}: too many pages")
