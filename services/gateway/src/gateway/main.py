from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from gateway import docs_pages, openapi, wellknown
from gateway.answer_cache import AnswerCache
from gateway.auth import external_verifier
from gateway.certificate_keys import CertificateKeyCache
from gateway.config import SERVICES, GatewaySettings
from gateway.events.pseudonym import Pseudonymizer, load_pseudonym_key
from gateway.events.router import EventTokens
from gateway.graphql.schema import graphql_router
from gateway.internal_tokens import InternalTokenMinter, service_public_jwks
from gateway.load_shedding import ClientConcurrencyLimitMiddleware, ConcurrencyLimitMiddleware
from gateway.policy import Policy
from gateway.private_listener import private_app, private_listener
from gateway.proxy.router import proxy_app
from gateway.ratelimit import RateLimiter
from gateway.reference import local_app
from gateway.security_headers import SecurityHeadersMiddleware
from gateway.state import GatewayState, gateway_state
from ombuds_shared.app import base_app
from ombuds_shared.errors import ServiceUnavailable
from ombuds_shared.http import ServiceClient
from ombuds_shared.keys import SigningKey, jwks_document, load_or_create_key
from ombuds_shared.logs import configure_logging
from ombuds_shared.tokens import JwksKeySource, TokenVerifier


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    """Builds the gateway: the only public entry to Ombuds."""
    settings = settings or GatewaySettings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging("gateway", level=settings.log_level, as_json=settings.log_json)
        private = load_or_create_key(
            settings.resolved_signing_key_file, create=settings.is_development
        )
        internal_key = SigningKey.for_owner(private, "gateway")
        verifier, dev_key = external_verifier(settings)
        # Receipt codes are guessed, if at all, one call at a time: limited per address
        # (an IPv6 client per /64), whether the code was right or not (so a 429 says nothing
        # of a code). No limit over all clients: against 120-bit codes it adds nothing, and
        # strangers could spend it to lock every anonymous visitor out.
        receipt_limiter = RateLimiter(
            settings.receipt_rate_per_minute / 60,
            settings.receipt_burst,
            detail="Slow down: too many receipt-code attempts from this client.",
        )
        # The gateway's own extra keys (`gateway.<label>.pub.pem`) let replicas that still
        # sign with the previous key, or already with the next, be trusted during a rollout.
        published = service_public_jwks(settings.resolved_service_keys_dir, ("gateway", *SERVICES))
        # Relays of the producing services call the event ingress with their own keys.
        service_jwks = [jwk for jwk in published if not jwk["kid"].startswith("gateway.")]
        clients = {
            name: ServiceClient(
                settings.service_url(name), name=name, timeout_seconds=settings.peer_timeout_seconds
            )
            for name in SERVICES
        }
        app.state.gateway = GatewayState(
            settings=settings,
            policy=Policy(),
            local_app=local_app(),
            answer_cache=AnswerCache(settings.lookup_cache_seconds),
            caller_limiter=RateLimiter(settings.rate_limit_per_second, settings.rate_limit_burst),
            anonymous_limiter=RateLimiter(
                settings.unauthenticated_rate_per_second, settings.unauthenticated_burst
            ),
            receipt_limiter=receipt_limiter,
            external_verifier=verifier,
            minter=InternalTokenMinter(internal_key, settings.internal_token_lifetime_seconds),
            internal_key=internal_key,
            internal_jwks=[
                internal_key.public_jwk,
                *(jwk for jwk in published if jwk["kid"] != internal_key.kid),
            ],
            peer_verifier=TokenVerifier(
                JwksKeySource(document=jwks_document(service_jwks)),
                audience="gateway",
                issuers=set(SERVICES),
            ),
            pseudonymizer=Pseudonymizer(load_pseudonym_key(settings)),
            event_tokens=EventTokens(internal_key),
            public_jwks=[dev_key.public_jwk] if dev_key else [],
            clients=clients,
            certificate_keys=CertificateKeyCache(
                clients["mediation"], settings.certificate_keys_max_age_seconds
            ),
        )
        try:
            async with private_listener(private_app(app, settings), settings.private_bind):
                yield
        finally:
            for client in clients.values():
                await client.close()
            await verifier.keys.close()

    async def services_ready(app: FastAPI) -> None:
        for name, client in gateway_state(app).clients.items():
            response = await client.send("GET", "/ready", retry=False)
            if response.status != 200:
                raise ServiceUnavailable(f"The {name} service is not ready.")

    app = base_app(
        settings,
        title="Ombuds",
        description="The public API of Ombuds.",
        lifespan=lifespan,
        routers=(
            wellknown.router,
            openapi.router,
            docs_pages.router,
            # Before the GraphQL router: GET /graphql is GraphiQL's page, outside production.
            *((docs_pages.graphiql_router,) if settings.is_development else ()),
            graphql_router(settings),
        ),
        ready_check=services_ready,
        serve_openapi=False,  # the gateway serves the combined document instead
        # /internal/* and /metrics are the private listener's, never the public port's.
        serve_metrics=False,
    )
    # The /v1 proxy: nearly every request, a lean ASGI app. Mounted after the routers, whose
    # paths (/graphql, /.well-known, /openapi.json, /docs, /redoc, /static) are disjoint from it.
    app.mount("/v1", proxy_app)
    # The docs pages' vendored scripts and styles (gateway/static/README.md).
    app.mount(docs_pages.STATIC_PATH, docs_pages.static_files(), name="static")
    # Outside everything but the protective headers: a shed request costs next to nothing.
    app.add_middleware(ConcurrencyLimitMiddleware, limit=settings.max_concurrent_requests)
    # Outside the process-wide limit: a request over its client's share never counts there.
    app.add_middleware(ClientConcurrencyLimitMiddleware, limit=settings.max_in_flight_per_client)
    app.add_middleware(SecurityHeadersMiddleware)
    if settings.cors_origins:
        # Bearer tokens only, never cookies: no credentials mode is needed.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "Idempotency-Key",
                "X-Request-ID",
                "Receipt-Code",
            ],
            expose_headers=["Location", "Retry-After", "X-Request-ID", "Idempotent-Replayed"],
            max_age=600,
        )
    return app
