"""The GraphQL schema at /graphql: the same routes, the same policy, loaded in batches."""

from __future__ import annotations

import logging
from collections.abc import Callable

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.fastapi import GraphQLRouter
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from gateway.config import GatewaySettings
from gateway.graphql.context import Context, get_context
from gateway.graphql.operations.analytics import AnalyticsMutation, AnalyticsQuery
from gateway.graphql.operations.cases import CaseMutation, CaseQuery
from gateway.graphql.operations.certificates import CertificateMutation, CertificateQuery
from gateway.graphql.operations.directory import DirectoryMutation, DirectoryQuery
from gateway.graphql.operations.intake import IntakeMutation, IntakeQuery
from gateway.graphql.operations.mediations import MediationMutation, MediationQuery
from gateway.graphql.operations.own_data import OwnDataMutation, OwnDataQuery
from gateway.graphql.operations.reference import ReferenceQuery
from gateway.graphql.operations.register import RegisterMutation, RegisterQuery
from ombuds_shared.errors import AppError

Query = merge_types(
    "Query",
    (
        IntakeQuery,
        OwnDataQuery,
        CaseQuery,
        RegisterQuery,
        MediationQuery,
        CertificateQuery,
        AnalyticsQuery,
        ReferenceQuery,
        DirectoryQuery,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        IntakeMutation,
        OwnDataMutation,
        CaseMutation,
        RegisterMutation,
        MediationMutation,
        CertificateMutation,
        AnalyticsMutation,
        DirectoryMutation,
    ),
)


logger = logging.getLogger("gateway.graphql")


class Schema(strawberry.Schema):
    """The schema, logging failed operations without the document or its variables.

    Strawberry's default logs every error at error level with its message, source excerpt
    and traceback; a mutation with inline literals would then write a person's name into
    the log. Here a caller's mistake is an info line with its code only, and a fault of
    ours keeps the exception type, never its message.
    """

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        operation = execution_context.operation_type.value if execution_context else None
        for error in errors:
            code, status = _blame(error)
            extra = {"code": code, "status": status, "operation": operation}
            if status < 500:
                logger.info("graphql error", extra=extra)
            else:
                logger.error("graphql error", extra=extra)


def _blame(error: GraphQLError) -> tuple[str, int]:
    """The error's code and HTTP-like status: 4xx the caller's doing, 5xx ours."""
    original = error.original_error
    while isinstance(original, GraphQLError) and original.original_error is not None:
        original = original.original_error
    extensions = error.extensions or {}
    problem = extensions.get("problem")
    if isinstance(problem, dict) and isinstance(problem.get("status"), int):
        return str(extensions.get("code", "ERROR")), problem["status"]
    if original is None or isinstance(original, GraphQLError):
        return "GRAPHQL_VALIDATION_FAILED", 400  # parsing, validation, coercion of literals
    if isinstance(original, AppError):
        return original.slug.upper().replace("-", "_"), original.status
    return type(original).__name__, 500


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
    return Schema(query=Query, mutation=Mutation, extensions=extensions)


def graphql_router(settings: GatewaySettings) -> GraphQLRouter[Context, None]:
    development = settings.is_development
    return GraphQLRouter(
        build_schema(introspection=development),
        path="/graphql",
        context_getter=get_context,
        # GraphiQL is the gateway's own page (gateway.docs_pages): loads without a token,
        # its assets from the gateway, not from a CDN.
        graphql_ide=None,
        allow_queries_via_get=False,  # no state-changing or identity-revealing GET links
        include_in_schema=False,  # documented by its SDL (docs/schema.graphql), not OpenAPI
    )
