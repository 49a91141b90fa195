# ruff: noqa: E501  (tables: one row per route reads best on one line, as in policy.py)
"""Every route of the policy table, and the GraphQL that goes through it."""

from __future__ import annotations

from .mediation_support import CASE_NUMBER

# Every read route, and the GraphQL that reads through it: (REST query, document).
READS: dict[str, tuple[str, str]] = {
    "/v1/intake/requests": ("", "{ intakeRequests(first: 5) { edges { cursor } } }"),
    "/v1/intake/requests/{reference}": ("", '{ intakeRequest(reference: "{reference}") { status } }'),
    "/v1/intake/requests/{reference}/messages": ("", '{ intakeRequest(reference: "{reference}") { messages { body } } }'),
    "/v1/cases": ("", "{ cases(first: 5) { edges { node { id } } } }"),
    "/v1/cases/{case_id}": ("", '{ case(id: "{case_id}") { id } }'),
    "/v1/cases/{case_id}/status-history": ("", '{ case(id: "{case_id}") { statusHistory { status } } }'),
    "/v1/cases/{case_id}/assignments": ("", '{ case(id: "{case_id}") { assignment { assignedTo } } }'),
    "/v1/cases/{case_id}/issues": ("", '{ case(id: "{case_id}") { issues { code } } }'),
    "/v1/cases/{case_id}/services": ("", '{ case(id: "{case_id}") { services { id } } }'),
    "/v1/cases/{case_id}/referrals": ("", '{ case(id: "{case_id}") { referrals { id } } }'),
    "/v1/cases/{case_id}/systemic-issues": ("", '{ case(id: "{case_id}") { systemicIssues { systemicIssue } } }'),
    "/v1/cases/{case_id}/consents": ("", '{ case(id: "{case_id}") { consents { id } } }'),
    "/v1/cases/{case_id}/notes": ("", '{ case(id: "{case_id}") { notes { body } } }'),
    "/v1/cases/{case_id}/visitor": ("", '{ case(id: "{case_id}") { visitor { name } } }'),
    "/v1/cases/{case_id}/messages": ("", '{ case(id: "{case_id}") { messages { body } } }'),
    "/v1/case-issues": ("case_id={case_id}", "{ cases(first: 5) { edges { node { issues { code } } } } }"),
    "/v1/case-services": ("case_id={case_id}", "{ cases(first: 5) { edges { node { services { id } } } } }"),
    "/v1/case-referrals": ("case_id={case_id}", "{ cases(first: 5) { edges { node { referrals { id } } } } }"),
    "/v1/case-systemic-issues": ("case_id={case_id}", "{ cases(first: 5) { edges { node { systemicIssues { systemicIssue } } } } }"),
    "/v1/case-status-changes": ("case_id={case_id}", "{ cases(first: 5) { edges { node { statusHistory { status } } } } }"),
    "/v1/case-assignments": ("case_id={case_id}", "{ cases(first: 5) { edges { node { assignment { assignedTo } } } } }"),
    "/v1/oversight/disclosures": ("", "{ disclosureOversight { total } }"),
    "/v1/mediations": ("", "{ mediations(first: 5) { edges { node { id } } } }"),
    "/v1/mediations/{mediation_id}": ("", '{ mediation(id: "{mediation_id}") { status } }'),
    "/v1/mediations/{mediation_id}/deadlines": ("", '{ mediation(id: "{mediation_id}") { ledger { clocks { id } } } }'),
    "/v1/mediations/{mediation_id}/notes": ("", '{ mediation(id: "{mediation_id}") { notes { id } } }'),
    "/v1/mediations/{mediation_id}/parties": ("", '{ mediation(id: "{mediation_id}") { partyIdentities { identity { name } } } }'),
    "/v1/mediations/{mediation_id}/certificates": ("", '{ mediation(id: "{mediation_id}") { certificates { id } } }'),
    "/v1/certificates/requests": ("", "{ certificateRequests { edges { node { id } } } }"),
    "/v1/certificates/requests/{request_id}": ("", '{ certificateRequest(id: "{request_id}") { status } }'),
    "/v1/certificates": (f"tribunal_case_number={CASE_NUMBER}", f'{{ certificates(tribunalCaseNumber: "{CASE_NUMBER}") {{ current }} }}'),
    "/v1/certificates/{certificate_id}": ("", '{ certificate(id: "{certificate_id}") { jws } }'),
    "/v1/analytics/statistics": ("", "{ statistics { name } }"),
    "/v1/analytics/statistics/{statistic}": ("", '{ statistic(name: "cases-opened") { title } }'),
    "/v1/analytics/headcounts": ("", "{ headcounts { year } }"),
    "/v1/analytics/outreach": ("", "{ outreachActivities { id } }"),
}  # fmt: skip
# Read routes GraphQL leaves to REST, and why.
REST_ONLY_READS = {
    "/v1/audit/cases": "the auditor's log is read by audit tooling, not by a frontend",
    "/v1/audit/cases/head": "a signed document the auditor keeps outside the system",
    "/v1/audit/intake": "the auditor's log is read by audit tooling, not by a frontend",
    "/v1/audit/intake/head": "a signed document the auditor keeps outside the system",
    "/v1/audit/mediation": "the auditor's log is read by audit tooling, not by a frontend",
    "/v1/audit/mediation/head": "a signed document the auditor keeps outside the system",
    "/v1/certificates/{certificate_id}/printable": "an HTML page to print",
    "/v1/analytics/charts/{chart}": "an SVG or PNG image",
    "/v1/analytics/reports/annual/{year}": "an HTML report",
    "/v1/receipts/request": "a receipt code's holder has no account, so no GraphQL session",
    "/v1/receipts/messages": "a receipt code's holder has no account, so no GraphQL session",
}


