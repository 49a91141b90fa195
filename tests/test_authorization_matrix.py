"""The authorization matrix: every role x every route x own / another's / another office's object.

Generated from the gateway's policy table and its OpenAPI document. The table
says which roles may call a route and how far each reaches among the route's
objects (`Rule.reach`); the document says what a success is. From those two
this test derives the exact answer of every cell and asks the running system:

    role not on the row                      -> 403 from the gateway
    object within the role's reach           -> the route's documented 2xx
    a colleague's object, reach HANDLED      -> 403 (the office may see it, not act on it)
    any other object out of reach            -> 404 (its existence does not leak)
    a list                                   -> 200, listing exactly the objects in reach

The three objects of each kind belong to the caller ("own"), to a colleague of
the same office ("another's") and to someone of another office ("another
office's"; for a registry, a case of another tribunal). They are made once per
module through the public API; a success that changes an object for good
(accept, close, revoke ...) gets a fresh one.
A route without a policy row, a catalogue entry here or a declared reach for
its objects fails the test, so no route escapes the matrix. Every problem
answered along the way must also be one the operation's OpenAPI entry lists.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from gateway.policy import POLICY, Reach, Rule
from ombuds_shared.errors import PROBLEM_MEDIA_TYPE
from ombuds_shared.reference import Role
from ombuds_shared.tokens import mint_exit_survey_token
from ombuds_testing import TestDatabases, TestKeys, environment

from .conftest import Stack, intake_body, running_stack

pytestmark = pytest.mark.asyncio(loop_scope="module")

OFFICE = "nairobi"  # the callers' office
OTHER_OFFICE = "geneva"
MEDIATION_OFFICE = "mediation-service"  # where the Mediation Service's mediators work
TRIBUNAL = "dispute_tribunal"  # the tribunal the callers' registry serves
OTHER_TRIBUNAL = "appeals_tribunal"
GATEWAY_REFUSAL = "Your role may not use this route."
# Path parameters that name an object (checked against the callers' reach) ...
OBJECT_PARAMETERS = {"reference", "case_id", "consent_id", "declaration_id", "mediation_id",
                     "party_id", "extension_id", "request_id", "certificate_id",
                     "entry_id", "session_id", "subscription_id", "delivery_id"}  # fmt: skip
# ... and those that only choose what to compute.
# The year: the last closed one, since the open year's report is published once it closes.
# The office the administrator renames and then closes, and the roster entry it adds and then
# deactivates: neither the callers' offices, so the other rows are not disturbed.
VALUE_PARAMETERS = {"statistic": "cases-opened", "chart": "cases-opened",
                    "year": str(dt.datetime.now(dt.UTC).year - 1), "pillar": "unhcr",
                    "vocabulary": "formal_channels",
                    "code": "vienna", "subject": "matrix-leaver"}  # fmt: skip


class Context(StrEnum):
    OWN = "own"
    ANOTHERS = "another's"
    ELSEWHERE = "another office's"


# Who owns the object of each context: the caller ("x"), a colleague ("y"), a stranger ("z").
_OWNER_SUFFIX = {Context.OWN: "x", Context.ANOTHERS: "y", Context.ELSEWHERE: "z"}
# Which contexts each reach covers.
_COVERS = {
    Reach.OWN: {Context.OWN},
    Reach.HANDLED: {Context.OWN},
    Reach.OFFICE: {Context.OWN, Context.ANOTHERS},
    # Every registry request is addressed to the Mediation Service, the callers' office.
    Reach.SERVICE: set(Context),
    # The callers' registry serves the Dispute Tribunal; another office's mediation was
    # referred by the Appeals Tribunal.
    Reach.TRIBUNAL: {Context.OWN, Context.ANOTHERS},
    Reach.ALL: set(Context),
}


def today() -> str:
    return dt.datetime.now(dt.UTC).date().isoformat()


def owner(role: str, context: Context) -> str:
    return f"{role}-{_OWNER_SUFFIX[context]}"


def office_of(context: Context, *, mediation: bool = False) -> str:
    if context is Context.ELSEWHERE:
        return OTHER_OFFICE
    return MEDIATION_OFFICE if mediation else OFFICE


def tribunal_of(context: Context) -> str:
    return OTHER_TRIBUNAL if context is Context.ELSEWHERE else TRIBUNAL


def caller_office(role: Role, rule: Rule) -> str | None:
    """Mediators work at the Mediation Service; the chief calling its routes is its chief."""
    if role is Role.MEDIATOR or (role is Role.CHIEF and rule.service == "mediation"):
        return MEDIATION_OFFICE
    return OFFICE


@dataclass
class Target:
    """An object of the world: its path parameters, who owns it, and its id in lists."""

    params: dict[str, str]
    owner: str
    member: str
    case_number: str | None = None


@dataclass(frozen=True)
class Call:
    role: Role
    target: Target | None
    n: int  # unique per call, for values that must not repeat
    keys: TestKeys  # for what a service, not the gateway, hands out (exit-survey tokens)


@dataclass(frozen=True)
class Op:
    """How to call one route: on which kind of object, with what; a list says what it lists."""

    kind: str | None = None
    fresh: bool = False  # a success changes the object for good: each success gets a new one
    body: Callable[[Call], Any] | None = None
    query: Callable[[Call], dict[str, Any]] | None = None
    headers: Callable[[Call], dict[str, str]] | None = None
    listed: Callable[[Any], set[str]] | None = None


def _items(key: str = "id", within: str = "items") -> Callable[[Any], set[str]]:
    return lambda page: {str(item[key]) for item in page[within]}


def _submission(call: Call) -> dict[str, Any]:
    if call.role is Role.VISITOR:
        return intake_body(office=OFFICE)
    extra: dict[str, Any] = {"consent_to_contact": True}
    if call.role is Role.REFERRING_OFFICE:
        extra["referring_unit"] = "ethics_office"
    return intake_body(office=OFFICE, **extra)


_ISSUES = ["1.a", "2.a", "2.b", "3.a", "4.a", "5.a", "6.a", "7.a", "8.a", "9.a"]
_SYSTEMIC = ["performance_management", "fear_of_speaking_out", "duty_of_care", "mental_health",
             "leadership", "diversity", "administration", "gender_equality"]  # fmt: skip
_MEDIATION = "mediation:under_way"

OPERATIONS: dict[tuple[str, str], Op] = {
    # intake
    ("POST", "/v1/intake/requests"): Op(
        body=_submission, headers=lambda c: {"Idempotency-Key": f"matrix-{c.n}"}),
    ("GET", "/v1/intake/requests"): Op(kind="intake", listed=_items("reference")),
    ("GET", "/v1/intake/requests/{reference}"): Op(kind="intake"),
    ("POST", "/v1/intake/requests/{reference}/accept"): Op(kind="intake", fresh=True),
    ("POST", "/v1/intake/requests/{reference}/decline"): Op(
        kind="intake", fresh=True, body=lambda c: {"reason": "outside_mandate"}),
    ("POST", "/v1/intake/requests/{reference}/conflict-declarations"): Op(
        kind="intake", fresh=True, body=lambda c: {"has_conflict": True}),
    # The visitor's own data: a withdrawal ends the request; asking twice for an erasure is
    # asking once.
    ("POST", "/v1/intake/requests/{reference}/withdraw"): Op(kind="intake", fresh=True),
    ("POST", "/v1/intake/requests/{reference}/erasure-request"): Op(kind="closed_intake"),
    ("GET", "/v1/intake/me"): Op(),
    # Messages go both ways once the request opened a case (an accepted request).
    ("GET", "/v1/intake/requests/{reference}/messages"): Op(kind="accepted_intake"),
    ("POST", "/v1/intake/requests/{reference}/messages"): Op(
        kind="accepted_intake", body=lambda c: {"body": "A visitor's message."}),
    # A receipt code's holder has no token: every role's token is refused these routes (the
    # code's own tests are in tests/test_receipt_codes.py).
    ("GET", "/v1/receipts/request"): Op(),
    ("GET", "/v1/receipts/messages"): Op(),
    ("POST", "/v1/receipts/messages"): Op(body=lambda c: {"body": "A holder's message."}),
    ("PUT", "/v1/receipts/contact"): Op(body=lambda c: {"name": "A", "email": "a@example.org"}),
    ("POST", "/v1/intake/walk-ins"): Op(body=lambda c: {
        **{k: v for k, v in intake_body().items() if k != "office"}, "channel": "phone"}),
    # cases
    ("GET", "/v1/cases"): Op(kind="case", listed=_items()),
    ("POST", "/v1/cases"): Op(body=lambda c: {
        "pillar": "secretariat", "location": "headquarters",
        "occupational_group": "general_service", "intake_channel": "in_person"}),
    ("GET", "/v1/cases/{case_id}"): Op(kind="case"),
    ("POST", "/v1/cases/{case_id}/status"): Op(
        kind="case", fresh=True, body=lambda c: {"status": "in_progress"}),
    ("GET", "/v1/cases/{case_id}/status-history"): Op(kind="case"),
    ("POST", "/v1/cases/{case_id}/conflict-declarations"): Op(
        kind="case", body=lambda c: {"has_conflict": False}),
    ("POST", "/v1/cases/{case_id}/conflict-declarations/{declaration_id}/clear"): Op(
        kind="conflict", body=lambda c: {"reason": "declared_in_error"}),
    # Taking a case one already has changes nothing; the chief names its ombudsman again.
    ("POST", "/v1/cases/{case_id}/assignment"): Op(kind="case", body=lambda c: (
        {"assignee": c.target.owner} if c.role is Role.CHIEF and c.target else {})),
    ("GET", "/v1/cases/{case_id}/assignments"): Op(kind="case"),
    ("POST", "/v1/cases/{case_id}/issues"): Op(
        kind="case", body=lambda c: {"code": _ISSUES[c.n % len(_ISSUES)]}),
    ("GET", "/v1/cases/{case_id}/issues"): Op(kind="case"),
    ("POST", "/v1/cases/{case_id}/services"): Op(
        kind="case", body=lambda c: {"service": "consultation"}),
    ("GET", "/v1/cases/{case_id}/services"): Op(kind="case"),
    ("POST", "/v1/cases/{case_id}/referrals"): Op(
        kind="case", body=lambda c: {"formal_channel": "ethics_office"}),
    ("GET", "/v1/cases/{case_id}/referrals"): Op(kind="case"),
    ("POST", "/v1/cases/{case_id}/systemic-issues"): Op(
        kind="case", body=lambda c: {"systemic_issue": _SYSTEMIC[c.n % len(_SYSTEMIC)]}),
    ("GET", "/v1/cases/{case_id}/systemic-issues"): Op(kind="case"),
    ("POST", "/v1/cases/{case_id}/contacts"): Op(kind="case", body=lambda c: {
        "contacted_on": today(), "medium": "phone", "duration_minutes": 20,
        "participants": ["visitor", "ombudsman"]}),
    ("GET", "/v1/cases/{case_id}/contacts"): Op(kind="case"),
    ("POST", "/v1/cases/{case_id}/consents"): Op(
        kind="case", body=lambda c: {"scope": "contact_supervisor"}),
    ("GET", "/v1/cases/{case_id}/consents"): Op(kind="case"),
    ("POST", "/v1/cases/{case_id}/consents/{consent_id}/revoke"): Op(kind="consent", fresh=True),
    # Every case of the world holds a live consent to contact HR.
    ("POST", "/v1/cases/{case_id}/actions"): Op(
        kind="case", body=lambda c: {"action": "contact_hr"}),
    ("POST", "/v1/cases/{case_id}/disclosures"): Op(kind="case", body=lambda c: {
        "disclosed_to": "security_and_safety",
        "justification": "Imminent risk of serious harm, stated in the matrix test."}),
    ("POST", "/v1/cases/{case_id}/notes"): Op(kind="case", body=lambda c: {"body": "A note."}),
    ("GET", "/v1/cases/{case_id}/notes"): Op(kind="case"),
    ("GET", "/v1/cases/{case_id}/visitor"): Op(kind="case"),
    ("GET", "/v1/cases/{case_id}/messages"): Op(kind="case"),
    ("POST", "/v1/cases/{case_id}/messages"): Op(
        kind="case", body=lambda c: {"body": "The handler's message."}),
    # Batch reads list the records of the cases asked for, of the caller's office only.
    **{("GET", f"/v1/case-{records}"): Op(kind="case", listed=_items("case_id"), query=lambda c: {
        "case_id": c.target.params["case_id"] if c.target else "none"})
       for records in ("issues", "services", "referrals", "systemic-issues", "status-changes",
                       "assignments")},
    # the systemic-issue register: the office's own entries
    ("GET", "/v1/systemic-issues"): Op(
        kind="systemic_entry", listed=_items(), query=lambda c: {"limit": 200}),
    ("POST", "/v1/systemic-issues"): Op(body=lambda c: _register_entry(c.n)),
    ("GET", "/v1/systemic-issues/{entry_id}"): Op(kind="systemic_entry"),
    ("PATCH", "/v1/systemic-issues/{entry_id}"): Op(
        kind="systemic_entry", body=lambda c: {"recommendation": f"Recommendation {c.n}."}),
    ("GET", "/v1/systemic-issues/{entry_id}/history"): Op(kind="systemic_entry"),
    ("POST", "/v1/systemic-issues/{entry_id}/publication"): Op(
        kind="systemic_entry", body=lambda c: {"publishable": True}),
    ("GET", "/v1/case-erasure-requests"): Op(kind="erasure", listed=_items("case_id")),
    ("POST", "/v1/cases/{case_id}/erasure/confirm"): Op(kind="erasure", fresh=True),
    ("GET", "/v1/case-reassignments"): Op(),
    ("GET", "/v1/mediation-reassignments"): Op(),
    ("GET", "/v1/oversight/disclosures"): Op(
        kind="disclosure", listed=_items(within="disclosures")),
    ("GET", "/v1/audit/cases"): Op(),
    ("GET", "/v1/audit/cases/head"): Op(),
    ("GET", "/v1/audit/intake"): Op(),
    ("GET", "/v1/audit/intake/head"): Op(),
    ("GET", "/v1/audit/mediation"): Op(),
    ("GET", "/v1/audit/mediation/head"): Op(),
    # mediations
    ("GET", "/v1/mediations"): Op(kind=_MEDIATION, listed=_items()),
    ("POST", "/v1/mediations"): Op(body=lambda c: _mediation_body(
        MEDIATION_OFFICE, f"UNDT/NY/2026/M{c.n}", TRIBUNAL)),
    ("GET", "/v1/mediations/{mediation_id}"): Op(kind=_MEDIATION),
    ("POST", "/v1/mediations/{mediation_id}/accept"): Op(kind="mediation:referred", fresh=True),
    # Each party added with an identity, sealed in intake's vault (the seal is on the path).
    ("POST", "/v1/mediations/{mediation_id}/parties"): Op(
        kind="mediation:pending", body=lambda c: {"identity": {
            "name": f"Party {c.n}", "role": "applicant", "email": f"party{c.n}@example.org"}}),
    ("GET", "/v1/mediations/{mediation_id}/parties"): Op(kind=_MEDIATION),
    ("POST", "/v1/mediations/{mediation_id}/parties/{party_id}/agreement"): Op(
        kind="party", fresh=True, body=lambda c: {"agrees": True, "on": today()}),
    ("POST", "/v1/mediations/{mediation_id}/declarations"): Op(
        kind=_MEDIATION, body=lambda c: {"has_conflict": False}),
    # Taking a mediation one already has changes nothing; the chief names its mediator again.
    ("PUT", "/v1/mediations/{mediation_id}/mediator"): Op(kind=_MEDIATION, body=lambda c: (
        {"mediator": c.target.owner} if c.role is Role.CHIEF and c.target else {})),
    ("POST", "/v1/mediations/{mediation_id}/start"): Op(
        kind="mediation:ready", fresh=True,
        body=lambda c: {"started_on": today(), "basis": "first_session", "mode": "remote"}),
    ("POST", "/v1/mediations/{mediation_id}/sessions"): Op(
        kind=_MEDIATION, body=lambda c: {"held_on": today(), "mode": "remote"}),
    ("GET", "/v1/mediations/{mediation_id}/sessions"): Op(kind=_MEDIATION),
    ("GET", "/v1/mediations/{mediation_id}/sessions/{session_id}"): Op(kind="session"),
    ("POST", "/v1/mediations/{mediation_id}/sessions/{session_id}/reschedule"): Op(
        kind="session", body=lambda c: {**_planned(days=2 + c.n % 20), "reason": "party_request"}),
    ("POST", "/v1/mediations/{mediation_id}/sessions/{session_id}/cancel"): Op(
        kind="session", fresh=True, body=lambda c: {"reason": "party_unavailable"}),
    # Held on its day: a session planned a moment ahead, today.
    ("POST", "/v1/mediations/{mediation_id}/sessions/{session_id}/held"): Op(
        kind="session:today", fresh=True, body=lambda c: {}),
    ("GET", "/v1/mediations/{mediation_id}/sessions/{session_id}/calendar.ics"): Op(
        kind="session"),
    ("GET", "/v1/mediation-schedule"): Op(kind="session", listed=_items("session_id")),
    ("GET", "/v1/calendar/sessions.ics"): Op(),
    ("POST", "/v1/mediations/{mediation_id}/contacts"): Op(kind=_MEDIATION, body=lambda c: {
        "contacted_on": today(), "medium": "video", "duration_minutes": 45,
        "participants": ["other_party", "mediator"]}),
    ("GET", "/v1/mediations/{mediation_id}/contacts"): Op(kind=_MEDIATION),
    ("POST", "/v1/mediations/{mediation_id}/close"): Op(
        kind=_MEDIATION, fresh=True,
        body=lambda c: {"outcome": "not_settled", "closed_on": today()}),
    ("GET", "/v1/mediations/{mediation_id}/deadlines"): Op(kind=_MEDIATION),
    ("POST", "/v1/mediations/{mediation_id}/deadlines"): Op(kind=_MEDIATION, body=lambda c: {
        "kind": "filing_period", "started_on": today(), "period_days": 60}),
    ("POST", "/v1/mediations/{mediation_id}/extensions"): Op(
        kind=_MEDIATION, body=lambda c: {"requested_on": today(), "requested_days": 10}),
    ("POST", "/v1/mediations/{mediation_id}/extensions/{extension_id}/decision"): Op(
        kind="extension", fresh=True,
        body=lambda c: {"granted": False, "decided_on": today()}),
    ("GET", "/v1/mediations/{mediation_id}/notes"): Op(kind=_MEDIATION),
    ("POST", "/v1/mediations/{mediation_id}/notes"): Op(
        kind=_MEDIATION, body=lambda c: {"body": "A mediator's note."}),
    ("GET", "/v1/mediations/{mediation_id}/certificates"): Op(kind=_MEDIATION),
    ("POST", "/v1/mediations/{mediation_id}/certificates"): Op(kind=_MEDIATION, body=lambda c: {}),
    # certificates
    ("POST", "/v1/certificates/requests"): Op(body=lambda c: {
        "tribunal": TRIBUNAL, "tribunal_case_number": f"UNDT/NY/2026/R{c.n}"}),
    ("GET", "/v1/certificates/requests"): Op(
        kind="certificate_request", listed=_items(), query=lambda c: {"limit": 200}),
    ("GET", "/v1/certificates/requests/{request_id}"): Op(kind="certificate_request"),
    ("POST", "/v1/certificates/requests/{request_id}/decline"): Op(
        kind="certificate_request", fresh=True, body=lambda c: {"reason": "other"}),
    ("GET", "/v1/certificates"): Op(kind="certificate", listed=_items(), query=lambda c: {
        "tribunal_case_number": c.target.case_number if c.target else "UNDT/NY/2026/none"}),
    ("GET", "/v1/certificates/{certificate_id}"): Op(kind="certificate"),
    ("GET", "/v1/certificates/{certificate_id}/printable"): Op(kind="certificate"),
    ("POST", "/v1/certificates/{certificate_id}/revoke"): Op(
        kind="certificate", fresh=True, body=lambda c: {"reason": "issued_in_error"}),
    # reference vocabularies: codes and labels, no objects of anyone's
    ("GET", "/v1/reference"): Op(),
    ("GET", "/v1/reference/{vocabulary}"): Op(),
    # analytics: aggregates, no objects of anyone's
    ("GET", "/v1/analytics/statistics"): Op(),
    ("GET", "/v1/analytics/statistics/{statistic}"): Op(),
    ("GET", "/v1/analytics/charts/{chart}"): Op(),
    ("GET", "/v1/analytics/reports/annual/{year}"): Op(),
    ("GET", "/v1/analytics/headcounts"): Op(),
    ("PUT", "/v1/analytics/headcounts/{year}/{pillar}"): Op(
        body=lambda c: {"international": 120, "national": 340}),
    # history import: the administrator's, records of any office (facts only, no objects)
    ("POST", "/v1/imports/cases"): Op(body=lambda c: {"records": [{
        "source_id": f"matrix-{c.n}", "office": OFFICE, "pillar": "secretariat",
        "location": "headquarters", "occupational_group": "general_service",
        "opened_on": "2020-03-02", "closed_on": "2020-04-01", "closure_reason": "resolved"}]}),
    ("POST", "/v1/imports/mediations"): Op(body=lambda c: {"records": [{
        "kind": "mediation", "source_id": f"matrix-{c.n}", "pillar": "secretariat",
        "referral_source": "self_referral", "opened_on": "2020-03-02",
        "closed_on": "2020-04-01", "outcome": "withdrawn"}]}),
    ("GET", "/v1/analytics/outreach"): Op(),
    ("POST", "/v1/analytics/outreach"): Op(body=lambda c: {
        "activity_type": "workshop", "held_on": today(), "office": OFFICE, "participants": 12}),
    ("POST", "/v1/analytics/surveys/workplace"): Op(body=lambda c: {"responses": [{
        "year": 2026, "pillar": "secretariat", "office": OFFICE, "conflict_last_three_months": True,
        "stress_above_acceptable": False, "hours_per_week_on_conflict": 2.5}]}),
    ("POST", "/v1/analytics/surveys/exit"): Op(body=lambda c: {
        "helpful": 4, "respected": 5, "would_recommend": True, "matter_resolved": True,
        "token": mint_exit_survey_token(c.keys.keys["cases"], issuer="cases")}),
    # directory: reference data for everyone; offices and roster for the administrator (the
    # rows run in the policy's order: the rename before the close, the add before the leave).
    ("GET", "/v1/reference/offices"): Op(),
    ("POST", "/v1/offices"): Op(body=lambda c: {
        "code": f"matrix-{c.n}", "name": "Matrix office", "city": "Lisbon",
        "pillar": "secretariat"}),
    ("PATCH", "/v1/offices/{code}"): Op(body=lambda c: {"city": "Vienna"}),
    ("POST", "/v1/offices/{code}/close"): Op(body=lambda c: {}),
    ("GET", "/v1/staff"): Op(),
    # Santiago: a roster turns on assignment checks for its office, and the callers' is
    # Nairobi.
    ("POST", "/v1/staff"): Op(body=lambda c: {
        "subject": "matrix-leaver", "display_name": "Matrix Leaver", "office": "santiago",
        "role": "ombudsman"}),
    ("POST", "/v1/staff/{subject}/deactivate"): Op(),
    # webhooks: the administrator's, every subscription of the system (docs/webhooks.md)
    ("POST", "/v1/webhooks/subscriptions"): Op(body=lambda c: _webhook_body(TRIBUNAL)),
    ("GET", "/v1/webhooks/subscriptions"): Op(kind="webhook_subscription", listed=_items()),
    ("GET", "/v1/webhooks/subscriptions/{subscription_id}"): Op(kind="webhook_subscription"),
    ("DELETE", "/v1/webhooks/subscriptions/{subscription_id}"): Op(
        kind="webhook_subscription", fresh=True),
    # A second rotation waits for the first one's overlap to end.
    ("POST", "/v1/webhooks/subscriptions/{subscription_id}/rotate"): Op(
        kind="webhook_subscription", fresh=True, body=lambda c: {"overlap_hours": 1}),
    ("GET", "/v1/webhooks/subscriptions/{subscription_id}/deliveries"): Op(
        kind="webhook_subscription"),
    ("POST", "/v1/webhooks/deliveries/{delivery_id}/replay"): Op(kind="webhook_delivery"),
}  # fmt: skip


# The matrix's stack allow-lists loopback for webhook destinations; nothing listens there.
WEBHOOK_DESTINATION = "http://127.0.0.1:9/matrix"


def _webhook_body(tribunal: str) -> dict[str, Any]:
    return {"integrator": "Matrix registry", "url": WEBHOOK_DESTINATION,
            "event_types": ["certificate.issued"],
            "scope": {"kind": "tribunal", "code": tribunal}}  # fmt: skip


def _register_entry(n: int) -> dict[str, Any]:
    return {"title": f"Systemic issue {n}", "observation": "A pattern across cases.",
            "category": _SYSTEMIC[n % len(_SYSTEMIC)],
            "first_reported_year": dt.datetime.now(dt.UTC).year}  # fmt: skip


def _planned(*, days: int = 1, minutes: int = 0) -> dict[str, Any]:
    """A session planned `days` (or `minutes`) ahead, in UTC, for an hour."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    start = (
        now + dt.timedelta(minutes=minutes)
        if minutes
        else (now.replace(hour=9, minute=0, second=0) + dt.timedelta(days=days))
    )
    return {"starts_at": start.isoformat(), "time_zone": "UTC", "duration_minutes": 60}


