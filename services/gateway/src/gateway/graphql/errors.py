"""AppErrors as GraphQL errors, carrying the problem details in `extensions`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from graphql import GraphQLError

from ombuds_shared.errors import AppError, Forbidden

P = ParamSpec("P")
T = TypeVar("T")


def as_graphql_error(error: AppError) -> GraphQLError:
    problem = error.to_problem()
    code = error.slug.upper().replace("-", "_")
    return GraphQLError(error.detail or error.title, extensions={"code": code, "problem": problem})


def problems_as_errors(resolver: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """Lets a resolver raise AppErrors; the client sees them as GraphQL errors."""

    @wraps(resolver)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return await resolver(*args, **kwargs)
        except AppError as error:
            raise as_graphql_error(error) from error

    return wrapper


def field_forbidden(field: str) -> GraphQLError:
    return as_graphql_error(Forbidden(f"Your role may not see the field '{field}'."))