# Write routes GraphQL leaves to REST, and why.
REST_ONLY_WRITES = {
    (
        "POST",
        "/v1/receipts/messages",
    ): "a receipt code's holder has no account, so no GraphQL session",
    (
        "PUT",
        "/v1/receipts/contact",
    ): "a receipt code's holder has no account, so no GraphQL session",
}

# Every write route, and the mutation that makes it (arguments of the right type; the
# policy refuses a role before any service would look at them).
WRITES: dict[tuple[str, str], str] = {
    ("POST", "/v1/intake/requests"): 'submitIntakeRequest(input: {visitor: {name: "A"}, pillar: UNHCR, office: "nairobi", location: HEADQUARTERS, occupationalGroup: NON_STAFF}) { reference }',
    ("POST", "/v1/intake/requests/{reference}/accept"): 'acceptIntakeRequest(reference: "x") { status }',
    ("POST", "/v1/intake/requests/{reference}/decline"): 'declineIntakeRequest(reference: "x", reason: "x") { status }',
    ("POST", "/v1/cases"): 'openCase(input: {pillar: UNHCR, location: HEADQUARTERS, occupationalGroup: NON_STAFF, intakeChannel: "x"}) { id }',
    ("POST", "/v1/cases/{case_id}/status"): 'changeCaseStatus(caseId: "x", status: "x") { id }',
    ("POST", "/v1/cases/{case_id}/conflict-declarations"): 'declareCaseConflict(caseId: "x", hasConflict: false) { ombudsman }',
    ("POST", "/v1/cases/{case_id}/conflict-declarations/{declaration_id}/clear"): 'clearCaseConflict(caseId: "x", declarationId: "x", reason: "declared_in_error") { ombudsman }',
    ("POST", "/v1/intake/requests/{reference}/conflict-declarations"): 'declareIntakeConflict(reference: "x") { ombudsman }',
    ("POST", "/v1/intake/walk-ins"): 'recordWalkIn(input: {channel: "phone", pillar: UNHCR, location: HEADQUARTERS, occupationalGroup: NON_STAFF, visitor: {name: "A"}}) { status }',
    ("POST", "/v1/cases/{case_id}/assignment"): 'assignCase(caseId: "x") { assignedTo }',
    ("POST", "/v1/cases/{case_id}/issues"): 'recordCaseIssue(caseId: "x", code: "2.b") { code }',
    ("POST", "/v1/cases/{case_id}/services"): 'recordCaseService(caseId: "x", service: "x") { id }',
    ("POST", "/v1/cases/{case_id}/referrals"): 'referCase(caseId: "x", formalChannel: "x") { id }',
    ("POST", "/v1/cases/{case_id}/systemic-issues"): 'tagSystemicIssue(caseId: "x", systemicIssue: "x") { systemicIssue }',
    ("POST", "/v1/cases/{case_id}/consents"): 'recordConsent(caseId: "x", scope: "x") { id }',
    ("POST", "/v1/cases/{case_id}/consents/{consent_id}/revoke"): 'revokeConsent(caseId: "x", consentId: "x") { id }',
    ("POST", "/v1/cases/{case_id}/actions"): 'takeConsentedAction(caseId: "x", action: "x") { id }',
    ("POST", "/v1/cases/{case_id}/disclosures"): 'discloseForImminentRisk(caseId: "x", disclosedTo: "x", justification: "x") { id }',
    ("POST", "/v1/cases/{case_id}/notes"): 'writeCaseNote(caseId: "x", body: "x") { id }',
    ("POST", "/v1/cases/{case_id}/messages"): 'sendCaseMessage(caseId: "x", body: "x") { id }',
    ("POST", "/v1/intake/requests/{reference}/messages"): 'sendIntakeMessage(reference: "x", body: "x") { id }',
    ("POST", "/v1/mediations"): 'openMediation(input: {pillar: UNHCR, referralSource: "x"}) { id }',
    ("POST", "/v1/mediations/{mediation_id}/accept"): 'acceptMediationReferral(mediationId: "x") { id }',
    ("POST", "/v1/mediations/{mediation_id}/parties"): 'addMediationParty(mediationId: "x", reference: "x") { id }',
    ("POST", "/v1/mediations/{mediation_id}/parties/{party_id}/agreement"): 'recordPartyAgreement(mediationId: "x", partyId: "x", agrees: true, date: "2026-01-05") { id }',
    ("POST", "/v1/mediations/{mediation_id}/declarations"): 'declareMediatorConflict(mediationId: "x", hasConflict: false) { id }',
    ("PUT", "/v1/mediations/{mediation_id}/mediator"): 'assignMediator(mediationId: "x") { id }',
    ("POST", "/v1/mediations/{mediation_id}/start"): 'startMediation(mediationId: "x", startedOn: "2026-01-05", basis: "x") { id }',
    ("POST", "/v1/mediations/{mediation_id}/sessions"): 'recordMediationSession(mediationId: "x", heldOn: "2026-01-05", mode: "x") { id }',
    ("POST", "/v1/mediations/{mediation_id}/close"): 'closeMediation(mediationId: "x", outcome: "x", closedOn: "2026-01-05") { id }',
    ("POST", "/v1/mediations/{mediation_id}/deadlines"): 'registerDeadlineClock(mediationId: "x", kind: "x", startedOn: "2026-01-05") { clocks { id } }',
    ("POST", "/v1/mediations/{mediation_id}/extensions"): 'requestExtension(mediationId: "x", requestedOn: "2026-01-05", requestedDays: 5) { id }',
    ("POST", "/v1/mediations/{mediation_id}/extensions/{extension_id}/decision"): 'decideExtension(mediationId: "x", extensionId: "x", granted: true, decidedOn: "2026-01-05") { id }',
    ("POST", "/v1/mediations/{mediation_id}/notes"): 'writeMediationNote(mediationId: "x", body: "x") { id }',
    ("POST", "/v1/mediations/{mediation_id}/certificates"): 'issueCertificate(mediationId: "x") { id }',
    ("POST", "/v1/certificates/requests"): 'requestCertificate(tribunal: "x", tribunalCaseNumber: "x") { id }',
    ("POST", "/v1/certificates/requests/{request_id}/decline"): 'declineCertificateRequest(id: "x", reason: "x") { id }',
    ("POST", "/v1/certificates/{certificate_id}/revoke"): 'revokeCertificate(id: "x", reason: "x") { id }',
    ("PUT", "/v1/analytics/headcounts/{year}/{pillar}"): "setHeadcount(year: 2026, pillar: UNHCR, international: 1, national: 1) { year }",
    ("POST", "/v1/analytics/outreach"): 'recordOutreach(input: {activityType: "x", heldOn: "2026-01-05", office: "x", participants: 1}) { id }',
    ("POST", "/v1/analytics/surveys/workplace"): 'uploadWorkplaceSurvey(responses: []) { received }',
    ("POST", "/v1/analytics/surveys/exit"): "answerExitSurvey(input: {helpful: 5, respected: 5, wouldRecommend: true, matterResolved: true}) { received }",
}  # fmt: skip
