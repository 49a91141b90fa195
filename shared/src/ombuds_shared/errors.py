"""The one error tree of Ombuds, rendered as RFC 9457 problem details.

    AppError                      500  internal
    ├── BadRequest                400  bad-request
    │   └── ValidationFailed      422  validation-failed
    ├── Unauthorized              401  unauthorized
    ├── Forbidden                 403  forbidden
    ├── NotFound                  404  not-found
    ├── MethodNotAllowed          405  method-not-allowed
    ├── Conflict                  409  conflict
    │   └── IdempotencyConflict   409  idempotency-conflict
    ├── PayloadTooLarge           413  payload-too-large
    ├── UnsupportedMediaType      415  unsupported-media-type
    ├── TooManyRequests           429  too-many-requests
    ├── UpstreamFailed            502  upstream-failed
    └── ServiceUnavailable        503  service-unavailable

Every service renders these as `application/problem+json`; the service client
turns a problem response back into the same class, so an error raised three
hops away reaches the caller intact.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from ombuds_shared.i18n import N_, translate
from ombuds_shared.request_context import current_request_id

__all__ = [
    "PROBLEM_RESPONSES",
    "AppError",
    "BadRequest",
    "Conflict",
    "Forbidden",
    "IdempotencyConflict",
    "MethodNotAllowed",
    "NotAcceptable",
    "NotFound",
    "ServiceUnavailable",
    "TooManyRequests",
    "Unauthorized",
    "UnsupportedMediaType",
    "UpstreamFailed",
    "ValidationFailed",
    "error_from_problem",
    "install_problem_handlers",
    "problem_response",
]

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://ombuds.dev/problems/"

logger = logging.getLogger("ombuds.errors")


class AppError(Exception):
    """Base of every error a service means to report to its caller."""

    status: ClassVar[int] = 500
    slug: ClassVar[str] = "internal"
    title: ClassVar[str] = N_("Internal error")

    def __init__(self, detail: str | None = None, **extensions: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.extensions = extensions

    @property
    def type_uri(self) -> str:
        return PROBLEM_TYPE_BASE + self.slug

    def headers(self) -> dict[str, str]:
        return {}

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        # The title is the problem type's, in the reader's language; the detail stays
        # English (it can name fields and values, and operators read it in logs).
        body: dict[str, Any] = {
            "type": self.type_uri,
            "title": translate(self.title),
            "status": self.status,
        }
        if self.detail:
            body["detail"] = self.detail
        if instance:
            body["instance"] = instance
        request_id = current_request_id()
        if request_id:
            body["request_id"] = request_id
        body.update(self.extensions)
        return body


class BadRequest(AppError):
    status, slug, title = 400, "bad-request", N_("Bad request")


class UnknownQueryParameters(BadRequest):
    """A query parameter the route does not take (ombuds_shared._strict_query)."""

    slug, title = "unknown-query-parameters", "Unknown query parameters"


class ValidationFailed(BadRequest):
    status, slug, title = 422, "validation-failed", N_("The request is not valid")


class RequestTimeout(AppError):
    status, slug, title = 408, "request-timeout", "Request body too slow"


class ClientClosedRequest(AppError):
    """The client went away before its request was read (nginx's 499): nobody reads the
    answer, but logs and metrics count it as the client's doing, not a server error."""

    status, slug, title = 499, "client-closed-request", "Client closed the request"


class Unauthorized(AppError):
    status, slug, title = 401, "unauthorized", N_("Authentication required")

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Bearer error="invalid_token"'}


class Forbidden(AppError):
    status, slug, title = 403, "forbidden", N_("Not allowed")


class NotFound(AppError):
    status, slug, title = 404, "not-found", N_("Not found")


class MethodNotAllowed(AppError):
    status, slug, title = 405, "method-not-allowed", N_("Method not allowed")

    def __init__(self, detail: str | None = None, allow: list[str] | None = None, **ext: Any):
        super().__init__(detail, **ext)
        self.allow = allow or []

    def headers(self) -> dict[str, str]:
        return {"Allow": ", ".join(self.allow)} if self.allow else {}


class NotAcceptable(AppError):
    """None of the media types the client accepts can be produced (RFC 9110 15.5.7)."""

    status, slug, title = 406, "not-acceptable", "No acceptable representation"


class Conflict(AppError):
    status, slug, title = 409, "conflict", N_("Conflict with the current state")


class IdempotencyConflict(Conflict):
    slug, title = "idempotency-conflict", N_("Idempotency key reused with a different request")


class PayloadTooLarge(AppError):
    status, slug, title = 413, "payload-too-large", N_("Request body too large")


class UnsupportedMediaType(AppError):
    status, slug, title = 415, "unsupported-media-type", N_("Unsupported media type")


class TooManyRequests(AppError):
    status, slug, title = 429, "too-many-requests", N_("Too many requests")

    def __init__(self, detail: str | None = None, retry_after: int = 1, **ext: Any) -> None:
        super().__init__(detail, **ext)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class UpstreamFailed(AppError):
    status, slug, title = 502, "upstream-failed", N_("A service behind this one failed")


class ServiceUnavailable(AppError):
    status, slug, title = 503, "service-unavailable", N_("Service unavailable")

    def headers(self) -> dict[str, str]:
        return {"Retry-After": "2"}


_BY_STATUS_AND_SLUG: dict[tuple[int, str], type[AppError]] = {}


def _register(cls: type[AppError]) -> None:
    _BY_STATUS_AND_SLUG[(cls.status, cls.slug)] = cls
    for sub in cls.__subclasses__():
        _register(sub)


_register(AppError)


def error_from_problem(status: int, body: dict[str, Any]) -> AppError:
    """Rebuilds the AppError that a problem-details response describes."""
    slug = str(body.get("type", "")).removeprefix(PROBLEM_TYPE_BASE)
    cls = _BY_STATUS_AND_SLUG.get((status, slug))
    known = {"type", "title", "status", "detail", "instance", "request_id"}
    extensions = {k: v for k, v in body.items() if k not in known}
    if cls is None:
        cls = next((c for (s, _), c in _BY_STATUS_AND_SLUG.items() if s == status), AppError)
    return cls(body.get("detail"), **extensions)


def problem_response(
    error: AppError, instance: str | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        error.to_problem(instance),
        status_code=error.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers={**error.headers(), **(headers or {})},
    )


_STATUS_TO_ERROR: dict[int, type[AppError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    409: Conflict,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
    422: ValidationFailed,
    429: TooManyRequests,
    503: ServiceUnavailable,
}


class BodyRefused(StarletteHTTPException):
    """An AppError met while the request body was being read (too large, too slow, too
    deeply nested, abandoned). Raised from the ASGI receive channel, where FastAPI lets
    only HTTPExceptions through its body parsing unchanged; answered as `error`."""

    def __init__(self, error: AppError) -> None:
        super().__init__(error.status, error.detail)
        self.error = error


def invalid_input(errors: Iterable[Mapping[str, Any]]) -> ValidationFailed:
    """The 422 for a request's validation errors (FastAPI's, or pydantic's with the
    part of the request in front of each loc): where, what, and which kind; never
    the rejected input, which can be a person's details."""
    return ValidationFailed(
        "Some fields are missing or invalid.",
        errors=[
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in errors
        ],
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Makes every error leave the app as problem details, never as a bare 500 page."""

    async def on_app_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, AppError)
        if exc.status >= 500:
            logger.warning("request failed: %s", exc.slug, extra={"status": exc.status})
        return problem_response(exc, request.url.path)

    async def on_validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return problem_response(invalid_input(exc.errors()), request.url.path)

    async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        if isinstance(exc, BodyRefused):
            return problem_response(exc.error, request.url.path)
        cls = _STATUS_TO_ERROR.get(exc.status_code, AppError)
        detail = exc.detail if isinstance(exc.detail, str) else None
        # Starlette's own headers matter (e.g. Allow on a 405, required by RFC 9110).
        return problem_response(cls(detail), request.url.path, dict(exc.headers or {}))

    async def on_client_gone(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(ClientClosedRequest(), request.url.path)

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error")
        return problem_response(AppError("An unexpected error occurred."), request.url.path)

    app.add_exception_handler(AppError, on_app_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    # A client that left mid-request is its doing: 499, not a 500 in logs and metrics.
    app.add_exception_handler(ClientDisconnect, on_client_gone)
    app.add_exception_handler(Exception, on_unexpected)


# Every problem status, as a router's default (responses=PROBLEM_RESPONSES). The OpenAPI
# document then narrows each operation to the problems of its route class, with examples
# (ombuds_shared.openapi); a route declares anything more with problem_responses().
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {
        "description": cls.title,
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    for status, cls in _STATUS_TO_ERROR.items()
}
