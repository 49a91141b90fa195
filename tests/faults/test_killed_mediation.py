"""Mediation killed (SIGKILL) again and again while mediators work: nothing lost, nothing doubled.

A mediator keeps working mediations through the gateway, from referral to
closure: some opened on a tribunal's referral (with start/end certificates),
some opened from an ombudsman case. The client keeps a ledger of every write
the system acknowledged, or that it found, by reading, to have taken effect
unanswered. None of these routes takes an Idempotency-Key, so an unanswered
write is retried only after a read says it did not take effect.

Afterwards everything in the ledger is there, once, read back through the
gateway, and nothing is half-written. For a mediation that means: every
mediation from a case is named by exactly one "mediation" service of that
case, and every such service names a mediation of that case; a mediation's
status agrees with its parts (started only with every party agreed, a
mediator and its first session; closed with an outcome); every certificate
carries a signature that verifies against the published keys and states the
mediation's dates, and one of them is current; and each change wrote its
outbox event in the same transaction (no change without its event, no event
twice). The events then reach analytics exactly once.
"""

from __future__ import annotations

import datetime as dt
import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from joserfc import jws
from joserfc.errors import SecurityWarning
from joserfc.jwk import KeySet

from ombuds import system
from ombuds.tokens import dev_token

from .delivery import delivered_exactly_once, pseudonym, query
from .kills import Killer, SteadyClient

pytestmark = pytest.mark.faults

CASE_OFFICE = "vienna"
MEDIATION_OFFICE = "mediation-service"
MEDIATOR = "kill-mediator"
# Whole workflows, one after another, while the killer strikes; at least this many, at most
# that many (the killer's clock decides in between).
MIN_WORKFLOWS, MAX_WORKFLOWS = 4, 24
KILLS, KILL_EVERY_SECONDS = 3, 1.0


def _today() -> str:
    return dt.datetime.now(dt.UTC).date().isoformat()


@dataclass
class Worked:
    """What the client knows it did to one mediation."""

    id: str
    parties: list[str]
    case_id: str | None = None
    case_number: str | None = None
    outcome: str | None = None
    declarations: int = 0
    sessions: int = 0
    certificates: int = 0
    acknowledged_certificates: list[str] = field(default_factory=list)


def _auth(running: system.System, role: str, subject: str, office: str) -> dict[str, str]:
    token = dev_token(running.data_dir, role=role, subject=subject, office=office)
    return {"Authorization": f"Bearer {token}"}


def _agreed(party_id: str) -> Callable[[dict[str, Any]], bool]:
    def done(mediation: dict[str, Any]) -> bool:
        party = next(p for p in mediation["parties"] if p["id"] == party_id)
        return bool(party["agreement"] == "agreed")

    return done


def _status(status: str) -> Callable[[dict[str, Any]], bool]:
    return lambda mediation: bool(mediation["status"] == status)


