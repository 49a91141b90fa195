"""The GraphQL schema at /graphql: the same routes, the same policy, one request at a time."""

from __future__ import annotations

from collections.abc import Callable

import strawberry
from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.fastapi import GraphQLRouter
from strawberry.types import Info

from gateway.config import GatewaySettings
from gateway.graphql.context import Context, get_context
from gateway.graphql.errors import problems_as_errors
from gateway.graphql.types.case import Case
from gateway.graphql.types.common import Connection, page_size
from gateway.graphql.types.intake_request import (
    IntakeAcknowledgement,
    IntakeRequest,
    IntakeRequestInput,
    TriageResult,
)
from ombuds_shared.pagination import DEFAULT_PAGE_SIZE

GqlInfo = Info[Context, None]
REQUESTS = "/v1/intake/requests"


@strawberry.type
class Query:
    @strawberry.field(description="Your requests (visitor) or your office's queue.")
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

    @strawberry.field(description="One request, if you may see it.")
    @problems_as_errors
    async def intake_request(self, info: GqlInfo, reference: str) -> IntakeRequest:
        ctx = info.context
        path = f"{REQUESTS}/{reference}"
        return IntakeRequest(data=await ctx.rest("GET", path), hidden=ctx.hidden("GET", path))

    @strawberry.field(description="The cases of your office.")
    @problems_as_errors
    async def cases(
        self,
        info: GqlInfo,
        status: str | None = None,
        first: int = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> Connection[Case]:
        query = {"status": status, "limit": page_size(first), "cursor": after}
        page = await info.context.rest("GET", "/v1/cases", query=query)
        return Connection.of([Case(data=item) for item in page["items"]], page["next_cursor"])

    @strawberry.field(description="One case of your office.")
    @problems_as_errors
    async def case(self, info: GqlInfo, id: strawberry.ID) -> Case:
        return Case(data=await info.context.rest("GET", f"/v1/cases/{id}"))


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Ask the office for help (visitor, HR portal, referrer).")
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
            submitted_at=ack["submitted_at"],
            notice=ack["notice"],
        )

    @strawberry.mutation(description="Accept a request of your office: its case is opened.")
    @problems_as_errors
    async def accept_intake_request(self, info: GqlInfo, reference: str) -> TriageResult:
        result = await info.context.rest("POST", f"{REQUESTS}/{reference}/accept")
        return TriageResult(**result)

    @strawberry.mutation(description="Decline a request of your office, with a reason.")
    @problems_as_errors
    async def decline_intake_request(
        self, info: GqlInfo, reference: str, reason: str, note: str | None = None
    ) -> TriageResult:
        body = {"reason": reason, **({"note": note} if note else {})}
        result = await info.context.rest("POST", f"{REQUESTS}/{reference}/decline", body=body)
        return TriageResult(**result)


def build_schema(*, introspection: bool = True) -> strawberry.Schema:
    """The schema with its guard rails; introspection only outside production."""
    # Factories: strawberry builds a fresh extension per request.
    extensions: list[Callable[[], SchemaExtension] | type[SchemaExtension]] = [
        lambda: QueryDepthLimiter(max_depth=10),
        lambda: MaxTokensLimiter(max_token_count=2_000),
        lambda: MaxAliasesLimiter(max_alias_count=20),
    ]
    if not introspection:
        extensions.append(DisableIntrospection)
    return strawberry.Schema(query=Query, mutation=Mutation, extensions=extensions)


def graphql_router(settings: GatewaySettings) -> GraphQLRouter[Context, None]:
    development = settings.is_development
    return GraphQLRouter(
        build_schema(introspection=development),
        path="/graphql",
        context_getter=get_context,
        graphql_ide="graphiql" if development else None,
        allow_queries_via_get=False,  # no state-changing or identity-revealing GET links
        include_in_schema=False,  # documented by its SDL (docs/schema.graphql), not OpenAPI
    )
