"""The systemic-issue register: the office keeps it; the chief publishes its entries."""

from __future__ import annotations

import strawberry

from gateway.graphql import resolvers
from gateway.graphql.context import GqlInfo
from gateway.graphql.errors import problems_as_errors
from gateway.graphql.types.common import Connection, page_size, rest_body
from gateway.graphql.types.systemic_issue import (
    REGISTER,
    SystemicIssue,
    SystemicIssueInput,
    SystemicIssueUpdate,
    issue_from_rest,
)
from ombuds_shared.pagination import DEFAULT_PAGE_SIZE


@strawberry.type
class RegisterQuery:
    @resolvers.field(description="Your office's systemic-issue register, newest entry first.")
    @problems_as_errors
    async def systemic_issues(
        self,
        info: GqlInfo,
        category: str | None = None,
        publishable: bool | None = None,
        first: int = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> Connection[SystemicIssue]:
        query = {
            "category": category,
            "publishable": None if publishable is None else str(publishable).lower(),
            "limit": page_size(first),
            "cursor": after,
        }
        page = await info.context.rest("GET", REGISTER, query=query)
        return Connection.of([issue_from_rest(i) for i in page["items"]], page["next_cursor"])

    @resolvers.field(description="One entry of your office's register.")
    @problems_as_errors
    async def systemic_issue(self, info: GqlInfo, id: strawberry.ID) -> SystemicIssue:
        return issue_from_rest(await info.context.rest("GET", f"{REGISTER}/{id}"))


@strawberry.type
class RegisterMutation:
    @resolvers.mutation(description="Add an entry to your office's register.")
    @problems_as_errors
    async def create_systemic_issue(
        self, info: GqlInfo, input: SystemicIssueInput
    ) -> SystemicIssue:
        body = rest_body(**vars(input))
        return issue_from_rest(await info.context.rest("POST", REGISTER, body=body))

    @resolvers.mutation(
        description="Change an entry; an edit withdraws a published entry until the chief "
        "approves it again."
    )
    @problems_as_errors
    async def update_systemic_issue(
        self, info: GqlInfo, id: strawberry.ID, input: SystemicIssueUpdate
    ) -> SystemicIssue:
        body = rest_body(**vars(input))
        return issue_from_rest(await info.context.rest("PATCH", f"{REGISTER}/{id}", body=body))

    @resolvers.mutation(
        description="The chief marks an entry publishable in the annual report, or withdraws it."
    )
    @problems_as_errors
    async def set_systemic_issue_publication(
        self, info: GqlInfo, id: strawberry.ID, publishable: bool
    ) -> SystemicIssue:
        path = f"{REGISTER}/{id}/publication"
        body = {"publishable": publishable}
        return issue_from_rest(await info.context.rest("POST", path, body=body))
