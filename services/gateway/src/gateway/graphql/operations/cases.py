"""Cases: the ombudsman's desk and the chief's view of the office; every workflow step."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from gateway.graphql import resolvers
from gateway.graphql.context import GqlInfo
from gateway.graphql.errors import problems_as_errors
from gateway.graphql.types.case import (
    AssignmentHistory,
    Case,
    CaseInput,
    CaseIssue,
    CaseMessage,
    CaseNote,
    ConflictDeclaration,
    Consent,
    ConsentedAction,
    Disclosure,
    DisclosureOversight,
    Referral,
    ServiceGiven,
    SystemicTag,
)
from gateway.graphql.types.common import Connection, ListOrder, from_rest, page_size, rest_body
from gateway.graphql.types.contact import Contact, ContactInput
from ombuds_shared.pagination import DEFAULT_PAGE_SIZE

CASES = "/v1/cases"


@strawberry.type
class CaseQuery:
    @resolvers.field(description="The cases of your office, filtered and sorted.")
    @problems_as_errors
    async def cases(
        self,
        info: GqlInfo,
        status: str | None = None,
        assignee: str | None = None,
        opened_from: dt.date | None = None,
        opened_to: dt.date | None = None,
        issue_category: Annotated[
            str | None,
            strawberry.argument(description="A major category (2) or a sub-category (2.b)."),
        ] = None,
        order: ListOrder = ListOrder.NEWEST_FIRST,
        first: int = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> Connection[Case]:
        query = {
            "status": status,
            "assignee": assignee,
            "opened_from": opened_from.isoformat() if opened_from else None,
            "opened_to": opened_to.isoformat() if opened_to else None,
            "issue_category": issue_category,
            "order": order.value,
            "limit": page_size(first),
            "cursor": after,
        }
        page = await info.context.rest("GET", CASES, query=query)
        return Connection.of([Case(data=item) for item in page["items"]], page["next_cursor"])

    @resolvers.field(description="One case of your office.")
    @problems_as_errors
    async def case(self, info: GqlInfo, id: strawberry.ID) -> Case:
        return Case(data=await info.context.rest("GET", f"{CASES}/{id}"))

    @resolvers.field(description="Break-glass disclosures of your office, counted (chief).")
    @problems_as_errors
    async def disclosure_oversight(self, info: GqlInfo) -> DisclosureOversight:
        return DisclosureOversight.of(await info.context.rest("GET", "/v1/oversight/disclosures"))


@strawberry.type
class CaseMutation:
    @resolvers.mutation(description="Open a case in your office (walk-in visitor, group).")
    @problems_as_errors
    async def open_case(self, info: GqlInfo, input: CaseInput) -> Case:
        return Case(data=await info.context.rest("POST", CASES, body=input.to_rest()))

    @resolvers.mutation(
        description="Declare whether you have a conflict of interest in a case (before taking it)."
    )
    @problems_as_errors
    async def declare_case_conflict(
        self, info: GqlInfo, case_id: strawberry.ID, has_conflict: bool
    ) -> ConflictDeclaration:
        path = f"{CASES}/{case_id}/conflict-declarations"
        body = rest_body(has_conflict=has_conflict)
        return from_rest(ConflictDeclaration, await info.context.rest("POST", path, body=body))

    @resolvers.mutation(
        description="Clear a declared conflict of interest, with a reason code (the office's "
        "chief; its author cannot withdraw it)."
    )
    @problems_as_errors
    async def clear_case_conflict(
        self, info: GqlInfo, case_id: strawberry.ID, declaration_id: strawberry.ID, reason: str
    ) -> ConflictDeclaration:
        path = f"{CASES}/{case_id}/conflict-declarations/{declaration_id}/clear"
        body = rest_body(reason=reason)
        return from_rest(ConflictDeclaration, await info.context.rest("POST", path, body=body))

    @resolvers.mutation(
        description="Assign a case: the chief names an ombudsman; an ombudsman takes it (no "
        "assignee)."
    )
    @problems_as_errors
    async def assign_case(
        self, info: GqlInfo, case_id: strawberry.ID, assignee: str | None = None
    ) -> AssignmentHistory:
        path = f"{CASES}/{case_id}/assignment"
        body = rest_body(assignee=assignee)
        return AssignmentHistory.of(await info.context.rest("POST", path, body=body))

    @resolvers.mutation(
        description="Move a case on: in_progress, on_hold, or closed with a closure reason "
        "(the assigned ombudsman)."
    )
    @problems_as_errors
    async def change_case_status(
        self,
        info: GqlInfo,
        case_id: strawberry.ID,
        status: str,
        closure_reason: str | None = None,
    ) -> Case:
        path = f"{CASES}/{case_id}/status"
        body = rest_body(status=status, closure_reason=closure_reason)
        return Case(data=await info.context.rest("POST", path, body=body))

    @resolvers.mutation(description="Record an issue of a case (a taxonomy sub-category).")
    @problems_as_errors
    async def record_case_issue(
        self, info: GqlInfo, case_id: strawberry.ID, code: str
    ) -> CaseIssue:
        path = f"{CASES}/{case_id}/issues"
        return from_rest(CaseIssue, await info.context.rest("POST", path, body={"code": code}))

    @resolvers.mutation(
        description="Record a service given; `mediation` also opens a mediation case."
    )
    @problems_as_errors
    async def record_case_service(
        self, info: GqlInfo, case_id: strawberry.ID, service: str, given_on: dt.date | None = None
    ) -> ServiceGiven:
        path = f"{CASES}/{case_id}/services"
        body = rest_body(service=service, given_on=given_on)
        return from_rest(ServiceGiven, await info.context.rest("POST", path, body=body))

    @resolvers.mutation(description="Record a referral of the visitor to a formal channel.")
    @problems_as_errors
    async def refer_case(
        self,
        info: GqlInfo,
        case_id: strawberry.ID,
        formal_channel: str,
        referred_on: dt.date | None = None,
    ) -> Referral:
        path = f"{CASES}/{case_id}/referrals"
        body = rest_body(formal_channel=formal_channel, referred_on=referred_on)
        return from_rest(Referral, await info.context.rest("POST", path, body=body))

    @resolvers.mutation(description="Tag a case with a systemic issue of the register.")
    @problems_as_errors
    async def tag_systemic_issue(
        self, info: GqlInfo, case_id: strawberry.ID, systemic_issue: str
    ) -> SystemicTag:
        path = f"{CASES}/{case_id}/systemic-issues"
        body = rest_body(systemic_issue=systemic_issue)
        return from_rest(SystemicTag, await info.context.rest("POST", path, body=body))

    @resolvers.mutation(
        description="Log a contact on a case: date, medium, minutes, roles (assigned ombudsman)."
    )
    @problems_as_errors
    async def log_case_contact(
        self, info: GqlInfo, case_id: strawberry.ID, input: ContactInput
    ) -> Contact:
        path = f"{CASES}/{case_id}/contacts"
        return from_rest(Contact, await info.context.rest("POST", path, body=input.to_rest()))

    @resolvers.mutation(description="Record a consent the visitor gave (assigned ombudsman).")
    @problems_as_errors
    async def record_consent(
        self,
        info: GqlInfo,
        case_id: strawberry.ID,
        scope: str,
        with_office: str | None = None,
        details: str | None = None,
    ) -> Consent:
        path = f"{CASES}/{case_id}/consents"
        body = rest_body(scope=scope, with_office=with_office, details=details)
        return from_rest(Consent, await info.context.rest("POST", path, body=body))

    @resolvers.mutation(description="Revoke a consent (assigned ombudsman).")
    @problems_as_errors
    async def revoke_consent(
        self, info: GqlInfo, case_id: strawberry.ID, consent_id: strawberry.ID
    ) -> Consent:
        path = f"{CASES}/{case_id}/consents/{consent_id}/revoke"
        return from_rest(Consent, await info.context.rest("POST", path))

    @resolvers.mutation(
        description="Take an action that needs the visitor's consent; refused without one."
    )
    @problems_as_errors
    async def take_consented_action(
        self, info: GqlInfo, case_id: strawberry.ID, action: str, with_office: str | None = None
    ) -> ConsentedAction:
        path = f"{CASES}/{case_id}/actions"
        body = rest_body(action=action, with_office=with_office)
        return from_rest(ConsentedAction, await info.context.rest("POST", path, body=body))

    @resolvers.mutation(
        description="Break-glass disclosure for imminent risk of serious harm, with its "
        "justification (logged; the chief's oversight counts it)."
    )
    @problems_as_errors
    async def disclose_for_imminent_risk(
        self, info: GqlInfo, case_id: strawberry.ID, disclosed_to: str, justification: str
    ) -> Disclosure:
        path = f"{CASES}/{case_id}/disclosures"
        body = rest_body(disclosed_to=disclosed_to, justification=justification)
        return from_rest(Disclosure, await info.context.rest("POST", path, body=body))

    @resolvers.mutation(
        description="Send the case's visitor a secure message (assigned ombudsman only)."
    )
    @problems_as_errors
    async def send_case_message(
        self, info: GqlInfo, case_id: strawberry.ID, body: str
    ) -> CaseMessage:
        path = f"{CASES}/{case_id}/messages"
        return from_rest(CaseMessage, await info.context.rest("POST", path, body={"body": body}))

    @resolvers.mutation(description="Write a confidential note (assigned ombudsman only).")
    @problems_as_errors
    async def write_case_note(self, info: GqlInfo, case_id: strawberry.ID, body: str) -> CaseNote:
        path = f"{CASES}/{case_id}/notes"
        return from_rest(CaseNote, await info.context.rest("POST", path, body={"body": body}))
