"""Each desk's main queries and mutations through GraphQL, and each role's view of one case.

The desks: the ombudsman's case desk, the chief's dashboard, the mediator's desk,
the tribunal registry and the analysts. Everything goes through a real GraphQL
client (gql) to the gateway, which calls the services on their loopback ports.
"""

from __future__ import annotations

import datetime as dt
import json
import warnings
from typing import Any

from joserfc import jws
from joserfc.errors import SecurityWarning
from joserfc.jwk import KeySet

from ombuds_shared.tokens import mint_exit_survey_token

from .cases_helpers import HANDLER, OFFICE
from .conftest import Stack, intake_body
from .graphql_support import attempt, graphql_as, run
from .mediation_support import CASE_NUMBER, Mediations, today

CASE_VIEW = """
query ($id: ID!) { case(id: $id) {
  id status closureReason assignedTo closedAt visitorRef
  visitor { name email }
  issues { code category }
  services { service givenOn mediationId }
  referrals { formalChannel referredOn }
  systemicIssues { systemicIssue }
  statusHistory { status changedBy }
  assignment { assignedTo assignments { assignee } declarations { ombudsman hasConflict } }
  consents { id scope details live }
  notes { body author }
} }"""

WORK_THE_CASE = """
mutation ($id: ID!) {
  declared: declareCaseConflict(caseId: $id, hasConflict: false) { hasConflict }
  taken: assignCase(caseId: $id) { assignedTo }
  first: recordCaseIssue(caseId: $id, code: "2.b") { category }
  second: recordCaseIssue(caseId: $id, code: "4.a") { category }
  service: recordCaseService(caseId: $id, service: "consultation") { service }
  referral: referCase(caseId: $id, formalChannel: "ethics_office") { formalChannel }
  tag: tagSystemicIssue(caseId: $id, systemicIssue: "fear_of_speaking_out") { systemicIssue }
  consent: recordConsent(caseId: $id, scope: "contact_hr", details: "HR only, by email") { id }
  action: takeConsentedAction(caseId: $id, action: "contact_hr") { consentId }
  note: writeCaseNote(caseId: $id, body: "Options discussed; she will think it over.") { id }
  moved: changeCaseStatus(caseId: $id, status: "in_progress") { status }
}"""


async def _accepted_case(stack: Stack) -> str:
    """A visitor's request, accepted through the ombudsman's desk: the case id."""
    submitted = await stack.gateway.post(
        "/v1/intake/requests", json=intake_body(), headers=stack.auth("visitor", sub="jonas")
    )
    assert submitted.status_code == 201, submitted.text
    async with graphql_as(stack, "ombudsman", sub=HANDLER, office=OFFICE) as desk:
        accepted = await run(
            desk,
            "mutation ($ref: String!) { acceptIntakeRequest(reference: $ref) { caseId } }",
            {"ref": submitted.json()["reference"]},
        )
    return str(accepted["acceptIntakeRequest"]["caseId"])


