"""The gateway's private listener: what only the services and monitoring may reach.

The internal JWKS (the keys every service trusts), the event ingress the outbox
relays post to, and /metrics are never routes of the public app: they live on
a second app, served on `private_bind` by a uvicorn server inside the gateway's
own event loop and sharing the public app's state. Deployments expose only the
public port to the world (docs/operations.md, deploy/k8s).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import uvicorn
from fastapi import FastAPI

from gateway import wellknown
from gateway.config import GatewaySettings
from gateway.events.router import router as events_router
from ombuds_shared.errors import install_problem_handlers
from ombuds_shared.http import SERVER_KEEP_ALIVE_SECONDS
from ombuds_shared.logs import RequestContextMiddleware
from ombuds_shared.metrics import MetricsMiddleware, metrics_router
from ombuds_shared.request_body import BodyGuardMiddleware
from ombuds_shared.serving import PromptServer

_START_POLLS = 500  # x 10 ms


def private_app(public: FastAPI, settings: GatewaySettings) -> FastAPI:
    """The private routes, over the public app's state (keys, verifiers, clients)."""
    app = FastAPI(
        title="Ombuds gateway (private)",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        redirect_slashes=False,
    )
    app.state = public.state
    install_problem_handlers(app)
    app.include_router(wellknown.internal_router)
    app.include_router(events_router)
    app.include_router(metrics_router())
    app.add_middleware(
        BodyGuardMiddleware,
        max_bytes=settings.max_body_bytes,
        read_timeout_seconds=settings.body_read_timeout_seconds,
    )
    app.add_middleware(RequestContextMiddleware)
    app.add_middleware(MetricsMiddleware, service=settings.service_name)
    return app


@contextlib.asynccontextmanager
async def private_listener(app: FastAPI, bind: str | None) -> AsyncIterator[None]:
    """Serves `app` on `bind` while the block runs (nothing when bind is None)."""
    if bind is None:
        yield
        return
    host, _, port = bind.rpartition(":")
    # A bounded graceful shutdown: an event delivery still running after it is cancelled
    # (the relay delivers it again) rather than holding the gateway's shutdown.
    config = uvicorn.Config(
        app,
        host=host,
        port=int(port),
        lifespan="off",
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=5,
        timeout_keep_alive=SERVER_KEEP_ALIVE_SECONDS,
    )
    server = PromptServer(config, handle_signals=False)
    task = asyncio.create_task(server.serve())
    for _ in range(_START_POLLS):
        if server.started or task.done():
            break
        await asyncio.sleep(0.01)
    if not server.started:
        server.stop()
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(task, timeout=5)
        raise RuntimeError(f"the gateway's private listener could not serve on {bind}")
    try:
        yield
    finally:
        server.stop()
        await asyncio.wait_for(task, timeout=10)
