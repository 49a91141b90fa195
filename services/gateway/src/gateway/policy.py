"""Who may call what: the one table of role x route, and the fields each role may see.

Every public route the gateway serves is a row here; anything else is 404.
Object-level rules (whose request, which office) are enforced by the owning
service from the internal token's claims; this table is the first wall.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from ombuds_shared.errors import MethodNotAllowed, NotFound
from ombuds_shared.reference import Role

VISITOR, OMBUDSMAN, MEDIATOR, CHIEF = Role.VISITOR, Role.OMBUDSMAN, Role.MEDIATOR, Role.CHIEF
HR_PORTAL, REFERRING_OFFICE, REGISTRY = Role.HR_PORTAL, Role.REFERRING_OFFICE, Role.REGISTRY
ANALYST, AUDITOR = Role.ANALYST, Role.AUDITOR

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
    # A lookup whose answer the gateway may reuse for the same caller for a moment
    # (see gateway.answer_cache): the registry's hot path.
    cacheable: bool = False

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
    cacheable: bool = False,
) -> Rule:
    if cacheable and method != "GET":
        raise ValueError("only lookups can be cached")
    return Rule(
        method,
        path,
        service,
        frozenset(roles),
        {name: frozenset(seen_by) for name, seen_by in (fields or {}).items()},
        cacheable,
    )


_ANALYSTS = {ANALYST, CHIEF}
_INTAKE_FIELDS = {"visitor": {VISITOR, OMBUDSMAN}, "case_id": {OMBUDSMAN, CHIEF}}
# Mediations are worked by mediators and overseen by the chief; notes are the mediator's
# alone (P5); a registry sees certificates and nothing else (P7).
_WORKERS = {MEDIATOR, CHIEF}
_CERTIFICATE_READERS = {REGISTRY, MEDIATOR, CHIEF}

POLICY: tuple[Rule, ...] = (
    # method  path                                        service   roles
    rule("POST", "/v1/intake/requests",                     "intake", {VISITOR, HR_PORTAL, REFERRING_OFFICE}),  # noqa: E501
    rule("GET",  "/v1/intake/requests",                     "intake", {VISITOR, OMBUDSMAN, CHIEF}, _INTAKE_FIELDS),  # noqa: E501
    rule("GET",  "/v1/intake/requests/{reference}",         "intake", {VISITOR, OMBUDSMAN, CHIEF}, _INTAKE_FIELDS),  # noqa: E501
    rule("POST", "/v1/intake/requests/{reference}/accept",  "intake", {OMBUDSMAN, CHIEF}),
    rule("POST", "/v1/intake/requests/{reference}/decline", "intake", {OMBUDSMAN, CHIEF}),
    rule("GET",  "/v1/cases",                               "cases",  {OMBUDSMAN, CHIEF}),
    rule("POST", "/v1/cases",                               "cases",  {OMBUDSMAN, CHIEF}),
    rule("GET",  "/v1/cases/{case_id}",                     "cases",  {OMBUDSMAN, CHIEF}),
    # Case metadata: the office reads it; the assigned ombudsman changes it (checked by cases).
    rule("POST", "/v1/cases/{case_id}/status",              "cases",  {OMBUDSMAN}),
    rule("GET",  "/v1/cases/{case_id}/status-history",      "cases",  {OMBUDSMAN, CHIEF}),
    rule("POST", "/v1/cases/{case_id}/conflict-declarations", "cases", {OMBUDSMAN}),
    rule("POST", "/v1/cases/{case_id}/assignment",          "cases",  {OMBUDSMAN, CHIEF}),
    rule("GET",  "/v1/cases/{case_id}/assignments",         "cases",  {OMBUDSMAN, CHIEF}),
    rule("POST", "/v1/cases/{case_id}/issues",              "cases",  {OMBUDSMAN}),
    rule("GET",  "/v1/cases/{case_id}/issues",              "cases",  {OMBUDSMAN, CHIEF}),
    rule("POST", "/v1/cases/{case_id}/services",            "cases",  {OMBUDSMAN}),
    rule("GET",  "/v1/cases/{case_id}/services",            "cases",  {OMBUDSMAN, CHIEF}),
    rule("POST", "/v1/cases/{case_id}/referrals",           "cases",  {OMBUDSMAN}),
    rule("GET",  "/v1/cases/{case_id}/referrals",           "cases",  {OMBUDSMAN, CHIEF}),
    rule("POST", "/v1/cases/{case_id}/systemic-issues",     "cases",  {OMBUDSMAN}),
    rule("GET",  "/v1/cases/{case_id}/systemic-issues",     "cases",  {OMBUDSMAN, CHIEF}),
    # Confidential content: the assigned ombudsman only (P2, P4, P5); never the chief.
    rule("POST", "/v1/cases/{case_id}/consents",            "cases",  {OMBUDSMAN}),
    rule("GET",  "/v1/cases/{case_id}/consents",            "cases",  {OMBUDSMAN}),
    rule("POST", "/v1/cases/{case_id}/consents/{consent_id}/revoke", "cases", {OMBUDSMAN}),
    rule("POST", "/v1/cases/{case_id}/actions",             "cases",  {OMBUDSMAN}),
    rule("POST", "/v1/cases/{case_id}/disclosures",         "cases",  {OMBUDSMAN}),
    rule("POST", "/v1/cases/{case_id}/notes",               "cases",  {OMBUDSMAN}),
    rule("GET",  "/v1/cases/{case_id}/notes",               "cases",  {OMBUDSMAN}),
    rule("GET",  "/v1/cases/{case_id}/visitor",             "cases",  {OMBUDSMAN}),
    # Batch reads for list views (GraphQL's loaders): the per-case routes' roles, many cases.
    rule("GET",  "/v1/case-issues",                         "cases",  {OMBUDSMAN, CHIEF}),
    rule("GET",  "/v1/case-services",                       "cases",  {OMBUDSMAN, CHIEF}),
    rule("GET",  "/v1/case-referrals",                      "cases",  {OMBUDSMAN, CHIEF}),
    rule("GET",  "/v1/case-systemic-issues",                "cases",  {OMBUDSMAN, CHIEF}),
    rule("GET",  "/v1/case-status-changes",                 "cases",  {OMBUDSMAN, CHIEF}),
    rule("GET",  "/v1/case-assignments",                    "cases",  {OMBUDSMAN, CHIEF}),
    rule("GET",  "/v1/oversight/disclosures",               "cases",  {CHIEF}),
    rule("GET",  "/v1/audit/cases",                         "cases",  {AUDITOR}),
    rule("GET",  "/v1/mediations",                          "mediation", _WORKERS),
    rule("POST", "/v1/mediations",                          "mediation", _WORKERS),
    rule("GET",  "/v1/mediations/{mediation_id}",           "mediation", _WORKERS),
    rule("POST", "/v1/mediations/{mediation_id}/accept",    "mediation", _WORKERS),
    rule("POST", "/v1/mediations/{mediation_id}/parties",   "mediation", _WORKERS),
    rule("POST", "/v1/mediations/{mediation_id}/parties/{party_id}/agreement", "mediation", _WORKERS),  # noqa: E501
    rule("POST", "/v1/mediations/{mediation_id}/declarations", "mediation", {MEDIATOR}),
    rule("PUT",  "/v1/mediations/{mediation_id}/mediator",  "mediation", _WORKERS),
    rule("POST", "/v1/mediations/{mediation_id}/start",     "mediation", _WORKERS),
    rule("POST", "/v1/mediations/{mediation_id}/sessions",  "mediation", _WORKERS),
    rule("POST", "/v1/mediations/{mediation_id}/close",     "mediation", _WORKERS),
    rule("GET",  "/v1/mediations/{mediation_id}/deadlines", "mediation", _WORKERS),
    rule("POST", "/v1/mediations/{mediation_id}/deadlines", "mediation", _WORKERS),
    rule("POST", "/v1/mediations/{mediation_id}/extensions", "mediation", _WORKERS),
    rule("POST", "/v1/mediations/{mediation_id}/extensions/{extension_id}/decision", "mediation", _WORKERS),  # noqa: E501
    rule("GET",  "/v1/mediations/{mediation_id}/notes",     "mediation", {MEDIATOR}),
    rule("POST", "/v1/mediations/{mediation_id}/notes",     "mediation", {MEDIATOR}),
    rule("GET",  "/v1/mediations/{mediation_id}/certificates", "mediation", _WORKERS),
    rule("POST", "/v1/mediations/{mediation_id}/certificates", "mediation", _WORKERS),
    # The static /requests rows come before /{certificate_id}: the first match wins.
    rule("POST", "/v1/certificates/requests",               "mediation", {REGISTRY}),
    rule("GET",  "/v1/certificates/requests",               "mediation", _CERTIFICATE_READERS),
    rule("GET",  "/v1/certificates/requests/{request_id}",  "mediation", _CERTIFICATE_READERS),
    rule("POST", "/v1/certificates/requests/{request_id}/decline", "mediation", _WORKERS),
    rule("GET",  "/v1/certificates",                        "mediation", _CERTIFICATE_READERS, cacheable=True),  # noqa: E501
    rule("GET",  "/v1/certificates/{certificate_id}",       "mediation", _CERTIFICATE_READERS, cacheable=True),  # noqa: E501
    rule("GET",  "/v1/certificates/{certificate_id}/printable", "mediation", _CERTIFICATE_READERS),
    rule("POST", "/v1/certificates/{certificate_id}/revoke", "mediation", _WORKERS),
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


@dataclass(frozen=True)
class Match:
    rule: Rule


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