def _mediation_body(office: str, case_number: str, tribunal: str) -> dict[str, Any]:
    return {
        "pillar": "secretariat",
        "office": office,
        "referral_source": tribunal,
        "tribunal_reference": {
            "tribunal": tribunal,
            "case_number": case_number,
            "referral_date": today(),
        },
        "issue_codes": ["2.b"],
        "parties": [
            {"reference": "P-1", "represents_administration": False},
            {"reference": "P-2", "represents_administration": True},
        ],
    }


class World:
    """The objects of the matrix, made through the gateway as their owners would make them."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.shared: dict[tuple[str, Context], Target] = {}
        self.numbers = itertools.count(1)

    def auth(
        self, role: str, sub: str, office: str | None, tribunal: str = TRIBUNAL
    ) -> dict[str, str]:
        return self.stack.auth(role, sub=sub, office=office, tribunal=tribunal)

    def caller(self, role: Role, rule: Rule) -> dict[str, str]:
        return self.auth(role.value, f"{role.value}-x", caller_office(role, rule))

    async def ok(
        self, method: str, path: str, headers: dict[str, str], body: Any = None
    ) -> dict[str, Any]:
        response = await self.stack.gateway.request(method, path, json=body, headers=headers)
        assert response.status_code in (200, 201), (method, path, response.text)
        result: dict[str, Any] = response.json()
        return result

    async def target(self, kind: str, context: Context, *, fresh: bool) -> Target:
        if fresh:
            return await self.make(kind, context)
        key = (kind, context)
        if key not in self.shared:
            self.shared[key] = await self.make(kind, context)
        return self.shared[key]

    async def make(self, kind: str, context: Context) -> Target:
        n = next(self.numbers)
        if kind == "intake":
            return await self._intake(context, n)
        if kind == "accepted_intake":
            made = await self._intake(context, n)
            await self.ok("POST", f"/v1/intake/requests/{made.member}/accept",
                          self._ombudsman(context))  # fmt: skip
            return made
        if kind == "case":
            return await self._case(context, n)
        if kind in ("closed_intake", "erasure"):
            return await self._closed_matter(kind, context, n)
        if kind in ("consent", "disclosure"):
            return await self._case_record(kind, context)
        if kind == "conflict":
            case = await self.target("case", context, fresh=False)
            declared = await self.ok(
                "POST", f"/v1/cases/{case.params['case_id']}/conflict-declarations",
                self.auth("ombudsman", f"omb-conflicted-{n}", office_of(context)),
                {"has_conflict": True},
            )  # fmt: skip
            params = {**case.params, "declaration_id": declared["id"]}
            return Target(params, case.owner, declared["id"])
        if kind.startswith("mediation:"):
            return await self._mediation(context, n, kind.partition(":")[2])
        if kind == "party":
            mediation = await self._mediation(context, n, "pending")
            read = await self.ok("GET", f"/v1/mediations/{mediation.params['mediation_id']}",
                                 self._mediator(context))  # fmt: skip
            party = read["parties"][0]["id"]
            return Target({**mediation.params, "party_id": party}, mediation.owner, party)
        if kind.startswith("session"):
            mediation = await self.target(_MEDIATION, context, fresh=False)
            mediation_id = mediation.params["mediation_id"]
            when = _planned(minutes=3) if kind == "session:today" else _planned(days=1)
            planned = await self.ok(
                "POST", f"/v1/mediations/{mediation_id}/sessions", self._mediator(context),
                {**when, "mode": "video"},
            )  # fmt: skip
            params = {"mediation_id": mediation_id, "session_id": planned["id"]}
            return Target(params, mediation.owner, planned["id"])
        if kind == "extension":
            mediation = await self.target(_MEDIATION, context, fresh=False)
            mediation_id = mediation.params["mediation_id"]
            extension = await self.ok(
                "POST", f"/v1/mediations/{mediation_id}/extensions", self._mediator(context),
                {"requested_on": today(), "requested_days": 10},
            )  # fmt: skip
            params = {"mediation_id": mediation_id, "extension_id": extension["id"]}
            return Target(params, mediation.owner, extension["id"])
        if kind == "certificate":
            mediation = await self.target(_MEDIATION, context, fresh=False)
            certificate = await self.ok(
                "POST", f"/v1/mediations/{mediation.params['mediation_id']}/certificates",
                self._mediator(context), {},
            )  # fmt: skip
            return Target({"certificate_id": certificate["id"]}, mediation.owner,
                          certificate["id"], mediation.case_number)  # fmt: skip
        if kind in ("webhook_subscription", "webhook_delivery"):
            administrator = self.auth("administrator", owner("administrator", context), None)
            subscription = await self.ok("POST", "/v1/webhooks/subscriptions", administrator,
                                         _webhook_body(tribunal_of(context)))  # fmt: skip
            made = Target({"subscription_id": subscription["id"]},
                          owner("administrator", context), subscription["id"])  # fmt: skip
            if kind == "webhook_subscription":
                return made
            await self.make("certificate", context)  # its issue queues a delivery
            page = await self.stack.gateway.get(
                f"/v1/webhooks/subscriptions/{subscription['id']}/deliveries",
                headers=administrator)  # fmt: skip
            [delivery] = page.json()["items"]
            return Target({"delivery_id": delivery["id"]}, made.owner, delivery["id"])
        if kind == "systemic_entry":
            made = await self.ok("POST", "/v1/systemic-issues", self._ombudsman(context),
                                 _register_entry(n))  # fmt: skip
            return Target({"entry_id": made["id"]}, owner("ombudsman", context), made["id"])
        if kind == "certificate_request":
            registry, tribunal = owner("registry", context), tribunal_of(context)
            asking = self.auth("registry", registry, None, tribunal)
            request = await self.ok(
                "POST", "/v1/certificates/requests", asking,
                {"tribunal": tribunal, "tribunal_case_number": f"UNDT/NY/2026/Q{n}"},
            )  # fmt: skip
            return Target({"request_id": request["id"]}, registry, request["id"])
        raise AssertionError(f"no factory for {kind}")

    def _ombudsman(self, context: Context) -> dict[str, str]:
        return self.auth("ombudsman", owner("ombudsman", context), office_of(context))

    def _mediator(self, context: Context) -> dict[str, str]:
        return self.auth("mediator", owner("mediator", context),
                         office_of(context, mediation=True))  # fmt: skip

    async def _intake(self, context: Context, n: int) -> Target:
        visitor = owner("visitor", context)
        submitted = await self.ok(
            "POST", "/v1/intake/requests", self.auth("visitor", visitor, None),
            intake_body(office=office_of(context)),
        )  # fmt: skip
        reference = submitted["reference"]
        return Target({"reference": reference}, visitor, reference)

    async def _case(self, context: Context, n: int) -> Target:
        """A case from a visitor's request, taken by its ombudsman, with a consent to contact HR."""
        ombudsman = self._ombudsman(context)
        submitted = await self.ok(
            "POST", "/v1/intake/requests", self.auth("visitor", f"visitor-c{n}", None),
            intake_body(office=office_of(context)),
        )  # fmt: skip
        accepted = await self.ok(
            "POST", f"/v1/intake/requests/{submitted['reference']}/accept", ombudsman
        )
        case_id = accepted["case_id"]
        base = f"/v1/cases/{case_id}"
        await self.ok("POST", f"{base}/conflict-declarations", ombudsman, {"has_conflict": False})
        await self.ok("POST", f"{base}/assignment", ombudsman, {})
        await self.ok("POST", f"{base}/consents", ombudsman, {"scope": "contact_hr"})
        return Target({"case_id": case_id}, owner("ombudsman", context), case_id)

    async def _closed_matter(self, kind: str, context: Context, n: int) -> Target:
        """A visitor's request whose case its ombudsman took and closed; for "erasure", the
        visitor has asked for it to be erased."""
        visitor = owner("visitor", context)
        reference = (await self._intake(context, n)).params["reference"]
        ombudsman = self._ombudsman(context)
        accepted = await self.ok("POST", f"/v1/intake/requests/{reference}/accept", ombudsman)
        case_id = accepted["case_id"]
        base = f"/v1/cases/{case_id}"
        await self.ok("POST", f"{base}/conflict-declarations", ombudsman, {"has_conflict": False})
        await self.ok("POST", f"{base}/assignment", ombudsman, {})
        closing = {"status": "closed", "closure_reason": "options_provided"}
        await self.ok("POST", f"{base}/status", ombudsman, closing)
        if kind == "closed_intake":
            return Target({"reference": reference}, visitor, reference)
        asked = await self.stack.gateway.post(
            f"/v1/intake/requests/{reference}/erasure-request",
            headers=self.auth("visitor", visitor, None),
        )
        assert asked.status_code == 202, asked.text
        return Target({"case_id": case_id}, owner("ombudsman", context), case_id)

    async def _case_record(self, kind: str, context: Context) -> Target:
        case = await self.target("case", context, fresh=False)
        base = f"/v1/cases/{case.params['case_id']}"
        if kind == "consent":
            made = await self.ok("POST", f"{base}/consents", self._ombudsman(context),
                                 {"scope": "contact_supervisor"})  # fmt: skip
            params = {**case.params, "consent_id": made["id"]}
        else:
            disclosure = {
                "disclosed_to": "security_and_safety",
                "justification": "Imminent risk of serious harm, for the oversight report.",
            }
            made = await self.ok(
                "POST", f"{base}/disclosures", self._ombudsman(context), disclosure
            )
            params = dict(case.params)
        return Target(params, case.owner, made["id"])

    async def _mediation(self, context: Context, n: int, state: str) -> Target:
        """A tribunal-referred mediation of the context's office, taken as far as `state`."""
        mediator = self._mediator(context)
        case_number = f"UNDT/NY/2026/{n:04d}"
        body = _mediation_body(office_of(context, mediation=True), case_number,
                               tribunal_of(context))  # fmt: skip
        opened = await self.ok("POST", "/v1/mediations", mediator, body)
        mediation_id = opened["id"]
        base = f"/v1/mediations/{mediation_id}"
        target = Target({"mediation_id": mediation_id}, owner("mediator", context), mediation_id,
                        case_number)  # fmt: skip
        if state == "referred":
            return target
        await self.ok("POST", f"{base}/accept", mediator)
        if state == "pending":
            return target
        for party in opened["parties"]:
            await self.ok("POST", f"{base}/parties/{party['id']}/agreement", mediator,
                          {"agrees": True, "on": today()})  # fmt: skip
        await self.ok("POST", f"{base}/declarations", mediator, {"has_conflict": False})
        await self.ok("PUT", f"{base}/mediator", mediator, {})
        if state == "ready":
            return target
        start = {"started_on": today(), "basis": "first_session", "mode": "remote"}
        await self.ok("POST", f"{base}/start", mediator, start)
        assert state == "under_way", state
        return target


