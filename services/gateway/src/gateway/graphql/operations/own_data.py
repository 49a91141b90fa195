"""The visitor's own data (withdraw, read, ask for erasure) and the office's side of an
erasure (the requests, and the handler's or chief's confirmation): the REST routes of
intake.own and cases.erasure, through the same policy."""

from __future__ import annotations

import datetime as dt

import strawberry

from gateway.graphql import resolvers
from gateway.graphql.context import GqlInfo
from gateway.graphql.errors import problems_as_errors
from gateway.graphql.types.common import Connection, page_size, parse_datetime
from gateway.graphql.types.intake_request import TriageResult
from gateway.graphql.types.own_data import (
    ErasureConfirmation,
    ErasureRequest,
    ErasureRequested,
    OwnData,
    OwnRequest,
)
from ombuds_shared.pagination import DEFAULT_PAGE_SIZE

ME = "/v1/intake/me"
REQUESTS = "/v1/intake/requests"
ERASURE_REQUESTS = "/v1/case-erasure-requests"


@strawberry.type
class OwnDataQuery:
    @resolvers.field(description="What the office holds about you (visitor; audited).")
    @problems_as_errors
    async def my_data(self, info: GqlInfo) -> OwnData:
        ctx = info.context
        data = await ctx.rest("GET", ME)
        hidden = ctx.hidden("GET", ME)
        return OwnData(requests=[OwnRequest(data=item, hidden=hidden) for item in data["requests"]])

    @resolvers.field(
        description="Visitors' requests to erase their closed cases: your office's (chief) "
        "or those of the cases you handle (ombudsman)."
    )
    @problems_as_errors
    async def erasure_requests(
        self, info: GqlInfo, first: int = DEFAULT_PAGE_SIZE, after: str | None = None
    ) -> Connection[ErasureRequest]:
        query = {"limit": page_size(first), "cursor": after}
        page = await info.context.rest("GET", ERASURE_REQUESTS, query=query)
        nodes = [ErasureRequest.from_rest(item) for item in page["items"]]
        return Connection.of(nodes, page["next_cursor"])


@strawberry.type
class OwnDataMutation:
    @resolvers.mutation(
        description="Withdraw your request before triage: your identity is destroyed at once."
    )
    @problems_as_errors
    async def withdraw_intake_request(self, info: GqlInfo, reference: str) -> TriageResult:
        result = await info.context.rest("POST", f"{REQUESTS}/{reference}/withdraw")
        return TriageResult(**result)

    @resolvers.mutation(description="Ask for your closed matter to be erased (visitor).")
    @problems_as_errors
    async def request_erasure(self, info: GqlInfo, reference: str) -> ErasureRequested:
        result = await info.context.rest("POST", f"{REQUESTS}/{reference}/erasure-request")
        return ErasureRequested(
            reference=result["reference"],
            requested_at=dt.datetime.fromisoformat(result["requested_at"]),
            confirmed_at=parse_datetime(result.get("confirmed_at")),
        )

    @resolvers.mutation(
        description="Confirm a visitor's request to erase their closed case: its content and "
        "their identity are destroyed now (its handler, or the chief)."
    )
    @problems_as_errors
    async def confirm_erasure(self, info: GqlInfo, case_id: str) -> ErasureConfirmation:
        result = await info.context.rest("POST", f"/v1/cases/{case_id}/erasure/confirm")
        return ErasureConfirmation(
            case_id=result["case_id"],
            requested_at=dt.datetime.fromisoformat(result["requested_at"]),
            confirmed_at=dt.datetime.fromisoformat(result["confirmed_at"]),
            destroyed_at=dt.datetime.fromisoformat(result["destroyed_at"]),
            identity_destroyed=bool(result["identity_destroyed"]),
        )