async def test_ombudsman_desk_works_a_case_through_every_step(stack: Stack) -> None:
    case_id = await _accepted_case(stack)
    async with graphql_as(stack, "ombudsman", sub=HANDLER, office=OFFICE) as desk:
        worked = await run(desk, WORK_THE_CASE, {"id": case_id})
        assert worked["taken"]["assignedTo"] == HANDLER
        assert (worked["first"]["category"], worked["second"]["category"]) == ("2", "4")
        assert worked["action"]["consentId"] == worked["consent"]["id"]
        disclosed = await run(
            desk,
            """mutation ($id: ID!) { discloseForImminentRisk(caseId: $id,
                 disclosedTo: "security_and_safety",
                 justification: "Stated intent to harm a colleague today.") { disclosedTo } }""",
            {"id": case_id},
        )
        assert disclosed["discloseForImminentRisk"]["disclosedTo"] == "security_and_safety"

        case = (await run(desk, CASE_VIEW, {"id": case_id}))["case"]
        assert case["status"] == "in_progress"
        assert case["visitor"] == {"name": "Jonas Okafor", "email": "jonas.okafor@example.org"}
        assert [i["code"] for i in case["issues"]] == ["2.b", "4.a"]
        assert case["services"] == [
            {"service": "consultation", "givenOn": today(), "mediationId": None}
        ]
        assert case["referrals"][0]["formalChannel"] == "ethics_office"
        assert case["systemicIssues"] == [{"systemicIssue": "fear_of_speaking_out"}]
        assert [s["status"] for s in case["statusHistory"]] == ["opened", "in_progress"]
        assert case["assignment"]["declarations"] == [{"ombudsman": HANDLER, "hasConflict": False}]
        assert case["consents"][0]["details"] == "HR only, by email"
        assert case["notes"][0]["author"] == HANDLER

        # Without a live consent the action is refused, with the problem details.
        consent_id = case["consents"][0]["id"]
        revoke = (
            "mutation ($id: ID!, $c: ID!) { revokeConsent(caseId: $id, consentId: $c) { live } }"
        )
        assert not (await run(desk, revoke, {"id": case_id, "c": consent_id}))["revokeConsent"][
            "live"
        ]
        again = (
            'mutation ($id: ID!) { takeConsentedAction(caseId: $id, action: "contact_hr") { id } }'
        )
        _, errors = await attempt(desk, again, {"id": case_id})
        assert errors["takeConsentedAction"]["extensions"]["code"] == "FORBIDDEN"
        assert "no live consent" in errors["takeConsentedAction"]["message"]

        closing = """mutation ($id: ID!) {
          changeCaseStatus(caseId: $id, status: "closed", closureReason: "resolved") {
            status closureReason closedAt } }"""
        closed = (await run(desk, closing, {"id": case_id}))["changeCaseStatus"]
        assert (closed["status"], closed["closureReason"]) == ("closed", "resolved")
        assert closed["closedAt"]

        found = await run(
            desk,
            """query ($me: String!) {
              byIssue: cases(issueCategory: "4", assignee: $me) { edges { node { id } } }
              stillOpen: cases(status: "opened") { edges { node { id } } } }""",
            {"me": HANDLER},
        )
        assert [e["node"]["id"] for e in found["byIssue"]["edges"]] == [case_id]
        assert found["stillOpen"]["edges"] == []

    async with graphql_as(stack, "chief", office=OFFICE) as dashboard:
        oversight = await run(dashboard, "{ disclosureOversight { total disclosures { madeBy } } }")
        assert oversight["disclosureOversight"]["total"] == 1
        assert oversight["disclosureOversight"]["disclosures"][0]["madeBy"] == HANDLER


async def test_each_role_sees_its_own_view_of_the_same_case(stack: Stack) -> None:
    case_id = await _accepted_case(stack)
    async with graphql_as(stack, "ombudsman", sub=HANDLER, office=OFFICE) as desk:
        await run(desk, WORK_THE_CASE, {"id": case_id})
    confidential = {"case.visitor", "case.consents", "case.notes"}

    async def view(role: str, **claims: str) -> tuple[Any, dict[str, Any]]:
        async with graphql_as(stack, role, **claims) as session:
            return await attempt(session, CASE_VIEW, {"id": case_id})

    data, errors = await view("ombudsman", sub=HANDLER, office=OFFICE)
    assert not errors
    assert data["case"]["visitor"]["name"] == "Jonas Okafor"

    # The chief: the office's metadata and coding, never the identity, consents or notes.
    data, errors = await view("chief", office=OFFICE)
    assert set(errors) == confidential
    assert {e["extensions"]["code"] for e in errors.values()} == {"FORBIDDEN"}
    assert [data["case"][f] for f in ("visitor", "consents", "notes")] == [None, None, None]
    assert [i["code"] for i in data["case"]["issues"]] == ["2.b", "4.a"]

    # A colleague of the office who does not handle the case: the same as the chief.
    data, errors = await view("ombudsman", sub="omb-colleague", office=OFFICE)
    assert set(errors) == confidential
    assert data["case"]["assignedTo"] == HANDLER

    # Another office: the case does not exist for them.
    _, errors = await view("ombudsman", sub="omb-geneva", office="geneva")
    assert errors["case"]["extensions"]["problem"]["status"] == 404

    # Everyone else: not their route at all.
    for role in ("visitor", "mediator", "registry", "analyst", "auditor", "hr_portal"):
        data, errors = await view(role, sub=f"{role}-1", office=OFFICE)
        assert data is None
        assert errors["case"]["extensions"]["code"] == "FORBIDDEN", role


