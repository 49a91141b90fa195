"""Intake requests: the visitor's page, HR portals and the office's queue."""

from __future__ import annotations

import datetime as dt

import strawberry

from gateway.graphql import resolvers
from gateway.graphql.context import GqlInfo
from gateway.graphql.errors import problems_as_errors
from gateway.graphql.types.common import Connection, page_size
from gateway.graphql.types.intake_request import (
    IntakeAcknowledgement,
    IntakeConflict,
    IntakeMessage,
    IntakeRequest,
    IntakeRequestInput,
    TriageResult,
    WalkInInput,
)
from ombuds_shared.pagination import DEFAULT_PAGE_SIZE

REQUESTS = "/v1/intake/requests"
WALK_INS = "/v1/intake/walk-ins"


@strawberry.type
class IntakeQuery:
    @resolvers.field(description="Your requests (visitor) or your office's queue.")
    @problems_as_errors
    async def intake_requests(
        self,
        info: GqlInfo,
        status: str | None = None,
        first: int = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> Connection[IntakeRequest]:
        ctx = info.context
        query = {"status": status, "limit": page_size(first), "cursor": after}
        page = await ctx.rest("GET", REQUESTS, query=query)
        hidden = ctx.hidden("GET", REQUESTS)
        nodes = [IntakeRequest(data=item, hidden=hidden) for item in page["items"]]
        return Connection.of(nodes, page["next_cursor"])

    @resolvers.field(description="One request, if you may see it.")
    @problems_as_errors
    async def intake_request(self, info: GqlInfo, reference: str) -> IntakeRequest:
        ctx = info.context
        path = f"{REQUESTS}/{reference}"
        return IntakeRequest(data=await ctx.rest("GET", path), hidden=ctx.hidden("GET", path))


@strawberry.type
class IntakeMutation:
    @resolvers.mutation(description="Ask the office for help (visitor, HR portal, referrer).")
    @problems_as_errors
    async def submit_intake_request(
        self,
        info: GqlInfo,
        input: IntakeRequestInput,
        idempotency_key: str | None = None,
    ) -> IntakeAcknowledgement:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        ack = await info.context.rest("POST", REQUESTS, body=input.to_rest(), headers=headers)
        return IntakeAcknowledgement(
            reference=ack["reference"],
            status=ack["status"],
            submitted_at=dt.datetime.fromisoformat(ack["submitted_at"]),
            notice=ack["notice"],
            notice_language=ack["notice_language"],
            notice_direction=ack["notice_direction"],
            receipt_code=ack.get("receipt_code"),
        )

    @resolvers.mutation(
        description="Write to the handler of your request's case (the visitor who submitted it)."
    )
    @problems_as_errors
    async def send_intake_message(self, info: GqlInfo, reference: str, body: str) -> IntakeMessage:
        path = f"{REQUESTS}/{reference}/messages"
        return IntakeMessage.from_rest(await info.context.rest("POST", path, body={"body": body}))

    @resolvers.mutation(description="Accept a request of your office: its case is opened.")
    @problems_as_errors
    async def accept_intake_request(self, info: GqlInfo, reference: str) -> TriageResult:
        result = await info.context.rest("POST", f"{REQUESTS}/{reference}/accept")
        return TriageResult(**result)

    @resolvers.mutation(
        description="Record a visitor who came in person, called or wrote (ombudsman); "
        "accept: true opens the case at once."
    )
    @problems_as_errors
    async def record_walk_in(
        self, info: GqlInfo, input: WalkInInput, idempotency_key: str | None = None
    ) -> TriageResult:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        body = input.to_rest()
        return TriageResult(**await info.context.rest("POST", WALK_INS, body=body, headers=headers))

    @resolvers.mutation(
        description="Declare a conflict of interest with a request of your office (final)."
    )
    @problems_as_errors
    async def declare_intake_conflict(self, info: GqlInfo, reference: str) -> IntakeConflict:
        path = f"{REQUESTS}/{reference}/conflict-declarations"
        result = await info.context.rest("POST", path, body={"has_conflict": True})
        return IntakeConflict(
            reference=result["reference"],
            ombudsman=result["ombudsman"],
            declared_at=dt.datetime.fromisoformat(result["declared_at"]),
        )

    @resolvers.mutation(description="Decline a request of your office, with a reason.")
    @problems_as_errors
    async def decline_intake_request(
        self, info: GqlInfo, reference: str, reason: str, note: str | None = None
    ) -> TriageResult:
        body = {"reason": reason, **({"note": note} if note else {})}
        result = await info.context.rest("POST", f"{REQUESTS}/{reference}/decline", body=body)
        return TriageResult(**result)