@dataclass(frozen=True)
class Expected:
    status: int
    listed: bool | None = None  # for a list: whether the context's object is in it
    by_gateway: bool = False


def expected(rule: Rule, op: Op, role: Role, context: Context | None, success: int) -> Expected:
    """The one right answer of a cell, from the policy row alone."""
    if role not in rule.roles:
        return Expected(403, by_gateway=True)
    reach = rule.reach.get(role)
    if reach is None or context is None:
        return Expected(success)
    within = context in _COVERS[reach]
    if op.listed is not None:
        return Expected(success, listed=within)
    if within:
        return Expected(success)
    if reach is Reach.HANDLED and context is Context.ANOTHERS:
        return Expected(403)
    return Expected(404)


def concrete(path: str, target: Target | None) -> str:
    params = {**VALUE_PARAMETERS, **(target.params if target else {})}
    return re.sub(r"\{([a-z_]+)\}", lambda m: params[m.group(1)], path)


@dataclass
class Answer:
    status: int
    body: Any
    listed: set[str] = field(default_factory=set)

    @property
    def problem(self) -> dict[str, Any]:
        """The problem document of an error answer ({} if it is not one)."""
        return self.body if isinstance(self.body, dict) else {}


async def call(world: World, rule: Rule, op: Op, role: Role, target: Target | None) -> Answer:
    n = next(world.numbers)
    what = Call(role, target, n, world.stack.keys)
    headers = {**world.caller(role, rule), **(op.headers(what) if op.headers else {})}
    params = op.query(what) if op.query else {}
    body = op.body(what) if op.body else None
    path = concrete(rule.path, target)
    response = await world.stack.gateway.request(
        rule.method, path, params=params, json=body, headers=headers
    )
    is_json = "json" in response.headers.get("content-type", "")
    answer = Answer(response.status_code, response.json() if is_json else response.text)
    if op.listed is None or response.status_code != 200:
        return answer
    page = answer.body
    for _ in range(50):  # a list is followed to its end, a bounded number of pages
        answer.listed |= op.listed(page)
        cursor = page.get("next_cursor")
        if not cursor:
            break
        following = await world.stack.gateway.get(
            path, params={**params, "cursor": cursor}, headers=headers
        )
        assert following.status_code == 200, following.text
        page = following.json()
    else:
        raise AssertionError(f"{path}: more pages than expected")
    return answer


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def matrix_stack(
    keys: TestKeys,
    databases: TestDatabases,
    master_keys: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Stack]:
    data_dir: Path = tmp_path_factory.mktemp("matrix")
    with environment(OMBUDS_MEDIATION_WEBHOOK_ALLOWED_NETWORKS='["127.0.0.1/32"]'):
        async with running_stack(keys, databases, master_keys, data_dir) as stack:
            yield stack


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(matrix_stack: Stack) -> World:
    return World(matrix_stack)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def documented(matrix_stack: Stack) -> dict[str, Any]:
    """The combined OpenAPI document the gateway serves."""
    response = await matrix_stack.gateway.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def _success_status(document: dict[str, Any], rule: Rule) -> int:
    responses = document["paths"][rule.path][rule.method.lower()]["responses"]
    successes = [int(status) for status in responses if status.startswith("2")]
    assert len(successes) == 1, f"{rule.method} {rule.path}: documents {successes} as success"
    return successes[0]


