"""Analytics down for a long time, or killed again and again: the office keeps working, and
every event reaches analytics exactly once afterwards.

With the real processes, analytics is killed; visitors, ombudsmen and
mediators keep working through intake, cases and mediation, which answer as
usual while their outboxes fill with well over a hundred events that the
relays try, and fail, to deliver cycle after cycle. Analytics comes back, and
every event must then be stored there exactly once, within a bound. Killed
repeatedly instead, analytics dies in the middle of applying deliveries: those
come again, and must still be applied once.

(tests/test_event_pipeline.py checks the same promise in-process, event by
event; this is the whole system, with processes, over a longer outage.)
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import httpx
import pytest

from ombuds import system
from ombuds.tokens import dev_token

from .delivery import PRODUCERS, delivered_exactly_once, outbox, query
from .kills import Killer

pytestmark = pytest.mark.faults

OFFICE = "vienna"
CASES, REQUESTS, MEDIATIONS = 24, 8, 12
MIN_OUTAGE_SECONDS = 12.0
# With analytics away nothing these services do waits on it: each call stays quick.
CALL_BOUND_SECONDS = 5.0
# Killed again and again: rounds of work while the killer strikes, at least this many.
KILLS, KILL_EVERY_SECONDS = 3, 1.0
MIN_ROUNDS, MAX_ROUNDS = 4, 40


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


def _today() -> str:
    return dt.datetime.now(dt.UTC).date().isoformat()


def _mediation_body(n: int) -> dict[str, object]:
    return {"pillar": "unhcr", "referral_source": "self_referral",
            "parties": [{"reference": f"M{n}-A"}, {"reference": f"M{n}-B"}]}  # fmt: skip


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

    waiting = {name: outbox(running, name) for name in PRODUCERS}
    assert sum(w["pending"] for w in waiting.values()) >= 100, waiting
    assert all(w["failing"] > 0 for w in waiting.values()), "the relays should have been trying"
    retried = query(running, "cases", "SELECT max(attempts) FROM outbox_event")[0][0]
    assert retried >= 3, "the outage should span several relay cycles"

    running.start_one("analytics")
    running.wait_healthy(timeout=60, names=["analytics"])
    delivered_exactly_once(running)
    # ... and applied once: one fact per case and per mediation, issues as coded.
    assert query(running, "analytics", "SELECT count(*) FROM case_fact")[0][0] == len(case_ids)
    facts = query(running, "analytics", "SELECT count(*) FROM mediation_fact")[0][0]
    assert facts == len(mediation_ids)
    coded = sum(2 if n % 2 else 1 for n in range(CASES))
    assert query(running, "analytics", "SELECT count(*) FROM case_issue")[0][0] == coded


def test_analytics_killed_repeatedly_stores_each_event_once(
    system_with_quick_relays: system.System,
) -> None:
    running = system_with_quick_relays
    case_ids: list[str] = []
    mediation_ids: list[str] = []
    coded = 0
    with httpx.Client(base_url=running.url("gateway"), timeout=CALL_BOUND_SECONDS * 2) as client:
        office = Office(running, client)
        # The killer strikes on its own clock, so kills land while analytics applies a delivery.
        with Killer(running, "analytics", times=KILLS, every=KILL_EVERY_SECONDS) as killer:
            for n in range(MAX_ROUNDS):
                if n >= MIN_ROUNDS and not killer.killing:
                    break
                case_ids.append(office.call("ombudsman", "POST", "/v1/cases", _case_body())["id"])
                codes = ("2.b", "4.a") if n % 2 else ("8.b",)
                office.handle_case(case_ids[-1], codes)
                coded += len(codes)
                opened = office.call("mediator", "POST", "/v1/mediations", _mediation_body(n))
                mediation_ids.append(opened["id"])
                office.call("mediator", "POST", f"/v1/mediations/{opened['id']}/accept")
                office.call("mediator", "POST", f"/v1/mediations/{opened['id']}/close",
                            {"outcome": "withdrawn", "closed_on": _today()})  # fmt: skip
            killer.finish()
        # Analytics is on no write's path: nothing the office did waited on it.
        assert office.slowest < CALL_BOUND_SECONDS, f"a call took {office.slowest:.1f} s"

    tried = [query(running, name, "SELECT count(*) FROM outbox_event WHERE attempts > 0")[0][0]
             for name in PRODUCERS]  # fmt: skip
    assert sum(tried) > 0, "the kills should have failed some deliveries"
    delivered_exactly_once(running)
    assert query(running, "analytics", "SELECT count(*) FROM case_fact")[0][0] == len(case_ids)
    outcomes = query(running, "analytics", "SELECT outcome, count(*) FROM mediation_fact "
                                           "GROUP BY outcome")  # fmt: skip
    assert outcomes == [("withdrawn", len(mediation_ids))]
    assert query(running, "analytics", "SELECT count(*) FROM case_issue")[0][0] == coded