async def test_cases_sort_and_page_both_ways(stack: Stack) -> None:
    open_case = """mutation ($n: Int!) { openCase(input: {pillar: UNHCR, location: HEADQUARTERS,
        occupationalGroup: NON_STAFF, intakeChannel: "in_person", isGroup: true,
        participantCount: $n}) { id participantCount visitorRef } }"""
    page = """query ($order: ListOrder!, $after: String) {
      cases(order: $order, first: 2, after: $after) {
        edges { node { id } } pageInfo { hasNextPage endCursor } } }"""
    async with graphql_as(stack, "chief", office=OFFICE) as dashboard:
        opened = [(await run(dashboard, open_case, {"n": n}))["openCase"] for n in (2, 3, 4, 5)]
        assert opened[0]["visitorRef"] is None
        ids = [c["id"] for c in opened]
        orders: dict[str, list[str]] = {}
        for order in ("NEWEST_FIRST", "OLDEST_FIRST"):
            seen: list[str] = []
            after = None
            for _ in range(4):  # bounded: four cases, two a page
                answer = (await run(dashboard, page, {"order": order, "after": after}))["cases"]
                seen += [e["node"]["id"] for e in answer["edges"]]
                if not answer["pageInfo"]["hasNextPage"]:
                    break
                after = answer["pageInfo"]["endCursor"]
            orders[order] = seen
        assert orders["OLDEST_FIRST"] == ids
        assert orders["NEWEST_FIRST"] == ids[::-1]
        # A cursor of one order is refused by the other: a clear 422, not a wrong page.
        first_page = await run(dashboard, page, {"order": "NEWEST_FIRST", "after": None})
        cursor = first_page["cases"]["pageInfo"]["endCursor"]
        _, errors = await attempt(dashboard, page, {"order": "OLDEST_FIRST", "after": cursor})
        assert errors["cases"]["extensions"]["problem"]["status"] == 422


MEDIATION_VIEW = """
query ($id: ID!) { mediation(id: $id) {
  status outcome startedOn endedOn mediator allPartiesAgreed issueCodes
  tribunalReference { caseNumber }
  settlement { signedOn }
  parties { id reference agreement }
  sessions { heldOn mode }
  ledger { clocks { kind state dueOn entries { action date reason } }
           extensions { id status grantedDays } }
  notes { body }
  certificates { id current startDate endDate ongoing }
} }"""


