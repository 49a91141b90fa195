"""The request id that follows one request across every service it touches."""

from __future__ import annotations

import contextvars
import itertools
import re
import secrets

from starlette.types import Scope

__all__ = [
    "ROUTE_TEMPLATE_KEY",
]

REQUEST_ID_HEADER = "X-Request-ID"
_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "ombuds_request_id", default=None
)
# A caller-supplied id is echoed into logs, so only a short, plain token is accepted.
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Where a handler may record a better template than the one the router matched
# (the gateway's catch-all proxy route records the policy row it applied).
ROUTE_TEMPLATE_KEY = "ombuds.route_template"
UNMATCHED = "unmatched"


def current_request_id() -> str | None:
    return _request_id.get()


# A new request id is this process's random prefix and a count: unique without asking
# the kernel for randomness on every request (uuid4 did, at 3% of the gateway's CPU).
# An id only ties log lines together; it grants nothing, so it need not be unguessable.
_ID_PREFIX = secrets.token_hex(8)
_id_count = itertools.count(1)


def new_request_id() -> str:
    return f"{_ID_PREFIX}{next(_id_count):016x}"


def adopt_request_id(candidate: str | None) -> str:
    """Uses the caller's request id when it is safe to log, else makes a new one."""
    request_id = candidate if candidate and _SAFE_ID.match(candidate) else new_request_id()
    _request_id.set(request_id)
    return request_id


def route_template(scope: Scope) -> str:
    """The template of the route that served this request; never the raw path.

    Logs and metrics label requests with it: a raw path can carry a reference.
    """
    recorded = scope.get(ROUTE_TEMPLATE_KEY)
    if isinstance(recorded, str):
        return recorded
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) else UNMATCHED
