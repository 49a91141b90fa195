"""Query parameters a route does not declare are refused, not silently ignored.

A misspelt filter (`?statu=open`, `?after=...` where the route pages by `cursor`) would
otherwise give an answer to another question than the one asked. Every GET route that
declares query parameters (lists, searches, statistics) answers 400 naming the ones it does
not know. Routes that declare none are left as they are (item reads, some served by hot
routes that never look at the query).
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel

from ombuds_shared.errors import UnknownQueryParameters

# Per route (made once, at start-up; kept here so its id is never reused): its names.
_DECLARED: dict[int, tuple[APIRoute, frozenset[str]]] = {}


def declared_query_names(route: APIRoute) -> frozenset[str]:
    """The query parameters the route (and its dependencies) read, worked out once."""
    known = _DECLARED.get(id(route))
    if known is None:
        known = _DECLARED[id(route)] = (route, _query_names(route))
    return known[1]


def _query_names(route: APIRoute) -> frozenset[str]:
    """The query parameters the route (and its dependencies) read, by their public names."""
    names: set[str] = set()
    pending: list[Dependant] = [route.dependant]
    while pending:
        dependant = pending.pop()
        pending.extend(dependant.dependencies)
        for field in dependant.query_params:
            annotation = field.field_info.annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                # A query parameter model: its fields are the parameters.
                names.update(f.alias or name for name, f in annotation.model_fields.items())
            else:
                names.add(field.alias)
    return frozenset(names)


async def refuse_unknown_query_parameters(request: Request) -> None:
    """A dependency of every route (the app's): a GET route that declares query parameters
    refuses the ones it does not, with 400 naming them."""
    query = request.scope.get("query_string", b"")
    route = request.scope.get("route")
    if not query or request.method != "GET" or not isinstance(route, APIRoute):
        return
    declared = declared_query_names(route)
    if not declared:
        return
    asked = {name for name, _ in parse_qsl(query.decode("latin-1"), keep_blank_values=True)}
    unknown = sorted(asked - declared)
    if unknown:
        raise UnknownQueryParameters(
            f"This route does not take the query parameters {', '.join(unknown)}; "
            f"it takes {', '.join(sorted(declared))}.",
            unknown_parameters=unknown,
        )
