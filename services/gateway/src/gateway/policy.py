"""Who may call what: the one table of role x route, and the fields each role may see.

Every public route the gateway serves is a row here; anything else is 404.
A row also says how far each role reaches among the route's objects (`reach`:
its own, those it handles, its office's, the Mediation Service's, or its
tribunal's). The owning service enforces that from the internal token's claims;
the gateway publishes it in the OpenAPI document, and
tests/test_authorization_matrix.py holds every service to it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from ombuds_shared.errors import MethodNotAllowed, NotFound
from ombuds_shared.reference import Role

VISITOR, OMBUDSMAN, MEDIATOR, CHIEF = Role.VISITOR, Role.OMBUDSMAN, Role.MEDIATOR, Role.CHIEF
HR_PORTAL, REFERRING_OFFICE, REGISTRY = Role.HR_PORTAL, Role.REFERRING_OFFICE, Role.REGISTRY
ANALYST, AUDITOR, ADMINISTRATOR = Role.ANALYST, Role.AUDITOR, Role.ADMINISTRATOR
# Reference data (no identities, nothing about a case): anyone signed in reads it.


class Reach(StrEnum):
    """Which of a route's objects a role may reach; the owning service enforces it.

    An object out of reach is a 404 (its existence does not leak), except an object
    the caller may see but not act on (HANDLED), which is a 403.
    """

    OWN = "own"  # only the caller's own (what they submitted or asked for)
    HANDLED = "handled"  # visible in the caller's office; acted on only by its assignee
    OFFICE = "office"  # everything of the caller's office
    # Everything addressed to the Mediation Service (registries' requests), for its own
    # mediators and chief only; a mediator or chief of any other office reaches none of it.
    SERVICE = "service"
    TRIBUNAL = "tribunal"  # what concerns the tribunal the caller's registry account serves
    ALL = "all"  # every object of the route: settings of the whole system (the administrator's)


OWN, HANDLED, OFFICE = Reach.OWN, Reach.HANDLED, Reach.OFFICE
SERVICE, TRIBUNAL, ALL = Reach.SERVICE, Reach.TRIBUNAL, Reach.ALL

# A path parameter: plain characters only, never "." or ".." (no path games upstream).
_SEGMENT = r"[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,127}"


@dataclass(frozen=True)
class Rule:
    method: str
    path: str
    service: str
    roles: frozenset[Role]
    # field -> the roles that may see it; the gateway removes it for everyone else.
    fields: Mapping[str, frozenset[Role]] = field(default_factory=dict)
    # role -> how far it reaches among the objects the route names or lists (none: no objects).
    reach: Mapping[Role, Reach] = field(default_factory=dict)
    # A lookup whose answer the gateway may reuse for the same caller for a moment
    # (see gateway.answer_cache): the registry's hot path.
    cacheable: bool = False
    # For the holder of a receipt code (an anonymous visitor, no account): no role of a
    # token reaches the route; the code, in the Receipt-Code header, does (gateway.proxy).
    receipt: bool = False
    # Reference data a browser may keep and revalidate (ETag, If-None-Match) rather than
    # fetch anew: it holds nothing confidential, unlike everything else behind the gateway.
    revalidate: bool = False

    @property
    def pattern(self) -> re.Pattern[str]:
        return re.compile("^" + re.sub(r"\{[a-z_]+\}", _SEGMENT, self.path) + "$")

    def allows(self, roles: frozenset[str]) -> bool:
        return bool(self.roles & roles)


def rule(
    method: str,
    path: str,
    service: str,
    roles: set[Role],
    fields: dict[str, set[Role]] | None = None,
    *,
    reach: Reach | dict[Role, Reach] | None = None,
    cacheable: bool = False,
    receipt: bool = False,
    revalidate: bool = False,
) -> Rule:
    """A row; a single `reach` applies to every role of the row."""
    if isinstance(reach, Reach):
        reach = dict.fromkeys(roles, reach)
    if reach is not None and set(reach) != roles:
        raise ValueError(f"{method} {path}: give a reach for each of its roles, and only them")
    if (cacheable or revalidate) and method != "GET":
        raise ValueError("only lookups can be cached")
    if receipt and (roles or reach):
        raise ValueError("a receipt route is for the code's holder, not for any role")
    return Rule(
        method,
        path,
        service,
        frozenset(roles),
        {name: frozenset(seen_by) for name, seen_by in (fields or {}).items()},
        reach or {},
        cacheable,
        receipt,
        revalidate,
    )


_ANALYSTS = {ANALYST, CHIEF}
# Codes and labels, no business data: every signed-in role reads them.
_EVERYONE = set(Role)
_INTAKE_FIELDS = {"visitor": {VISITOR, OMBUDSMAN}, "case_id": {OMBUDSMAN, CHIEF}}
# A visitor reaches their own requests; the receiving office reaches its queue.
_INTAKE_REACH = {VISITOR: OWN, OMBUDSMAN: OFFICE, CHIEF: OFFICE}
# Mediations are worked by mediators and overseen by the chief; notes are the mediator's
# alone (P5); a registry sees certificates and nothing else (P7).
_WORKERS = {MEDIATOR, CHIEF}
# A mediation is worked by the mediators of its office and overseen by that office's
# chief: the chief of another office reaches none of it (nor its source case).
_WORKER_REACH = {MEDIATOR: OFFICE, CHIEF: OFFICE}
_CERTIFICATE_READERS = {REGISTRY, MEDIATOR, CHIEF}
# A registry account is bound to its tribunal and follows its own requests; requests are
# addressed to the Mediation Service, whose mediators and chief alone answer them.
_REQUEST_REACH = {REGISTRY: OWN, MEDIATOR: SERVICE, CHIEF: SERVICE}
# A registry reads its tribunal's certificates; mediators and the chief those their office
# issued.
_CERTIFICATE_REACH = {REGISTRY: TRIBUNAL, MEDIATOR: OFFICE, CHIEF: OFFICE}

POLICY: tuple[Rule, ...] = (
    # method  path                                        service   roles
    rule("POST", "/v1/intake/requests",                     "intake", {VISITOR, HR_PORTAL, REFERRING_OFFICE}),  # noqa: E501
    rule("GET",  "/v1/intake/requests",                     "intake", {VISITOR, OMBUDSMAN, CHIEF}, _INTAKE_FIELDS, reach=_INTAKE_REACH),  # noqa: E501
    rule("GET",  "/v1/intake/requests/{reference}",         "intake", {VISITOR, OMBUDSMAN, CHIEF}, _INTAKE_FIELDS, reach=_INTAKE_REACH),  # noqa: E501
    rule("POST", "/v1/intake/requests/{reference}/accept",  "intake", {OMBUDSMAN, CHIEF}, reach=OFFICE),  # noqa: E501
    rule("POST", "/v1/intake/requests/{reference}/decline", "intake", {OMBUDSMAN, CHIEF}, reach=OFFICE),  # noqa: E501
    # The visitor's own data: only the visitor who submitted (issue 19). Withdrawing destroys
    # the identity at once; an erasure the case's handler or the chief confirms.
    rule("POST", "/v1/intake/requests/{reference}/withdraw", "intake", {VISITOR}, reach=OWN),
    rule("POST", "/v1/intake/requests/{reference}/erasure-request", "intake", {VISITOR}, reach=OWN),
    rule("GET",  "/v1/intake/me",                           "intake", {VISITOR}),
    # A conflict shuts its author out of the request, its identity and its case, for good.
    rule("POST", "/v1/intake/requests/{reference}/conflict-declarations", "intake", {OMBUDSMAN}, reach=OFFICE),  # noqa: E501
    # Secure messages (case content): the visitor who submitted the request, once it opened a
    # case, with the case's assigned ombudsman; nobody else, neither chief nor auditor.
    rule("GET",  "/v1/intake/requests/{reference}/messages", "intake", {VISITOR}, reach=OWN),
    rule("POST", "/v1/intake/requests/{reference}/messages", "intake", {VISITOR}, reach=OWN),
    # An anonymous visitor's receipt code (Receipt-Code header) reaches their one request:
    # its status, the messages with its handler, and contact details they choose to add.
    # No token's role reaches these; the gateway limits the attempts (gateway.proxy).
    rule("GET",  "/v1/receipts/request",                    "intake", set(), receipt=True),
    rule("GET",  "/v1/receipts/messages",                   "intake", set(), receipt=True),
    rule("POST", "/v1/receipts/messages",                   "intake", set(), receipt=True),
    rule("PUT",  "/v1/receipts/contact",                    "intake", set(), receipt=True),
    # Identities enter only through intake: an ombudsman records a walk-in for their office.
    rule("POST", "/v1/intake/walk-ins",                     "intake", {OMBUDSMAN}),
    rule("GET",  "/v1/cases",                               "cases",  {OMBUDSMAN, CHIEF}, reach=OFFICE),  # noqa: E501
    rule("POST", "/v1/cases",                               "cases",  {OMBUDSMAN, CHIEF}),
    rule("GET",  "/v1/cases/{case_id}",                     "cases",  {OMBUDSMAN, CHIEF}, reach=OFFICE),  # noqa: E501
    # Case metadata: the office reads it; the assigned ombudsman changes it (checked by cases).
    rule("POST", "/v1/cases/{case_id}/status",              "cases",  {OMBUDSMAN}, reach=HANDLED),
    rule("GET",  "/v1/cases/{case_id}/status-history",      "cases",  {OMBUDSMAN, CHIEF}, reach=OFFICE),  # noqa: E501
    rule("POST", "/v1/cases/{case_id}/conflict-declarations", "cases", {OMBUDSMAN}, reach=OFFICE),
    # Only the chief clears a declared conflict (its author cannot withdraw it).
    rule("POST", "/v1/cases/{case_id}/conflict-declarations/{declaration_id}/clear", "cases", {CHIEF}, reach=OFFICE),  # noqa: E501
    # An ombudsman takes an unassigned case, never a colleague's; the chief assigns anyone.
    rule("POST", "/v1/cases/{case_id}/assignment",          "cases",  {OMBUDSMAN, CHIEF}, reach={OMBUDSMAN: HANDLED, CHIEF: OFFICE}),  # noqa: E501
    rule("GET",  "/v1/cases/{case_id}/assignments",         "cases",  {OMBUDSMAN, CHIEF}, reach=OFFICE),  # noqa: E501
    rule("POST", "/v1/cases/{case_id}/issues",              "cases",  {OMBUDSMAN}, reach=HANDLED),
    rule("GET",  "/v1/cases/{case_id}/issues",              "cases",  {OMBUDSMAN, CHIEF}, reach=OFFICE),  # noqa: E501
    rule("POST", "/v1/cases/{case_id}/services",            "cases",  {OMBUDSMAN}, reach=HANDLED),
    rule("GET",  "/v1/cases/{case_id}/services",            "cases",  {OMBUDSMAN, CHIEF}, reach=OFFICE),  # noqa: E501
    rule("POST", "/v1/cases/{case_id}/referrals",           "cases",  {OMBUDSMAN}, reach=HANDLED),
    rule("GET",  "/v1/cases/{case_id}/referrals",           "cases",  {OMBUDSMAN, CHIEF}, reach=OFFICE),  # noqa: E501
    rule("POST", "/v1/cases/{case_id}/systemic-issues",     "cases",  {OMBUDSMAN}, reach=HANDLED),
    rule("GET",  "/v1/cases/{case_id}/systemic-issues",     "cases",  {OMBUDSMAN, CHIEF}, reach=OFFICE),  # noqa: E501
    # The contact log: codes, dates and minutes only (no names, no content), like issues.
    rule("POST", "/v1/cases/{case_id}/contacts",            "cases",  {OMBUDSMAN}, reach=HANDLED),
    rule("GET",  "/v1/cases/{case_id}/contacts",            "cases",  {OMBUDSMAN, CHIEF}, reach=OFFICE),  # noqa: E501
    # Confidential content: the assigned ombudsman only (P2, P4, P5); never the chief.
    rule("POST", "/v1/cases/{case_id}/consents",            "cases",  {OMBUDSMAN}, reach=HANDLED),
    rule("GET",  "/v1/cases/{case_id}/consents",            "cases",  {OMBUDSMAN}, reach=HANDLED),
    rule("POST", "/v1/cases/{case_id}/consents/{consent_id}/revoke", "cases", {OMBUDSMAN}, reach=HANDLED),  # noqa: E501
    rule("POST", "/v1/cases/{case_id}/actions",             "cases",  {OMBUDSMAN}, reach=HANDLED),
    rule("POST", "/v1/cases/{case_id}/disclosures",         "cases",  {OMBUDSMAN}, reach=HANDLED),
    rule("POST", "/v1/cases/{case_id}/notes",               "cases",  {OMBUDSMAN}, reach=HANDLED),
    rule("GET",  "/v1/cases/{case_id}/notes",               "cases",  {OMBUDSMAN}, reach=HANDLED),
    rule("GET",  "/v1/cases/{case_id}/visitor",             "cases",  {OMBUDSMAN}, reach=HANDLED),
    rule("GET",  "/v1/cases/{case_id}/messages",            "cases",  {OMBUDSMAN}, reach=HANDLED),
    rule("POST", "/v1/cases/{case_id}/messages",            "cases",  {OMBUDSMAN}, reach=HANDLED),
    # Batch reads for list views (GraphQL's loaders): the per-case routes' roles, many cases.
    rule("GET",  "/v1/case-issues",                         "cases",  {OMBUDSMAN, CHIEF}, reach=OFFICE),  # noqa: E501
    rule("GET",  "/v1/case-services",                       "cases",  {OMBUDSMAN, CHIEF}, reach=OFFICE),  # noqa: E501
    rule("GET",  "/v1/case-referrals",                      "cases",  {OMBUDSMAN, CHIEF}, reach=OFFICE),  # noqa: E501
    rule("GET",  "/v1/case-systemic-issues",                "cases",  {OMBUDSMAN, CHIEF}, reach=OFFICE),  # noqa: E501
    rule("GET",  "/v1/case-status-changes",                 "cases",  {OMBUDSMAN, CHIEF}, reach=OFFICE),  # noqa: E501
    rule("GET",  "/v1/case-assignments",                    "cases",  {OMBUDSMAN, CHIEF}, reach=OFFICE),  # noqa: E501
    # Erasure requests name case ids and dates, never the visitor; the handler confirms for
    # their case, the chief for any of the office (cases checks the case is closed).
    rule("GET",  "/v1/case-erasure-requests",               "cases",  {OMBUDSMAN, CHIEF}, reach={OMBUDSMAN: HANDLED, CHIEF: OFFICE}),  # noqa: E501
    rule("POST", "/v1/cases/{case_id}/erasure/confirm",     "cases",  {OMBUDSMAN, CHIEF}, reach={OMBUDSMAN: HANDLED, CHIEF: OFFICE}),  # noqa: E501
    # A departed member's open cases, for the chief to reassign (cases scopes it to the
    # chief's office).
    rule("GET",  "/v1/case-reassignments",                  "cases",  {CHIEF}),
    rule("GET",  "/v1/oversight/disclosures",               "cases",  {CHIEF}, reach=OFFICE),
    # The systemic-issue register: the office's ombudsmen and chief keep its entries (texts
    # about patterns, never about a case; evidence as counts only); only the chief marks an
    # entry publishable in the annual report, or withdraws it.
    rule("GET",  "/v1/systemic-issues",                     "cases",  {OMBUDSMAN, CHIEF}, reach=OFFICE),  # noqa: E501
    rule("POST", "/v1/systemic-issues",                     "cases",  {OMBUDSMAN, CHIEF}),
    rule("GET",  "/v1/systemic-issues/{entry_id}",          "cases",  {OMBUDSMAN, CHIEF}, reach=OFFICE),  # noqa: E501
    rule("PATCH", "/v1/systemic-issues/{entry_id}",         "cases",  {OMBUDSMAN, CHIEF}, reach=OFFICE),  # noqa: E501
    rule("GET",  "/v1/systemic-issues/{entry_id}/history",  "cases",  {OMBUDSMAN, CHIEF}, reach=OFFICE),  # noqa: E501
    rule("POST", "/v1/systemic-issues/{entry_id}/publication", "cases", {CHIEF}, reach=OFFICE),
    # Each service's audit log: ids, actions and times, never content; auditors only.
    # An office's history, brought in by its administrator (docs/import.md); facts only.
    rule("POST", "/v1/imports/cases",                       "intake", {ADMINISTRATOR}),
    rule("POST", "/v1/imports/mediations",                  "mediation", {ADMINISTRATOR}),
    rule("GET",  "/v1/audit/cases",                         "cases",  {AUDITOR}),
    rule("GET",  "/v1/audit/cases/head",                    "cases",  {AUDITOR}),
    rule("GET",  "/v1/audit/intake",                        "intake", {AUDITOR}),
    rule("GET",  "/v1/audit/intake/head",                   "intake", {AUDITOR}),
    rule("GET",  "/v1/audit/mediation",                     "mediation", {AUDITOR}),
    rule("GET",  "/v1/audit/mediation/head",                "mediation", {AUDITOR}),
    # A departed mediator's open mediations, for the chief to reassign (mediation scopes it
    # to the chief's office).
    rule("GET",  "/v1/mediation-reassignments",             "mediation", {CHIEF}),
    rule("GET",  "/v1/mediations",                          "mediation", _WORKERS, reach=_WORKER_REACH),  # noqa: E501
    rule("POST", "/v1/mediations",                          "mediation", _WORKERS),
    rule("GET",  "/v1/mediations/{mediation_id}",           "mediation", _WORKERS, reach=_WORKER_REACH),  # noqa: E501
    rule("POST", "/v1/mediations/{mediation_id}/accept",    "mediation", _WORKERS, reach=_WORKER_REACH),  # noqa: E501
    rule("POST", "/v1/mediations/{mediation_id}/parties",   "mediation", _WORKERS, reach=_WORKER_REACH),  # noqa: E501
    # The parties' identities (from intake's vault): the assigned mediator only, never the chief.
    rule("GET",  "/v1/mediations/{mediation_id}/parties",   "mediation", {MEDIATOR}, reach=HANDLED),
    rule("POST", "/v1/mediations/{mediation_id}/parties/{party_id}/agreement", "mediation", _WORKERS, reach=_WORKER_REACH),  # noqa: E501
    rule("POST", "/v1/mediations/{mediation_id}/declarations", "mediation", {MEDIATOR}, reach=OFFICE),  # noqa: E501
    # A mediator takes a mediation nobody has, never a colleague's; the chief assigns anyone
    # of the office.
    rule("PUT",  "/v1/mediations/{mediation_id}/mediator",  "mediation", _WORKERS, reach={MEDIATOR: HANDLED, CHIEF: OFFICE}),  # noqa: E501
    rule("POST", "/v1/mediations/{mediation_id}/start",     "mediation", _WORKERS, reach=_WORKER_REACH),  # noqa: E501
    # The diary: the assigned mediator plans and changes sessions; the office reads them,
    # without the venue, which mediation gives the assigned mediator only.
    rule("POST", "/v1/mediations/{mediation_id}/sessions",  "mediation", {MEDIATOR}, reach=HANDLED),
    rule("GET",  "/v1/mediations/{mediation_id}/sessions",  "mediation", _WORKERS, reach=_WORKER_REACH),  # noqa: E501
    rule("GET",  "/v1/mediations/{mediation_id}/sessions/{session_id}", "mediation", _WORKERS, reach=_WORKER_REACH),  # noqa: E501
    rule("POST", "/v1/mediations/{mediation_id}/sessions/{session_id}/reschedule", "mediation", {MEDIATOR}, reach=HANDLED),  # noqa: E501
    rule("POST", "/v1/mediations/{mediation_id}/sessions/{session_id}/cancel", "mediation", {MEDIATOR}, reach=HANDLED),  # noqa: E501
    rule("POST", "/v1/mediations/{mediation_id}/sessions/{session_id}/held", "mediation", {MEDIATOR}, reach=HANDLED),  # noqa: E501
    # Calendars leave the system: reference, time and mode only (no party, no content).
    rule("GET",  "/v1/mediations/{mediation_id}/sessions/{session_id}/calendar.ics", "mediation", {MEDIATOR}, reach=HANDLED),  # noqa: E501
    # The chief sees the office's schedule (times, modes, who), a mediator their own.
    rule("GET",  "/v1/mediation-schedule",                  "mediation", _WORKERS, reach={MEDIATOR: OWN, CHIEF: OFFICE}),  # noqa: E501
    # A mediator's own feed, bearer only: calendar clients fetch it through the frontend.
    rule("GET",  "/v1/calendar/sessions.ics",               "mediation", {MEDIATOR}),
    rule("POST", "/v1/mediations/{mediation_id}/contacts",  "mediation", _WORKERS, reach=_WORKER_REACH),  # noqa: E501
    rule("GET",  "/v1/mediations/{mediation_id}/contacts",  "mediation", _WORKERS, reach=_WORKER_REACH),  # noqa: E501
    rule("POST", "/v1/mediations/{mediation_id}/close",     "mediation", _WORKERS, reach=_WORKER_REACH),  # noqa: E501
    rule("GET",  "/v1/mediations/{mediation_id}/deadlines", "mediation", _WORKERS, reach=_WORKER_REACH),  # noqa: E501
    rule("POST", "/v1/mediations/{mediation_id}/deadlines", "mediation", _WORKERS, reach=_WORKER_REACH),  # noqa: E501
    rule("POST", "/v1/mediations/{mediation_id}/extensions", "mediation", _WORKERS, reach=_WORKER_REACH),  # noqa: E501
    rule("POST", "/v1/mediations/{mediation_id}/extensions/{extension_id}/decision", "mediation", _WORKERS, reach=_WORKER_REACH),  # noqa: E501
    rule("GET",  "/v1/mediations/{mediation_id}/notes",     "mediation", {MEDIATOR}, reach=HANDLED),
    rule("POST", "/v1/mediations/{mediation_id}/notes",     "mediation", {MEDIATOR}, reach=HANDLED),
    rule("GET",  "/v1/mediations/{mediation_id}/certificates", "mediation", _WORKERS, reach=_WORKER_REACH),  # noqa: E501
    rule("POST", "/v1/mediations/{mediation_id}/certificates", "mediation", _WORKERS, reach=_WORKER_REACH),  # noqa: E501
    # The static /requests rows come before /{certificate_id}: the first match wins.
    # A registry asks for its own tribunal's cases only.
    rule("POST", "/v1/certificates/requests",               "mediation", {REGISTRY}),
    rule("GET",  "/v1/certificates/requests",               "mediation", _CERTIFICATE_READERS, reach=_REQUEST_REACH),  # noqa: E501
    rule("GET",  "/v1/certificates/requests/{request_id}",  "mediation", _CERTIFICATE_READERS, reach=_REQUEST_REACH),  # noqa: E501
    rule("POST", "/v1/certificates/requests/{request_id}/decline", "mediation", _WORKERS, reach=SERVICE),  # noqa: E501
    # Certificates carry dates only; the JWS verifies offline for anyone who holds one, but
    # the lookups answer only the tribunal concerned and the issuing office.
    rule("GET",  "/v1/certificates",                        "mediation", _CERTIFICATE_READERS, reach=_CERTIFICATE_REACH, cacheable=True),  # noqa: E501
    rule("GET",  "/v1/certificates/{certificate_id}",       "mediation", _CERTIFICATE_READERS, reach=_CERTIFICATE_REACH, cacheable=True),  # noqa: E501
    rule("GET",  "/v1/certificates/{certificate_id}/printable", "mediation", _CERTIFICATE_READERS, reach=_CERTIFICATE_REACH),  # noqa: E501
    rule("POST", "/v1/certificates/{certificate_id}/revoke", "mediation", _WORKERS, reach=_WORKER_REACH),  # noqa: E501
    # Reference vocabularies, served by the gateway itself (gateway.reference).
    # The directory (intake's, the one source of truth): offices are reference data for
    # everyone; the administrator opens, renames, moves and closes them.
    rule("GET",  "/v1/reference/offices",                   "intake", _EVERYONE, revalidate=True),
    rule("POST", "/v1/offices",                             "intake", {ADMINISTRATOR}),
    rule("PATCH", "/v1/offices/{code}",                     "intake", {ADMINISTRATOR}),
    rule("POST", "/v1/offices/{code}/close",                "intake", {ADMINISTRATOR}),
    # The staff roster: display names are staff identities, read by the administrator and
    # by a chief for their own office only (intake scopes the chief's list to it).
    rule("GET",  "/v1/staff",                               "intake", {ADMINISTRATOR, CHIEF}),
    rule("POST", "/v1/staff",                               "intake", {ADMINISTRATOR}),
    rule("POST", "/v1/staff/{subject}/deactivate",          "intake", {ADMINISTRATOR}),
    # Webhooks (docs/webhooks.md): the administrator subscribes integrators' receivers to an
    # office's or a tribunal's events; hosted by mediation, payloads hold ids, codes, dates.
    rule("POST", "/v1/webhooks/subscriptions",              "mediation", {ADMINISTRATOR}),
    rule("GET",  "/v1/webhooks/subscriptions",              "mediation", {ADMINISTRATOR}, reach=ALL),  # noqa: E501
    rule("GET",  "/v1/webhooks/subscriptions/{subscription_id}", "mediation", {ADMINISTRATOR}, reach=ALL),  # noqa: E501
    rule("DELETE", "/v1/webhooks/subscriptions/{subscription_id}", "mediation", {ADMINISTRATOR}, reach=ALL),  # noqa: E501
    rule("POST", "/v1/webhooks/subscriptions/{subscription_id}/rotate", "mediation", {ADMINISTRATOR}, reach=ALL),  # noqa: E501
    rule("GET",  "/v1/webhooks/subscriptions/{subscription_id}/deliveries", "mediation", {ADMINISTRATOR}, reach=ALL),  # noqa: E501
    rule("POST", "/v1/webhooks/deliveries/{delivery_id}/replay", "mediation", {ADMINISTRATOR}, reach=ALL),  # noqa: E501
    # The static row /v1/reference/offices (above) comes before /{vocabulary}: the first
    # match wins.
    rule("GET",  "/v1/reference",                           "gateway", _EVERYONE, revalidate=True),
    rule("GET",  "/v1/reference/{vocabulary}",              "gateway", _EVERYONE, revalidate=True),
    # Analytics: suppressed aggregates for analysts and the chief, nobody else (P6).
    rule("GET",  "/v1/analytics/statistics",                "analytics", _ANALYSTS),
    rule("GET",  "/v1/analytics/statistics/{statistic}",    "analytics", _ANALYSTS),
    rule("GET",  "/v1/analytics/charts/{chart}",            "analytics", _ANALYSTS),
    rule("GET",  "/v1/analytics/reports/annual/{year}",     "analytics", _ANALYSTS),
    rule("GET",  "/v1/analytics/headcounts",                "analytics", _ANALYSTS),
    rule("PUT",  "/v1/analytics/headcounts/{year}/{pillar}", "analytics", _ANALYSTS),
    rule("GET",  "/v1/analytics/outreach",                  "analytics", _ANALYSTS),
    rule("POST", "/v1/analytics/outreach",                  "analytics", _ANALYSTS),
    rule("POST", "/v1/analytics/surveys/workplace",         "analytics", _ANALYSTS),
    # A visitor answers the exit survey; the answer is kept with no link to them.
    rule("POST", "/v1/analytics/surveys/exit",              "analytics", {VISITOR}),
)  # fmt: skip


class Policy:
    """Finds the rule for a request; 404 for an unknown path, 405 for a wrong method."""

    def __init__(self, rules: tuple[Rule, ...] = POLICY) -> None:
        self.rules = rules
        self._compiled = [(r, r.pattern) for r in rules]

    def match(self, method: str, path: str) -> Rule:
        methods = []
        for candidate, pattern in self._compiled:
            if pattern.match(path):
                if candidate.method == method:
                    return candidate
                methods.append(candidate.method)
        if methods:
            allowed = sorted(set(methods))
            raise MethodNotAllowed(f"Use {', '.join(allowed)}.", allow=allowed)
        raise NotFound("No such route.")
