"""Analytics down for a long time: the office keeps working, and the backlog drains afterwards.

With the real processes, analytics is killed; visitors, ombudsmen and
mediators keep working through intake, cases and mediation, which answer as
usual while their outboxes fill with well over a hundred events that the
relays try, and fail, to deliver cycle after cycle. Analytics comes back, and
every event must then be stored there exactly once, within a bound.

(tests/test_event_pipeline.py checks the same promise in-process, event by
event; this is the whole system, with processes, over a longer outage.)
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from gateway.events.pseudonym import Pseudonymizer, load_pseudonym_key
from ombuds import system
from ombuds.tokens import dev_token
from ombuds_shared.db import create_engine
from ombuds_shared.testing import TestDatabases

from ..e2e.conftest import system_running

pytestmark = pytest.mark.faults

OFFICE = "vienna"
CASES, REQUESTS, MEDIATIONS = 24, 8, 12
# The relays' longest back-off, shortened from the default minute so that the test is short:
# once analytics is back, a refused event waits at most this long before its next try.
MAX_BACKOFF_SECONDS = 2
MIN_OUTAGE_SECONDS = 12.0
# From analytics answering again until every event is stored there.
DRAIN_BOUND_SECONDS = MAX_BACKOFF_SECONDS + 20
# With analytics away nothing these services do waits on it: each call stays quick.
CALL_BOUND_SECONDS = 5.0
PRODUCERS = ("cases", "mediation")


@pytest.fixture
def system_with_quick_relays(
    tmp_path_factory: pytest.TempPathFactory, databases: TestDatabases
) -> Iterator[system.System]:
    env = {f"OMBUDS_{name.upper()}_OUTBOX_MAX_BACKOFF_SECONDS": str(MAX_BACKOFF_SECONDS)
           for name in PRODUCERS}  # fmt: skip
    with system_running(tmp_path_factory.mktemp("ombuds-analytics-outage"), databases,
                        env=env) as running:  # fmt: skip
        yield running


def _settings(running: system.System, name: str) -> Any:
    spec = next(s for s in system.SERVICES if s.name == name)
    env = {**system.service_environment(running.data_dir, running.port), **running.extra_env}
    return system.settings_for(spec, env)


def _query(running: system.System, service: str, statement: str) -> list[tuple[Any, ...]]:
    url = _settings(running, service).resolved_database_url

    async def run() -> list[tuple[Any, ...]]:
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                return [tuple(row) for row in await conn.execute(text(statement))]
        finally:
            await engine.dispose()

    return asyncio.run(run())


class Office:
    """The people at work, each call timed and required to succeed."""

    def __init__(self, running: system.System, client: httpx.Client) -> None:
        self.client = client
        data_dir = running.data_dir
        self.auth = {
            "visitor": dev_token(data_dir, role="visitor", subject="outage-visitor"),
            "ombudsman": dev_token(data_dir, role="ombudsman", subject="outage-omb",
                                   office=OFFICE),
            "mediator": dev_token(data_dir, role="mediator", subject="outage-med",
                                  office="mediation-service"),
        }  # fmt: skip
        self.slowest = 0.0

    def call(self, who: str, method: str, path: str, json: object = None) -> dict[str, Any]:
        started = time.monotonic()
        headers = {"Authorization": f"Bearer {self.auth[who]}"}
        response = self.client.request(method, path, json=json, headers=headers)
        self.slowest = max(self.slowest, time.monotonic() - started)
        assert response.is_success, f"{method} {path}: {response.status_code} {response.text}"
        return response.json()  # type: ignore[no-any-return]

    def handle_case(self, case_id: str, codes: tuple[str, ...]) -> None:
        """Takes a case and codes its issues (each coding is an event for analytics)."""
        self.call("ombudsman", "POST", f"/v1/cases/{case_id}/conflict-declarations",
                  {"has_conflict": False})  # fmt: skip
        self.call("ombudsman", "POST", f"/v1/cases/{case_id}/assignment", {})
        for code in codes:
            self.call("ombudsman", "POST", f"/v1/cases/{case_id}/issues", {"code": code})
        self.call("ombudsman", "POST", f"/v1/cases/{case_id}/status", {"status": "in_progress"})
        assert self.call("ombudsman", "GET", f"/v1/cases/{case_id}")["status"] == "in_progress"


def _case_body() -> dict[str, object]:
    return {"pillar": "secretariat", "location": "field_mission",
            "occupational_group": "field_service", "intake_channel": "remote"}  # fmt: skip


def _request_body(n: int) -> dict[str, object]:
    return {"visitor": {"name": f"Outage Visitor {n}", "email": f"outage{n}@example.org"},
            "pillar": "secretariat", "office": OFFICE, "location": "headquarters",
            "occupational_group": "general_service"}  # fmt: skip


def _mediation_body(n: int) -> dict[str, object]:
    return {"pillar": "unhcr", "referral_source": "self_referral",
            "parties": [{"reference": f"M{n}-A"}, {"reference": f"M{n}-B"}]}  # fmt: skip


def _outbox(running: system.System, service: str) -> dict[str, Any]:
    response = httpx.get(running.url(service) + "/v1/internal/outbox", timeout=5)
    assert response.status_code == 200
    return dict(response.json())


def test_a_long_analytics_outage_loses_nothing_and_doubles_nothing(
    system_with_quick_relays: system.System,
) -> None:
    running = system_with_quick_relays
    running.kill("analytics")
    went_down = time.monotonic()
    case_ids: list[str] = []
    mediation_ids: list[str] = []
    with httpx.Client(base_url=running.url("gateway"), timeout=CALL_BOUND_SECONDS * 2) as client:
        office = Office(running, client)
        # Work spread over the outage, in rounds, so that the relays retry many times meanwhile.
        for n in range(CASES):
            case_ids.append(office.call("ombudsman", "POST", "/v1/cases", _case_body())["id"])
            office.handle_case(case_ids[-1], ("2.b", "4.a") if n % 2 else ("8.b",))
            if n < REQUESTS:  # a visitor's request, accepted: intake opens the case
                reference = office.call("visitor", "POST", "/v1/intake/requests",
                                        _request_body(n))["reference"]  # fmt: skip
                accepted = office.call("ombudsman", "POST",
                                       f"/v1/intake/requests/{reference}/accept")  # fmt: skip
                case_ids.append(accepted["case_id"])
            if n < MEDIATIONS:
                opened = office.call("mediator", "POST", "/v1/mediations", _mediation_body(n))
                mediation_ids.append(opened["id"])
                office.call("mediator", "GET", f"/v1/mediations/{opened['id']}")
        # However quick the machine, the outage lasts: the office goes on reading its cases.
        for n in range(10_000):  # bounded; the clock ends it
            if time.monotonic() - went_down >= MIN_OUTAGE_SECONDS:
                break
            office.call("ombudsman", "GET", f"/v1/cases/{case_ids[n % len(case_ids)]}")
            time.sleep(0.05)
        assert office.slowest < CALL_BOUND_SECONDS, f"a call took {office.slowest:.1f} s"

    waiting = {name: _outbox(running, name) for name in PRODUCERS}
    assert sum(w["pending"] for w in waiting.values()) >= 100, waiting
    assert all(w["failing"] > 0 for w in waiting.values()), "the relays should have been trying"
    retried = _query(running, "cases", "SELECT max(attempts) FROM outbox_event")[0][0]
    assert retried >= 3, "the outage should span several relay cycles"

    running.start_one("analytics")
    running.wait_healthy(timeout=60, names=["analytics"])
    back = time.monotonic()
    produced = {name: [row[0] for row in _query(running, name, "SELECT event_id FROM outbox_event")]
                for name in PRODUCERS}  # fmt: skip
    expected = sum(len(ids) for ids in produced.values())
    deadline = back + DRAIN_BOUND_SECONDS
    while True:
        stored = _query(running, "analytics", "SELECT count(*) FROM ingested_event")[0][0]
        pending = sum(_outbox(running, name)["pending"] for name in PRODUCERS)
        if stored >= expected and pending == 0:
            break
        assert time.monotonic() < deadline, f"{stored}/{expected} stored, {pending} pending"
        time.sleep(0.5)

    # Exactly once: analytics holds the pseudonym of every producer's event, and nothing else.
    pseudonym = Pseudonymizer(load_pseudonym_key(_settings(running, "gateway")))
    wanted = {pseudonym("event", event_id) for ids in produced.values() for event_id in ids}
    ingested = [
        row[0] for row in _query(running, "analytics", "SELECT event_id FROM ingested_event")
    ]
    assert len(ingested) == len(set(ingested)) == expected
    assert set(ingested) == wanted
    # ... and applied once: one fact per case and per mediation, issues as coded.
    assert _query(running, "analytics", "SELECT count(*) FROM case_fact")[0][0] == len(case_ids)
    facts = _query(running, "analytics", "SELECT count(*) FROM mediation_fact")[0][0]
    assert facts == len(mediation_ids)
    coded = sum(2 if n % 2 else 1 for n in range(CASES))
    assert _query(running, "analytics", "SELECT count(*) FROM case_issue")[0][0] == coded
