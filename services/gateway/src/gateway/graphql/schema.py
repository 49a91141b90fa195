"""The GraphQL schema at /graphql: the same routes, the same policy, loaded in batches."""

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
from strawberry.tools import merge_types

from gateway.config import GatewaySettings
from gateway.graphql.context import Context, get_context
from gateway.graphql.operations.analytics import AnalyticsMutation, AnalyticsQuery
from gateway.graphql.operations.cases import CaseMutation, CaseQuery
from gateway.graphql.operations.certificates import CertificateMutation, CertificateQuery
from gateway.graphql.operations.intake import IntakeMutation, IntakeQuery
from gateway.graphql.operations.mediations import MediationMutation, MediationQuery

Query = merge_types(
    "Query", (IntakeQuery, CaseQuery, MediationQuery, CertificateQuery, AnalyticsQuery)
)
Mutation = merge_types(
    "Mutation",
    (IntakeMutation, CaseMutation, MediationMutation, CertificateMutation, AnalyticsMutation),
)


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
