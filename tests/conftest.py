"""The whole stack for cross-service tests: four services served on 127.0.0.1, and the gateway."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from analytics.config import AnalyticsSettings
from analytics.main import MIGRATIONS as ANALYTICS_MIGRATIONS
from analytics.main import create_app as create_analytics
from cases.config import CasesSettings
from cases.main import MIGRATIONS as CASES_MIGRATIONS
from cases.main import create_app as create_cases
from gateway.config import GatewaySettings
from gateway.dev_issuer import mint_dev_token
from gateway.main import create_app as create_gateway
from intake.config import IntakeSettings
from intake.main import MIGRATIONS as INTAKE_MIGRATIONS
from intake.main import create_app as create_intake
from mediation.config import MediationSettings
from mediation.main import MIGRATIONS as MEDIATION_MIGRATIONS
from mediation.main import create_app as create_mediation
from ombuds_testing import TestDatabases, TestKeys, free_port, serve_app
from ombuds_testing.pytest_plugin import settings_overrides

BACKENDS: dict[str, tuple[Any, Any, Path]] = {
    "intake": (IntakeSettings, create_intake, INTAKE_MIGRATIONS),
    "cases": (CasesSettings, create_cases, CASES_MIGRATIONS),
    "mediation": (MediationSettings, create_mediation, MEDIATION_MIGRATIONS),
    "analytics": (AnalyticsSettings, create_analytics, ANALYTICS_MIGRATIONS),
}


@dataclass
class Stack:
    gateway: httpx.AsyncClient
    settings: GatewaySettings
    urls: dict[str, str]
    database_urls: dict[str, str]
    keys: TestKeys
    apps: dict[str, FastAPI] = field(default_factory=dict)
    gateway_app: FastAPI | None = None
    servers: dict[str, contextlib.AsyncExitStack] = field(default_factory=dict)
    # The gateway's private listener (internal JWKS, event ingress, metrics), over real HTTP.
    private: httpx.AsyncClient | None = None
    # The gateway's public listener over real HTTP, for clients that are not async (the CLI).
    public_url: str = ""

    @property
    def internal(self) -> httpx.AsyncClient:
        assert self.private is not None
        return self.private

    async def start(self, name: str) -> None:
        """Serves a backend on its port (again, after a stop)."""
        server = contextlib.AsyncExitStack()
        port = int(self.urls[name].rsplit(":", 1)[1])
        await server.enter_async_context(serve_app(self.apps[name], port))
        self.servers[name] = server

    async def stop(self, name: str) -> None:
        """Takes a backend off the network, as an outage would."""
        await self.servers.pop(name).aclose()

    def token(
        self,
        role: str,
        *,
        sub: str | None = None,
        office: str | None = None,
        tribunal: str | None = None,
    ) -> str:
        """A token for the role; a registry serves the Dispute Tribunal unless told."""
        if role == "registry" and tribunal is None:
            tribunal = "dispute_tribunal"
        return mint_dev_token(
            self.settings,
            subject=sub or f"{role}-user",
            roles=[role],
            office=office,
            tribunal=tribunal,
        )

    def auth(
        self,
        role: str,
        *,
        sub: str | None = None,
        office: str | None = None,
        tribunal: str | None = None,
    ) -> dict[str, str]:
        token = self.token(role, sub=sub, office=office, tribunal=tribunal)
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def stack(
    keys: TestKeys, databases: TestDatabases, master_keys: str, tmp_path: Path
) -> AsyncIterator[Stack]:
    async with running_stack(keys, databases, master_keys, tmp_path) as running:
        yield running


@contextlib.asynccontextmanager
async def running_stack(
    keys: TestKeys,
    databases: TestDatabases,
    master_keys: str,
    data_dir: Path,
    **gateway_overrides: Any,
) -> AsyncIterator[Stack]:
    """Fresh databases, the four backends served on loopback ports, and the gateway.

    `gateway_overrides` are gateway settings (an identity provider's, for instance).
    """
    ports = {name: free_port() for name in BACKENDS}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    # The gateway is served too: the producers' outbox relays deliver events to its private
    # listener, the only place its event ingress is served.
    gateway_port = free_port()
    private_bind = f"127.0.0.1:{free_port()}"
    gateway_url = f"http://{private_bind}"
    database_urls: dict[str, str] = {}
    apps: dict[str, FastAPI] = {}
    async with contextlib.AsyncExitStack() as running:
        for name, (settings_cls, factory, migrations) in BACKENDS.items():
            database_urls[name] = databases.fresh(name, migrations)
            overrides = settings_overrides(
                name,
                keys=keys,
                data_dir=data_dir,
                database_url=database_urls[name],
                master=master_keys,
                # On PostgreSQL, each service's key store is a database of its own too.
                key_store_url=databases.empty(f"{name}_keys") if databases.on_postgres else None,
            )
            peers = {f"{peer}_url": url for peer, url in urls.items() if peer != name}
            peers["gateway_url"] = gateway_url
            settings = settings_cls(
                **overrides, **{k: v for k, v in peers.items() if k in settings_cls.model_fields}
            )
            apps[name] = factory(settings)
        gateway_settings = GatewaySettings(
            environment="test",
            # Attack tests send many bad tokens; the limits have a test of their own.
            unauthenticated_burst=10_000,
            rate_limit_burst=10_000,
            max_in_flight_per_client=1_000,
            data_dir=data_dir,
            signing_key_file=keys.key_file("gateway"),
            service_keys_dir=keys.folder,
            private_bind=private_bind,
            **{f"{name}_url": url for name, url in urls.items()},
            **gateway_overrides,
        )
        gateway_app = create_gateway(gateway_settings)
        gateway_server = await running.enter_async_context(contextlib.AsyncExitStack())
        await gateway_server.enter_async_context(serve_app(gateway_app, gateway_port))
        client = await running.enter_async_context(
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=gateway_app), base_url="http://testserver"
            )
        )
        private = await running.enter_async_context(httpx.AsyncClient(base_url=gateway_url))
        stack = Stack(client, gateway_settings, urls, database_urls, keys, apps)
        stack.gateway_app = gateway_app
        stack.private = private
        stack.public_url = f"http://127.0.0.1:{gateway_port}"
        try:
            for name in BACKENDS:
                await stack.start(name)
            yield stack
        finally:
            # Side by side, the gateway too: each stop waits for its app's shutdown, not for
            # the others', as when a deployment stops every process at once.
            stops = [stack.stop(name) for name in list(stack.servers)]
            await asyncio.gather(gateway_server.aclose(), *stops)


def intake_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "visitor": {
            "name": "Jonas Okafor",
            "email": "jonas.okafor@example.org",
            "staff_index_number": "771204",
        },
        "pillar": "secretariat",
        "office": "nairobi",
        "location": "field_mission",
        "occupational_group": "field_service",
    }
    body.update(changes)
    return body


@pytest.fixture
async def client_at(stack: Stack) -> AsyncIterator[Any]:
    """A client to the gateway from a loopback address of its own (the limits are per address)."""
    clients: list[httpx.AsyncClient] = []

    def make(address: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=stack.gateway_app, client=(address, 40000))
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()