def _undocumented_problem(document: dict[str, Any], rule: Rule, got: Answer) -> str | None:
    """Whether an error answer is one the operation's documentation lists (status and type)."""
    if got.status < 400:
        return None
    response = document["paths"][rule.path][rule.method.lower()]["responses"].get(str(got.status))
    if response is None:
        return f"answered {got.status}, which its documentation does not list"
    schema = response["content"][PROBLEM_MEDIA_TYPE]["schema"]["allOf"][1]
    if got.problem.get("type") not in schema["properties"]["type"]["enum"]:
        return f"answered a problem of a type its documentation does not list: {got.body}"
    return None


def _names_objects(rule: Rule) -> bool:
    parameters = set(re.findall(r"\{([a-z_]+)\}", rule.path))
    unknown = parameters - OBJECT_PARAMETERS - set(VALUE_PARAMETERS)
    assert not unknown, f"{rule.path}: say whether {unknown} names an object or a value"
    return bool(parameters & OBJECT_PARAMETERS)


async def test_no_route_escapes_the_matrix(documented: dict[str, Any]) -> None:
    rows = {(r.method, r.path) for r in POLICY}
    served = {
        (method.upper(), path)
        for path, operations in documented["paths"].items()
        if path.startswith("/v1/")
        for method in operations
    }
    assert served == rows, f"documented routes and policy rows differ: {served ^ rows}"
    assert set(OPERATIONS) == rows, f"routes the matrix cannot call: {rows ^ set(OPERATIONS)}"
    for rule in POLICY:
        op = OPERATIONS[(rule.method, rule.path)]
        has_objects = _names_objects(rule) or op.listed is not None
        assert (op.kind is not None) == has_objects, f"{rule.method} {rule.path}: object kind"
        if has_objects:
            assert set(rule.reach) == rule.roles, f"{rule.method} {rule.path}: reach per role"
        else:
            assert not rule.reach, f"{rule.method} {rule.path}: a reach but no objects"


