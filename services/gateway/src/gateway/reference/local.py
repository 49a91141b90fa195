"""Routes the gateway answers itself, reached through the same policy and `forward` as the
services' routes (REST and GraphQL alike), without a network hop."""

from __future__ import annotations

from fastapi import FastAPI

from gateway.reference.router import router
from gateway.state import GatewayState
from ombuds_shared.app import with_problem_schema
from ombuds_shared.errors import install_problem_handlers
from ombuds_shared.http import RawResponse
from ombuds_shared.tokens import Actor

# The policy rows' `service` for routes the gateway serves itself.
LOCAL_SERVICE = "gateway"


def local_app() -> FastAPI:
    """The gateway's own /v1 routes, as an app whose OpenAPI document the gateway merges."""
    app = FastAPI(title="Ombuds gateway", openapi_url="/openapi.json", docs_url=None)
    install_problem_handlers(app)
    app.include_router(router)
    with_problem_schema(app)
    return app


async def call_local(
    app: FastAPI,
    method: str,
    path: str,
    *,
    raw_query: str | None,
    headers: dict[str, str],
    body: bytes | None,
    actor: Actor,
    gateway_state: GatewayState,
) -> RawResponse:
    """Calls the local app in process, as ASGI, and collects its answer.

    Its handlers find the caller and the gateway's state (service clients, token
    minter) in `request.state.actor` and `request.state.gateway`."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": (raw_query or "").encode("latin-1"),
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()],
        "client": ("127.0.0.1", 0),
        "server": ("gateway", 0),
        "state": {"actor": actor, "gateway": gateway_state},
    }
    sent = False

    async def receive() -> dict[str, object]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body or b"", "more_body": False}

    status = 500
    answer_headers: dict[str, str] = {}
    chunks: list[bytes] = []

    async def send(message: dict[str, object]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])  # type: ignore[call-overload]
            for name, value in message.get("headers", []):  # type: ignore[attr-defined]
                answer_headers[name.decode("latin-1")] = value.decode("latin-1")
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))  # type: ignore[arg-type]

    await app(scope, receive, send)  # type: ignore[arg-type]
    return RawResponse(status, answer_headers, b"".join(chunks))
