"""Assembles a service's FastAPI app: the same plumbing in every service."""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.openapi.utils import get_openapi
from fastapi.telemetry import TelemetryConfig

from ombuds_shared import crypto
from ombuds_shared._health import ReadyCheck, health_router
from ombuds_shared._strict_query import refuse_unknown_query_parameters
from ombuds_shared._tracing import TracingMiddleware, tracer_provider
from ombuds_shared.config import ConfidentialSettings, ServiceSettings
from ombuds_shared.db import (
    DATABASE_DOWN,
    MAYBE_DATABASE_DOWN,
    create_engine,
    create_read_session_maker,
    create_session_maker,
    database_unavailable,
    ping,
)
from ombuds_shared.dependencies import ServiceState, state_of
from ombuds_shared.errors import (
    ServiceUnavailable,
    install_problem_handlers,
    problem_response,
)
from ombuds_shared.http import ServiceClient
from ombuds_shared.i18n import LanguageMiddleware
from ombuds_shared.keys import SigningKey, load_or_create_key, write_secret_once
from ombuds_shared.keystore import SqlKeyStore
from ombuds_shared.logs import RequestContextMiddleware, configure_logging
from ombuds_shared.metrics import MetricsMiddleware, metrics_listener, metrics_router
from ombuds_shared.openapi import document_problems
from ombuds_shared.outbox import (
    WEBHOOK_INGRESS_PATH,
    OutboxColumns,
    OutboxRelay,
    backlog,
    gateway_delivery,
)
from ombuds_shared.request_body import BodyGuardMiddleware
from ombuds_shared.tokens import (
    GATEWAY_ISSUER,
    Actor,
    JwksKeySource,
    ReusedToken,
    TokenVerifier,
    mint_internal_token,
)

__all__ = [
    "base_app",
    "create_service_app",
    "internal_key_source",
    "load_envelope",
    "open_key_store",
    "peer_token",
    "with_problem_schema",
    "with_webhook_relay",
]

logger = logging.getLogger("ombuds.db")

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "request_id": {"type": "string"},
    },
}

StartupHook = Callable[[FastAPI], Awaitable[None]]

_NO_FASTAPI_TELEMETRY: TelemetryConfig = {
    "tracing": False,
    "metrics": False,
    "logs": False,
    "operation_spans": False,
    "auto_configure": False,
}


def load_envelope(settings: ServiceSettings, *, create: bool = True) -> crypto.Envelope | None:
    """The master key ring, or None when it is not configured (fail closed later).

    In development a ring is kept in the data folder, created on first use unless
    `create` is false (an operator command must not invent a key for existing data).
    """
    if not isinstance(settings, ConfidentialSettings):
        return None
    spec = settings.master_keys
    if not spec and settings.is_development:
        path = settings.data_dir / "keys" / "master.keys"
        if path.exists():
            spec = path.read_text().strip()
        elif create:
            spec = write_secret_once(path, crypto.generate_master_key().encode()).decode().strip()
    return crypto.Envelope(crypto.parse_master_keys(spec)) if spec else None


def open_key_store(settings: ServiceSettings) -> SqlKeyStore | None:
    """The service's key store, or None for a service that keeps no data keys."""
    if not isinstance(settings, ConfidentialSettings):
        return None
    return SqlKeyStore.from_url(
        settings.resolved_key_store_url, pool_size=settings.database_pool_size
    )


def internal_key_source(settings: ServiceSettings) -> JwksKeySource:
    if settings.internal_jwks_file is not None:
        return JwksKeySource(file=settings.internal_jwks_file)
    return JwksKeySource(url=settings.internal_jwks_url)