@pytest.mark.parametrize("rule", POLICY, ids=lambda r: f"{r.method} {r.path}")
async def test_every_cell(rule: Rule, world: World, documented: dict[str, Any]) -> None:
    op = OPERATIONS[(rule.method, rule.path)]
    success = _success_status(documented, rule)
    contexts: list[Context | None] = list(Context) if op.kind else [None]
    wrong: list[str] = []
    for role in Role:
        for context in contexts:
            want = expected(rule, op, role, context, success)
            target = None
            if op.kind and context is not None:
                fresh = op.fresh and want.status == success
                target = await world.target(op.kind, context, fresh=fresh)
            got = await call(world, rule, op, role, target)
            cell = f"{role.value:<16} {context or '-':<17}"
            if undocumented := _undocumented_problem(documented, rule, got):
                wrong.append(f"{cell} {undocumented}")
            if got.status != want.status:
                wrong.append(f"{cell} expected {want.status}, got {got.status}: {got.body}")
                continue
            if want.by_gateway and got.problem.get("detail") != GATEWAY_REFUSAL:
                wrong.append(f"{cell} expected the gateway's refusal, got {got.body}")
            if want.listed is not None and target and (target.member in got.listed) != want.listed:
                verb = "should" if want.listed else "should not"
                wrong.append(f"{cell} {verb} list {target.member}")
    assert not wrong, f"{rule.method} {rule.path}:\n  " + "\n  ".join(wrong)