async def test_mediator_desk_takes_a_tribunal_referral_to_settlement(stack: Stack) -> None:
    mediator = {"sub": "mediator-ana", "office": "mediation-service"}
    opening = """mutation ($tribunal: TribunalReferenceInput!) {
      openMediation(input: {pillar: SECRETARIAT, referralSource: "dispute_tribunal",
        tribunalReference: $tribunal, issueCodes: ["2.b"],
        parties: [{reference: "P-1"}, {reference: "P-2", representsAdministration: true}]}) {
        id status parties { id } } }"""
    tribunal = {"tribunal": "dispute_tribunal", "caseNumber": CASE_NUMBER, "referralDate": today()}
    async with graphql_as(stack, "mediator", **mediator) as desk:
        opened = (await run(desk, opening, {"tribunal": tribunal}))["openMediation"]
        mid = opened["id"]
        assert opened["status"] == "referred"
        steps = f"""mutation ($id: ID!) {{
          accepted: acceptMediationReferral(mediationId: $id) {{ status }}
          first: recordPartyAgreement(mediationId: $id, partyId: "{opened["parties"][0]["id"]}",
                                      agrees: true, date: "{today()}") {{ allPartiesAgreed }}
          second: recordPartyAgreement(mediationId: $id, partyId: "{opened["parties"][1]["id"]}",
                                       agrees: true, date: "{today()}") {{ allPartiesAgreed }}
          declared: declareMediatorConflict(mediationId: $id, hasConflict: false) {{ mediator }}
          assigned: assignMediator(mediationId: $id) {{ mediator }}
          started: startMediation(mediationId: $id, startedOn: "{today()}",
                                  basis: "first_session", mode: "remote") {{ status }}
          session: recordMediationSession(mediationId: $id, heldOn: "{today()}",
                                          mode: "in_person") {{ mode }}
          extension: requestExtension(mediationId: $id, requestedOn: "{today()}",
                                      requestedDays: 14) {{ id status }}
          note: writeMediationNote(mediationId: $id, body: "Both open to a transfer.") {{ id }}
        }}"""
        done = await run(desk, steps, {"id": mid})
        assert done["accepted"]["status"] == "agreement_pending"
        assert (done["first"]["allPartiesAgreed"], done["second"]["allPartiesAgreed"]) == (
            False,
            True,
        )
        assert done["assigned"]["mediator"] == "mediator-ana"
        assert done["started"]["status"] == "in_mediation"
        decide = """mutation ($id: ID!, $ext: ID!, $on: Date!) {
          decideExtension(mediationId: $id, extensionId: $ext, granted: true, decidedOn: $on) {
            status grantedDays } }"""
        decided = await run(
            desk, decide, {"id": mid, "ext": done["extension"]["id"], "on": today()}
        )
        assert decided["decideExtension"] == {"status": "granted", "grantedDays": 14}
        issued = await run(
            desk, "mutation ($id: ID!) { issueCertificate(mediationId: $id) { id ongoing } }",
            {"id": mid},
        )  # fmt: skip
        assert issued["issueCertificate"]["ongoing"] is True

        view = (await run(desk, MEDIATION_VIEW, {"id": mid}))["mediation"]
        assert view["mediator"] == "mediator-ana"
        assert [p["agreement"] for p in view["parties"]] == ["agreed", "agreed"]
        assert [s["mode"] for s in view["sessions"]] == ["remote", "in_person"]
        suspension = view["ledger"]["clocks"][0]
        assert suspension["kind"] == "tribunal_suspension"
        assert "extended" in [e["action"] for e in suspension["entries"]]
        assert view["notes"] == [{"body": "Both open to a transfer."}]
        assert view["certificates"][0]["current"] is True

        closing = """mutation ($id: ID!, $on: Date!) {
          closeMediation(mediationId: $id, outcome: "settled", closedOn: $on,
                         settlementSignedOn: $on) {
            status outcome endedOn settlement { signedOn } } }"""
        closed = (await run(desk, closing, {"id": mid, "on": today()}))["closeMediation"]
        assert (closed["status"], closed["outcome"]) == ("closed", "settled")
        assert closed["settlement"] == {"signedOn": today()}

        listed = await run(
            desk, '{ mediations(status: "closed", order: OLDEST_FIRST) { edges { node { id } } } }'
        )
        assert [e["node"]["id"] for e in listed["mediations"]["edges"]] == [mid]

    # The chief oversees it; the notes stay the mediator's (P5).
    async with graphql_as(
        stack, "chief", sub="chief-of-office", office="mediation-service"
    ) as chief:
        data, errors = await attempt(chief, MEDIATION_VIEW, {"id": mid})
        assert set(errors) == {"mediation.notes"}
        assert data["mediation"]["status"] == "closed"
        assert data["mediation"]["ledger"]["extensions"][0]["status"] == "granted"