def create_service_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str,
    routers: Iterable[APIRouter],
    trusted_peers: Iterable[str] = (),
    peer_urls: Mapping[str, str] | None = None,
    on_startup: StartupHook | None = None,
    on_shutdown: StartupHook | None = None,
    outbox_model: type[OutboxColumns] | None = None,
) -> FastAPI:
    """Builds a service: database, token verification, peers, errors, logs, health;
    with an `outbox_model`, also the relay that delivers its events to the gateway."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(
            settings.service_name, level=settings.log_level, as_json=settings.log_json
        )
        engine = create_engine(
            settings.resolved_database_url, pool_size=settings.database_pool_size
        )
        private_key = load_or_create_key(
            settings.resolved_signing_key_file, create=settings.is_development
        )
        key_source = internal_key_source(settings)
        # Destroying a key needs the store only; creating and opening one, the ring too.
        key_store = open_key_store(settings)
        if key_store is not None:
            # Before the first request; a store that is away is opened on first use instead.
            with contextlib.suppress(*DATABASE_DOWN, OSError):
                await key_store.open()
        envelope = load_envelope(settings)
        if envelope is not None:
            envelope = dataclasses.replace(envelope, store=key_store)
        state = ServiceState(
            settings=settings,
            engine=engine,
            session_maker=create_session_maker(engine),
            read_session_maker=create_read_session_maker(engine),
            signing_key=SigningKey.for_owner(private_key, settings.service_name),
            token_verifier=TokenVerifier(
                key_source,
                audience=settings.service_name,
                issuers={GATEWAY_ISSUER, *trusted_peers},
            ),
            key_store=key_store,
            envelope=envelope,
            peers={
                name: ServiceClient(url, name=name, timeout_seconds=settings.peer_timeout_seconds)
                for name, url in (peer_urls or {}).items()
            },
        )
        app.state.service = state
        relay_client = None
        if outbox_model is not None:
            relay_client = ServiceClient(
                settings.gateway_url, name="gateway", timeout_seconds=settings.peer_timeout_seconds
            )
            state.outbox_relay = OutboxRelay(
                state.session_maker,
                outbox_model,
                gateway_delivery(
                    relay_client, ReusedToken(lambda: peer_token(app, "gateway", None))
                ),
                batch_size=settings.outbox_batch_size,
                poll_seconds=settings.outbox_poll_seconds,
                max_backoff_seconds=settings.outbox_max_backoff_seconds,
                service=settings.service_name,
            )
        if on_startup is not None:
            await on_startup(app)
        if state.outbox_relay is not None:
            state.outbox_relay.start()
        try:
            yield
        finally:
            if on_shutdown is not None:
                await on_shutdown(app)
            if state.outbox_relay is not None:
                await state.outbox_relay.stop()
            if relay_client is not None:
                await relay_client.close()
            for client in state.peers.values():
                await client.close()
            await key_source.close()
            if key_store is not None:
                await key_store.close()
            await engine.dispose()

    async def database_ready(app: FastAPI) -> None:
        await ping(state_of(app).engine)

    if outbox_model is not None:
        routers = (*routers, outbox_router(outbox_model))
    return base_app(
        settings,
        title=title,
        description=description,
        lifespan=lifespan,
        routers=routers,
        ready_check=database_ready,
    )


def outbox_router(model: type[OutboxColumns]) -> APIRouter:
    """The outbox backlog, for monitoring: counts and an age, nothing of the events."""
    router = APIRouter(tags=["health"])

    @router.get("/v1/internal/outbox", summary="Events waiting for delivery to analytics")
    async def outbox_backlog(request: Request) -> dict[str, Any]:
        async with state_of(request.app).session_maker() as session:
            found = await backlog(session, model)
        return {
            "pending": found.pending,
            "failing": found.failing,
            "oldest_pending_age_seconds": found.oldest_pending_age_seconds,
        }

    return router


def base_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str,
    lifespan: Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]],
    routers: Iterable[APIRouter],
    ready_check: ReadyCheck,
    serve_openapi: bool = True,
    serve_metrics: bool = True,
) -> FastAPI:
    """The plumbing every app has, gateway included: errors, logs, metrics, limits, health.

    `serve_metrics=False` keeps /metrics off this app (the gateway serves it on its
    private listener instead); requests are still counted."""

    tracing = tracer_provider(settings)

    @contextlib.asynccontextmanager
    async def lifespan_with_metrics(app: FastAPI) -> AsyncIterator[None]:
        try:
            with metrics_listener(settings.metrics_bind):
                async with lifespan(app):
                    settle_garbage_collector()
                    yield
        finally:
            if tracing is not None:
                tracing.shutdown()  # sends the spans still buffered

    app = FastAPI(
        title=title,
        description=description,
        version="1.0.0",
        lifespan=lifespan_with_metrics,
        openapi_url="/openapi.json" if serve_openapi else None,
        # The docs pages are the gateway's, from vendored assets; FastAPI's own would load
        # Swagger UI from a CDN that offices behind a firewall cannot reach.
        docs_url=None,
        redoc_url=None,
        redirect_slashes=False,  # a path is what it says; no redirects to another
        # FastAPI's own OpenTelemetry stays off: its logs carry exception messages and
        # rejected input, which here can be a person's details. Spans come from
        # TracingMiddleware instead, with route templates only (and no check per request).
        telemetry=_NO_FASTAPI_TELEMETRY,
        dependencies=[Depends(refuse_unknown_query_parameters)],
    )
    install_problem_handlers(app)
    install_database_unavailable_handler(app)
    # The service's own routes first: FastAPI tries the routers in order on every request,
    # and health and metrics (paths of their own) are asked for far less often.
    for router in routers:
        app.include_router(router)
    app.include_router(health_router(settings.service_name, ready_check))
    if serve_metrics:
        app.include_router(metrics_router())
    app.add_middleware(
        BodyGuardMiddleware,
        max_bytes=settings.max_body_bytes,
        read_timeout_seconds=settings.body_read_timeout_seconds,
    )
    if tracing is not None:
        app.add_middleware(TracingMiddleware, provider=tracing)
    app.add_middleware(RequestContextMiddleware)
    # Outside the hot routes and the problem rendering, so both speak the reader's language.
    app.add_middleware(LanguageMiddleware)
    # Outermost, so that it times everything, refusals of oversized bodies included.
    app.add_middleware(MetricsMiddleware, service=settings.service_name)
    with_problem_schema(app)
    return app


def settle_garbage_collector() -> None:
    """Takes what the app has built by now out of the cyclic garbage collector's sight.

    A service holds a few hundred thousand long-lived objects (modules, classes,
    routes, compiled statements) and every full collection walked them all: it
    cost a tenth of a busy service's CPU. Frozen, they are never walked again;
    what requests create is still collected, a little less often.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


