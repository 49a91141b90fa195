"""Error responses in OpenAPI documents: each operation lists the problems it can answer.

The problems an operation can answer follow from its route class, not from
hand-written lists: every route checks its token and may find its database
away; a route that names an object by id may not find it (behind the gateway,
any path with parameters may name no route); one that takes input may refuse
it, and a body that is not even JSON; a write may conflict with the current
state. Behind the
gateway, every route is also rate limited, may find a service failing, and
takes JSON only. Each problem is documented with its status, its problem
`type` URI (the schema enumerates them) and an example body. A route that can
answer something more declares it with `problem_responses()`; those entries
are kept and merged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ombuds_shared.errors import (
    PROBLEM_MEDIA_TYPE,
    AppError,
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    TooManyRequests,
    Unauthorized,
    UnknownQueryParameters,
    UnsupportedMediaType,
    UpstreamFailed,
    ValidationFailed,
)

__all__ = [
    "add_problems",
    "problem_responses",
    "route_problems",
]

PROBLEM_REF = "#/components/schemas/Problem"
_WRITES = {"post", "put", "patch", "delete"}
_EXAMPLE_REQUEST_ID = "7d2c3c9e0b6a4f7e9a51c2d8e4f60b13"
_HEADERS = {
    401: {"WWW-Authenticate": ("string", "How to authenticate: `Bearer`.")},
    429: {"Retry-After": ("integer", "Seconds to wait before trying again.")},
    503: {"Retry-After": ("integer", "Seconds to wait before trying again.")},
}


def problem_example(error: AppError, instance: str) -> dict[str, Any]:
    """The problem document this error renders as, for the route at `instance`."""
    body = error.to_problem(instance)
    body["request_id"] = _EXAMPLE_REQUEST_ID
    return body


def problem_responses(
    *errors: AppError | tuple[str, AppError], path: str = ""
) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses for these errors: one per status, with an example of each.

    An example is named by its problem type, or by the name given with it
    (`("not-assigned", Forbidden(...))`) when a status has several of one type.
    """
    responses: dict[int | str, dict[str, Any]] = {}
    for item in errors:
        name, error = item if isinstance(item, tuple) else (item.slug, item)
        response = responses.setdefault(error.status, _empty_response(error.status))
        examples = response["content"][PROBLEM_MEDIA_TYPE]["examples"]
        summary = error.detail or error.title
        examples[name] = {"summary": summary, "value": problem_example(error, path)}
    for response in responses.values():
        _describe(response)
    return responses


def route_problems(
    method: str, path: str, operation: Mapping[str, Any], *, through_gateway: bool
) -> list[AppError]:
    """The problems an operation's route class can answer (with example details)."""
    parameters = operation.get("parameters", [])
    takes_body = "requestBody" in operation
    refusal = "Your role may not " + ("use this route." if through_gateway else "do this.")
    errors: list[AppError] = [Unauthorized("A bearer token is required."), Forbidden(refusal)]
    in_path = [p for p in parameters if p.get("in") == "path"]
    ids = [p["name"] for p in in_path if _is_id(p)]
    if ids:
        noun = ids[-1].removesuffix("_id").replace("_", " ")
        errors.append(NotFound(f"No such {noun}, or not one of yours to see."))
    elif in_path and through_gateway:
        # The gateway routes plain path segments only; anything else names no route.
        errors.append(NotFound("No such route."))
    if method.lower() in _WRITES:
        errors.append(Conflict("The record's current state does not allow this."))
    if takes_body:
        errors.append(BadRequest("There was an error parsing the body"))  # not JSON at all
        errors.append(PayloadTooLarge("At most 1000000 bytes."))
        if through_gateway:
            errors.append(UnsupportedMediaType("Send JSON (Content-Type: application/json)."))
    query = sorted(p["name"] for p in parameters if p.get("in") == "query")
    if method.lower() == "get" and query:
        # ombuds_shared._strict_query: a parameter the route does not take is refused.
        errors.append(
            UnknownQueryParameters(
                f"This route does not take the query parameters sort; it takes {', '.join(query)}."
            )
        )
    if parameters or takes_body:
        errors.append(_validation_example(parameters, takes_body))
    if through_gateway:
        errors.append(TooManyRequests("Too many requests from this caller; slow down."))
        errors.append(UpstreamFailed("A service behind the gateway failed."))
    errors.append(ServiceUnavailable("The database is not reachable right now."))
    return errors