async def test_a_case_sent_to_mediation_links_to_it_for_those_who_may_see_it(stack: Stack) -> None:
    case_id = await _accepted_case(stack)
    async with graphql_as(stack, "ombudsman", sub=HANDLER, office=OFFICE) as desk:
        await run(desk, WORK_THE_CASE, {"id": case_id})
        given = await run(
            desk,
            """mutation ($id: ID!) {
              recordCaseService(caseId: $id, service: "mediation") { mediationId } }""",
            {"id": case_id},
        )
        mediation_id = given["recordCaseService"]["mediationId"]
        assert mediation_id
        linked = """query ($id: ID!) { case(id: $id) {
          services { service mediation { id status sourceCaseId issueCodes } } } }"""
        data, errors = await attempt(desk, linked, {"id": case_id})
        # The ombudsman handed it over: the mediation itself is the Mediation Service's.
        assert set(errors) == {"case.services.1.mediation"}
        assert errors["case.services.1.mediation"]["extensions"]["code"] == "FORBIDDEN"
    # The case's chief sees the service given; the mediation is the Mediation Service's, and
    # only its own chief oversees it, with the case it came from.
    async with graphql_as(stack, "chief", office=OFFICE) as dashboard:
        data, errors = await attempt(dashboard, linked, {"id": case_id})
    assert data["case"]["services"][1]["service"] == "mediation"
    assert set(errors) == {"case.services.1.mediation"}
    assert errors["case.services.1.mediation"]["extensions"]["code"] == "NOT_FOUND"
    overseen = """query ($id: ID!) { mediation(id: $id) { id status sourceCaseId issueCodes } }"""
    async with graphql_as(stack, "chief", office="mediation-service") as service_chief:
        data = await run(service_chief, overseen, {"id": mediation_id})
    mediation = data["mediation"]
    assert mediation == {
        "id": mediation_id,
        "status": "referred",
        "sourceCaseId": case_id,
        "issueCodes": ["2.b", "4.a"],
    }


def _verified_payload(token: str, jwks: dict[str, Any]) -> dict[str, Any]:
    with warnings.catch_warnings():
        # joserfc flags the polymorphic name "EdDSA" (RFC 9864); the keys are Ed25519.
        warnings.simplefilter("ignore", SecurityWarning)
        verified = jws.deserialize_compact(token, KeySet.import_key_set(jwks), algorithms=["EdDSA"])
    return dict(json.loads(verified.payload))


async def test_registry_requests_fetches_and_verifies_a_certificate(stack: Stack) -> None:
    med = Mediations(stack)
    mediation_id = await med.under_way()
    registry = {"sub": "undt-registry-ny"}
    ask = """mutation ($n: String!) {
      requestCertificate(tribunal: "dispute_tribunal", tribunalCaseNumber: $n) { id status } }"""
    async with graphql_as(stack, "registry", **registry) as desk:
        asked = (await run(desk, ask, {"n": CASE_NUMBER}))["requestCertificate"]
        assert asked["status"] == "pending"
        # Nothing of the mediation itself: certificates only (P7).
        _, errors = await attempt(desk, f'{{ mediation(id: "{mediation_id}") {{ status }} }}')
        assert errors["mediation"]["extensions"]["code"] == "FORBIDDEN"

    async with graphql_as(stack, "mediator", sub="mediator-ana", office="mediation-service") as m:
        pending = await run(
            m, '{ certificateRequests(status: "pending") { edges { node { id } } } }'
        )
        assert [e["node"]["id"] for e in pending["certificateRequests"]["edges"]] == [asked["id"]]
        await run(
            m,
            """mutation ($m: ID!, $r: ID!) {
              issueCertificate(mediationId: $m, requestId: $r) { id } }""",
            {"m": mediation_id, "r": asked["id"]},
        )

    jwks = (await stack.gateway.get("/.well-known/jwks.json")).json()
    async with graphql_as(stack, "registry", **registry) as desk:
        answered = await run(
            desk,
            """query ($id: ID!, $n: String!) {
              certificateRequest(id: $id) { status certificate { id jws startDate ongoing } }
              certificates(tribunalCaseNumber: $n) { current items { id status } } }""",
            {"id": asked["id"], "n": CASE_NUMBER},
        )
        certificate = answered["certificateRequest"]["certificate"]
        assert answered["certificateRequest"]["status"] == "issued"
        assert answered["certificates"]["current"] == certificate["id"]
        payload = _verified_payload(certificate["jws"], jwks)
        assert payload["certificate_id"] == certificate["id"]
        assert payload["start_date"] == certificate["startDate"] == today()
        assert payload["end_date"] == "ongoing"
        assert certificate["ongoing"] is True

    async with graphql_as(
        stack, "chief", sub="chief-of-office", office="mediation-service"
    ) as chief:
        revoked = await run(
            chief,
            """mutation ($id: ID!) {
              revokeCertificate(id: $id, reason: "issued_in_error") { status current } }""",
            {"id": certificate["id"]},
        )
        assert revoked["revokeCertificate"] == {"status": "revoked", "current": False}
    async with graphql_as(stack, "registry", **registry) as desk:
        again = await run(desk, f'{{ certificate(id: "{certificate["id"]}") {{ status }} }}')
        assert again["certificate"]["status"] == "revoked"