# Python's default is (700, 10, 10); a request allocates hundreds of objects, so that
# ran a young collection every few requests.
GC_THRESHOLDS = (10_000, 20, 20)


def install_database_unavailable_handler(app: FastAPI) -> None:
    """Answers 503 problem details when a request meets a database that is away (restarting,
    unreachable), wherever the handler opened its connection; other database errors stay 500s."""

    async def on_database_error(request: Request, exc: Exception) -> Response:
        if not database_unavailable(exc):
            raise exc
        logger.warning("database unavailable", extra={"error": type(exc).__name__})
        error = ServiceUnavailable("The database is not reachable right now.")
        return problem_response(error, request.url.path)

    for error_type in MAYBE_DATABASE_DOWN:
        app.add_exception_handler(error_type, on_database_error)


def with_problem_schema(app: FastAPI) -> None:
    """Documents each operation's problems (by route class) with the Problem schema."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = (
                PROBLEM_SCHEMA
            )
            app.openapi_schema = document_problems(schema, through_gateway=False)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def with_webhook_relay(app: FastAPI, model: type[OutboxColumns], *, mediation_url: str) -> None:
    """Relays the service's webhook outbox (`model`) to mediation at `mediation_url`, which
    hosts webhooks (docs/webhooks.md), in the background while the app is up."""
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with inner(app):
            state = state_of(app)
            settings = state.settings
            client = ServiceClient(
                mediation_url,
                name="mediation",
                timeout_seconds=settings.peer_timeout_seconds,
            )
            relay = OutboxRelay(
                state.session_maker,
                model,
                gateway_delivery(
                    client,
                    ReusedToken(lambda: peer_token(app, "mediation", None)),
                    WEBHOOK_INGRESS_PATH,
                ),
                batch_size=settings.outbox_batch_size,
                poll_seconds=settings.outbox_poll_seconds,
                max_backoff_seconds=settings.outbox_max_backoff_seconds,
                service=f"{settings.service_name}-webhooks",
                keep_delivered=False,
            )
            relay.start()
            try:
                yield
            finally:
                await relay.stop()
                await client.close()

    app.router.lifespan_context = lifespan


def peer_token(
    app: FastAPI, audience: str, actor: Actor | None, *, asserts: Mapping[str, str] | None = None
) -> str:
    """A token of this service's own identity for a call to `audience`."""
    state = state_of(app)
    return mint_internal_token(
        state.signing_key,
        issuer=state.settings.service_name,
        audience=audience,
        actor=actor,
        asserts=asserts,
    )