class Desk:
    """A mediator of the Mediation Service, and an ombudsman who refers cases to it."""

    def __init__(self, running: system.System, client: SteadyClient) -> None:
        self.client = client
        self.mediator = _auth(running, "mediator", MEDIATOR, MEDIATION_OFFICE)
        self.ombudsman = _auth(running, "ombudsman", "kill-omb", CASE_OFFICE)

    def mediation(self, mediation_id: str) -> dict[str, Any]:
        return dict(self.client.read(f"/v1/mediations/{mediation_id}", headers=self.mediator))

    def mediations(self) -> list[dict[str, Any]]:
        page = self.client.read("/v1/mediations", params={"limit": "200"}, headers=self.mediator)
        assert page["next_cursor"] is None
        return list(page["items"])

    def certificates(self, mediation_id: str) -> list[dict[str, Any]]:
        path = f"/v1/mediations/{mediation_id}/certificates"
        return list(self.client.read(path, headers=self.mediator))

    def _write(
        self, path: str, body: dict[str, Any], took_effect: Callable[[], bool], status: int
    ) -> httpx.Response | None:
        response = self.client.write_once(
            "POST", path, took_effect, json=body, headers=self.mediator
        )
        if response is not None:
            assert response.status_code == status, f"{path}: {response.text}"
        return response

    def _step(
        self,
        worked: Worked,
        action: str,
        body: dict[str, Any],
        done: Callable[[dict[str, Any]], bool],
        status: int = 200,
    ) -> httpx.Response | None:
        """A step on the mediation; it took effect if the mediation, read, says `done`."""
        path = f"/v1/mediations/{worked.id}/{action}"
        return self._write(path, body, lambda: done(self.mediation(worked.id)), status)

    # --- opening ---------------------------------------------------------------------------

    def open_on_referral(self, n: int) -> Worked:
        """A tribunal refers a dispute: the mediation comes with its parties."""
        case_number = f"UNDT/KILL/{n:03d}"
        parties = [f"T{n}-A", f"T{n}-B"]
        body = {
            "pillar": "secretariat",
            "office": MEDIATION_OFFICE,
            "referral_source": "dispute_tribunal",
            "issue_codes": ["2.b"],
            "tribunal_reference": {
                "tribunal": "dispute_tribunal",
                "case_number": case_number,
                "referral_date": _today(),
            },
            "parties": [{"reference": p} for p in parties],
        }

        def opened() -> list[str]:
            return [
                m["id"]
                for m in self.mediations()
                if (m["tribunal_reference"] or {}).get("case_number") == case_number
            ]

        answer = self._write("/v1/mediations", body, lambda: bool(opened()), 201)
        mediation_id = answer.json()["id"] if answer is not None else opened()[0]
        return Worked(mediation_id, parties, case_number=case_number)

    def open_from_case(self, n: int) -> Worked:
        """An ombudsman gives a case the service "mediation": cases opens the mediation."""
        case_id = self._case()
        path = f"/v1/cases/{case_id}/services"

        def given() -> list[str]:
            services = self.client.read(path, headers=self.ombudsman)
            return [s["mediation_id"] for s in services if s["service"] == "mediation"]

        answer = self.client.write_once(
            "POST", path, lambda: bool(given()), json={"service": "mediation"},
            headers=self.ombudsman,
        )  # fmt: skip
        if answer is not None:
            assert answer.status_code == 201, answer.text
        mediation_id = answer.json()["mediation_id"] if answer is not None else given()[0]
        worked = Worked(mediation_id, [], case_id=case_id)
        for reference in (f"C{n}-A", f"C{n}-B"):  # a mediation from a case starts with none

            def added(mediation: dict[str, Any], reference: str = reference) -> bool:
                return reference in {p["reference"] for p in mediation["parties"]}

            self._step(worked, "parties", {"reference": reference}, added, 201)
            worked.parties.append(reference)
        return worked

    def _case(self) -> str:
        """A case, taken and coded (cases is never killed here: each call answers at once)."""
        body = {
            "pillar": "secretariat",
            "location": "field_mission",
            "occupational_group": "field_service",
            "intake_channel": "remote",
        }
        case_id = self._answered("/v1/cases", body, 201)["id"]
        self._answered(f"/v1/cases/{case_id}/conflict-declarations", {"has_conflict": False}, 201)
        self._answered(f"/v1/cases/{case_id}/assignment", {}, 200)
        self._answered(f"/v1/cases/{case_id}/issues", {"code": "4.a"}, 201)
        return str(case_id)

    def _answered(self, path: str, body: dict[str, Any], status: int) -> Any:
        response = self.client.attempt("POST", path, json=body, headers=self.ombudsman)
        assert response is not None, f"POST {path} went unanswered with cases up"
        assert response.status_code == status, f"{path}: {response.text}"
        return response.json()

    # --- working it ------------------------------------------------------------------------

    def work(self, worked: Worked) -> None:
        """From the referral's acceptance to closure, with certificates where a tribunal asks."""
        today = _today()
        self._step(worked, "accept", {}, lambda m: m["status"] != "referred")
        for party in self.mediation(worked.id)["parties"]:
            agreement = f"parties/{party['id']}/agreement"
            self._step(worked, agreement, {"agrees": True, "on": today}, _agreed(party["id"]))
        self._declare_and_take(worked)
        start = {"started_on": today, "basis": "first_session", "mode": "remote"}
        self._step(worked, "start", start, _status("in_mediation"))
        worked.sessions = 1
        held = worked.sessions
        self._step(worked, "sessions", {"held_on": today, "mode": "in_person"},
                   lambda m: len(m["sessions"]) > held, 201)  # fmt: skip
        worked.sessions += 1
        if worked.case_number is not None:
            self._certify(worked)
            worked.outcome = "not_settled"
            close = {"outcome": "not_settled", "closed_on": today}
            self._step(worked, "close", close, _status("closed"))
            self._certify(worked)
        else:
            worked.outcome = "settled"
            close = {"outcome": "settled", "closed_on": today, "settlement_signed_on": today}
            self._step(worked, "close", close, _status("closed"))

    def _declare_and_take(self, worked: Worked) -> None:
        """Declares no conflict, then takes the mediation. Declarations have no read route:
        taking the mediation is the read, since it succeeds only after a declaration."""
        declarations = f"/v1/mediations/{worked.id}/declarations"
        for _ in range(50):  # bounded: each round waits for the service to answer
            declared = self.client.attempt(
                "POST", declarations, json={"has_conflict": False}, headers=self.mediator
            )
            if declared is not None:
                assert declared.status_code == 201, declared.text
            taken = self.client.until_answered(
                "PUT", f"/v1/mediations/{worked.id}/mediator", json={}, headers=self.mediator
            )
            if taken.status_code == 200:
                worked.declarations = 1
                return
            # Only an unanswered declaration may have been lost; an answered one must count.
            assert declared is None, taken.text
            assert taken.status_code == 409, taken.text
        raise AssertionError("the mediation was never taken")

    def _certify(self, worked: Worked) -> None:
        issued = worked.certificates
        answer = self._write(
            f"/v1/mediations/{worked.id}/certificates", {},
            lambda: len(self.certificates(worked.id)) > issued, 201,
        )  # fmt: skip
        worked.certificates += 1
        if answer is not None:
            worked.acknowledged_certificates.append(answer.json()["id"])