def add_problems(
    operation: dict[str, Any], errors: Iterable[AppError | tuple[str, AppError]], *, path: str
) -> dict[str, Any]:
    """Merges these problems into the operation's responses (examples and types add up)."""
    responses = operation.setdefault("responses", {})
    for status, response in problem_responses(*errors, path=path).items():
        existing = responses.get(str(status))
        if existing is None or not _examples(existing):
            responses[str(status)] = response
            continue
        # A derived example replaces the one derived earlier (e.g. by the service itself).
        merged = {**_examples(existing), **_examples(response)}
        existing["content"][PROBLEM_MEDIA_TYPE]["examples"] = merged
        if "headers" in response:
            existing.setdefault("headers", {}).update(response["headers"])
        _describe(existing)
    return operation


def document_problems(document: dict[str, Any], *, through_gateway: bool) -> dict[str, Any]:
    """Gives every /v1 operation of a document the problems of its route class.

    Error responses without examples (a router's blanket declaration, FastAPI's
    own 422) are replaced; ones a route declared with `problem_responses()` stay.
    """
    for path, operations in document.get("paths", {}).items():
        if not path.startswith("/v1/"):
            continue
        for method, operation in operations.items():
            responses = operation.get("responses", {})
            for status in [s for s, r in responses.items() if int(s) >= 400 and not _examples(r)]:
                del responses[status]
            errors = route_problems(method, path, operation, through_gateway=through_gateway)
            add_problems(operation, errors, path=path)
    return document


def _is_id(parameter: Mapping[str, Any]) -> bool:
    # An id is free text; enumerations and numbers choose what to compute, and a wrong
    # one is a 422, not a 404.
    schema = parameter.get("schema", {})
    return schema.get("type") == "string" and "enum" not in schema


def _validation_example(parameters: list[Mapping[str, Any]], takes_body: bool) -> AppError:
    first = parameters[0] if parameters else {}
    where = ["body", "field"] if takes_body else [first.get("in", "query"), first.get("name", "")]
    return ValidationFailed(
        "Some fields are missing or invalid.",
        errors=[{"loc": where, "msg": "Field required", "type": "missing"}],
    )


def _empty_response(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": "",
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": PROBLEM_REF}, "examples": {}}},
    }
    if status in _HEADERS:
        response["headers"] = {
            name: {"description": text, "schema": {"type": kind}}
            for name, (kind, text) in _HEADERS[status].items()
        }
    return response


def _examples(response: Mapping[str, Any]) -> dict[str, Any]:
    content = response.get("content", {}).get(PROBLEM_MEDIA_TYPE, {})
    examples: dict[str, Any] = content.get("examples", {})
    return examples


def _describe(response: dict[str, Any]) -> None:
    """Describes the response by its problems, and lets its schema name their types."""
    examples = _examples(response)
    kinds = sorted({example["value"]["type"] for example in examples.values()})
    titles = sorted({example["value"]["title"] for example in examples.values()})
    listed = ", ".join(f"`{kind}`" for kind in kinds)
    response["description"] = f"{'; '.join(titles)}. Problem type{'s' * (len(kinds) > 1)}: {listed}"
    response["content"][PROBLEM_MEDIA_TYPE]["schema"] = {
        "allOf": [
            {"$ref": PROBLEM_REF},
            {"type": "object", "properties": {"type": {"type": "string", "enum": kinds}}},
        ]
    }