async def test_analysts_and_the_chief_read_suppressed_statistics(stack: Stack) -> None:
    # Last year: figures are published once their year closes.
    year = dt.datetime.now(dt.UTC).year - 1
    async with graphql_as(stack, "analyst", sub="analyst-1") as analyst:
        entered = await run(
            analyst,
            """mutation ($year: Int!, $on: Date!) {
              headcount: setHeadcount(year: $year, pillar: UNHCR, international: 4000,
                                      national: 9000) { year international }
              first: recordOutreach(input: {activityType: "workshop", heldOn: $on,
                                    office: "nairobi", participants: 30}) { id pillar }
              second: recordOutreach(input: {activityType: "workshop", heldOn: $on,
                                     office: "geneva", participants: 12}) { id }
              survey: uploadWorkplaceSurvey(responses: [{year: $year, pillar: SECRETARIAT,
                office: "nairobi", conflictLastThreeMonths: true, stressAboveAcceptable: false,
                hoursPerWeekOnConflict: 2.5,
                dimensions: [{dimension: "workload", unfavourable: true}]}]) { received } }""",
            {"year": year, "on": f"{year}-06-15"},
        )
        assert entered["headcount"] == {"year": year, "international": 4000}
        assert entered["survey"] == {"received": 1}
    async with graphql_as(stack, "visitor", sub="jonas") as visitor:
        answered = await run(
            visitor,
            """mutation ($token: String) { answerExitSurvey(input: {helpful: 5, respected: 4,
                 wouldRecommend: true, matterResolved: true, token: $token}) { received } }""",
            # As the cases service hands it over when it closes the visitor's case.
            {"token": mint_exit_survey_token(stack.keys.keys["cases"], issuer="cases")},
        )
        assert answered["answerExitSurvey"] == {"received": 1}

    dashboard = """query ($year: Int!) {
      statistics { name description }
      outreach: statistic(name: "outreach", fromYear: $year, toYear: $year) {
        title threshold rows { year cells { column count participants suppressed } } }
      survey: statistic(name: "workplace-survey", fromYear: $year, toYear: $year) {
        rows { cells { column count value suppressed } } }
      headcounts { year pillar national }
      outreachActivities(year: $year) { office participants }
    }"""
    async with graphql_as(stack, "chief", office=OFFICE) as chief:
        board = await run(chief, dashboard, {"year": year})
    assert {"cases-opened", "mediation-outcomes", "outreach"} <= {
        s["name"] for s in board["statistics"]
    }
    cells = {c["column"]: c for c in board["outreach"]["rows"][0]["cells"]}
    assert (cells["workshop"]["count"], cells["workshop"]["participants"]) == (2, 42)
    # One respondent is too few to publish: the cell is withheld, and says so.
    respondents = next(
        c for c in board["survey"]["rows"][0]["cells"] if c["column"] == "respondents"
    )
    assert respondents == {"column": "respondents", "count": None, "value": None,
                           "suppressed": True}  # fmt: skip
    assert board["headcounts"] == [{"year": year, "pillar": "UNHCR", "national": 9000}]
    assert sorted(a["participants"] for a in board["outreachActivities"]) == [12, 30]

    async with graphql_as(stack, "ombudsman", sub=HANDLER, office=OFFICE) as desk:
        _, errors = await attempt(desk, "{ statistics { name } }")
        assert errors["statistics"]["extensions"]["code"] == "FORBIDDEN"