def _verified(token: str, jwks: Any) -> dict[str, Any]:
    with warnings.catch_warnings():
        # joserfc flags the polymorphic name "EdDSA" (RFC 9864); the keys are Ed25519.
        warnings.simplefilter("ignore", SecurityWarning)
        verified = jws.deserialize_compact(token, KeySet.import_key_set(jwks), algorithms=["EdDSA"])
    return dict(json.loads(verified.payload))


def _check_mediation(
    desk: Desk, worked: Worked, found: dict[str, Any], jwks: dict[str, Any]
) -> None:
    """One mediation, read back: what the ledger says, whole."""
    assert found["status"] == "closed"
    assert found["outcome"] == worked.outcome
    assert found["closed_at"] is not None
    assert sorted(p["reference"] for p in found["parties"]) == sorted(worked.parties)
    assert all(p["agreement"] == "agreed" for p in found["parties"])
    assert found["all_parties_agreed"]
    assert found["mediator"] == MEDIATOR
    assert found["started_on"] == found["ended_on"] == _today()
    assert len(found["sessions"]) == worked.sessions
    assert found["source_case_id"] == worked.case_id
    if worked.case_id is not None:  # the case names it, once, and it names the case
        services = desk.client.read(f"/v1/cases/{worked.case_id}/services", headers=desk.ombudsman)
        assert [s["mediation_id"] for s in services if s["service"] == "mediation"] == [worked.id]
        assert found["tribunal_reference"] is None
        assert found["settlement"] is not None
    else:
        assert found["tribunal_reference"]["case_number"] == worked.case_number
    certificates = desk.certificates(worked.id)
    assert len(certificates) == worked.certificates
    assert set(worked.acknowledged_certificates) <= {c["id"] for c in certificates}
    if certificates:
        assert [c["current"] for c in certificates].count(True) == 1
        assert certificates[0]["current"]
        assert certificates[0]["end_date"] == _today()
    for certificate in certificates:
        facts = _verified(certificate["jws"], jwks)
        assert facts["certificate_id"] == certificate["id"]
        assert facts["tribunal_case_number"] == worked.case_number
        assert facts["start_date"] == found["started_on"]
        assert facts["end_date"] == (certificate["end_date"] or "ongoing")


def test_mediation_killed_repeatedly_loses_doubles_and_half_writes_nothing(
    system_with_quick_relays: system.System,
) -> None:
    running = system_with_quick_relays
    ledger: list[Worked] = []
    with httpx.Client(base_url=running.url("gateway"), timeout=10) as http:
        desk = Desk(running, SteadyClient(http))
        with Killer(running, "mediation", times=KILLS, every=KILL_EVERY_SECONDS) as killer:
            for n in range(MAX_WORKFLOWS):
                if n >= MIN_WORKFLOWS and not killer.killing:
                    break
                worked = desk.open_on_referral(n) if n % 2 else desk.open_from_case(n)
                desk.work(worked)
                ledger.append(worked)
            killer.finish()
        assert desk.client.unanswered > 0, "the kills should have caught the client mid-work"

        # Every mediation in the ledger is there, once, and nothing else.
        listed = {m["id"]: m for m in desk.mediations()}
        assert len(listed) == len(ledger)
        assert set(listed) == {w.id for w in ledger}
        jwks = http.get("/.well-known/jwks.json").json()
        for worked in ledger:
            _check_mediation(desk, worked, listed[worked.id], jwks)

    # What no route shows: one declaration each, and each change's event written once with it.
    declarations = dict(query(running, "mediation",
                              "SELECT mediation_id, count(*) FROM conflict_declaration "
                              "GROUP BY mediation_id"))  # fmt: skip
    assert declarations == {w.id: w.declarations for w in ledger}
    events: dict[str, dict[str, int]] = {}
    written = "SELECT aggregate_id, event_type, count(*) FROM outbox_event GROUP BY 1, 2"
    for aggregate, event_type, count in query(running, "mediation", written):
        events.setdefault(aggregate, {})[event_type] = count
    assert events == {
        w.id: {"mediation.opened": 1, "mediation.agreement_recorded": len(w.parties),
               "mediation.started": 1, "mediation.session_held": w.sessions,
               "mediation.closed": 1}
        for w in ledger
    }  # fmt: skip

    # The relay was killed with the service, mid-delivery too: still each event exactly once,
    # and applied once (a session counted twice would show in the facts).
    delivered_exactly_once(running)
    of = pseudonym(running)
    applied = "SELECT mediation_key, outcome, sessions, from_case FROM mediation_fact"
    facts = {row[0]: row[1:] for row in query(running, "analytics", applied)}
    assert facts == {
        of("mediation", w.id): (w.outcome, w.sessions, w.case_id is not None) for w in ledger
    }
