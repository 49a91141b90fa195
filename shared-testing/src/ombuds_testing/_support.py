"""Keys, fresh databases and running apps for every service's tests.

Tests run on SQLite by default and on PostgreSQL when OMBUDS_TEST_DATABASE_URL
names an admin connection (e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/postgres).
Each test gets a database of its own, copied from a template migrated once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import socket
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import uvicorn
from cryptography.hazmat.primitives import serialization
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import make_url

from ombuds_shared.db import create_engine
from ombuds_shared.http import SERVER_KEEP_ALIVE_SECONDS
from ombuds_shared.keys import SigningKey, generate_key_file, jwks_document
from ombuds_shared.migrations import upgrade
from ombuds_shared.serving import PromptServer
from ombuds_shared.tokens import GATEWAY_ISSUER, Actor, mint_internal_token

TEST_DATABASE_ENV = "OMBUDS_TEST_DATABASE_URL"
SERVICE_NAMES = ("gateway", "intake", "cases", "mediation", "analytics")

T = TypeVar("T")


def in_thread(function: Callable[[], T]) -> T:
    """Runs a blocking call in a thread of its own (safe while an event loop is running)."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = function()
        except BaseException as exc:  # re-raised in the caller
            box["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


def run_blocking(factory: Callable[[], Awaitable[T]]) -> T:
    """Runs a coroutine to completion on a loop of its own, in its own thread."""
    return in_thread(lambda: asyncio.run(factory()))  # type: ignore[arg-type]


class TestKeys:
    """A gateway key and one key per service, with the internal JWKS that trusts them."""

    __test__ = False  # not a test class

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.keys: dict[str, SigningKey] = {}
        for name in SERVICE_NAMES:
            private = generate_key_file(folder / f"{name}.pem")
            (folder / f"{name}.pub.pem").write_bytes(
                private.public_key().public_bytes(
                    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
                )
            )
            self.keys[name] = SigningKey.for_owner(private, name)
        self.jwks_file = folder / "internal-jwks.json"
        self.jwks_file.write_text(
            json.dumps(jwks_document([k.public_jwk for k in self.keys.values()]))
        )

    def key_file(self, name: str) -> Path:
        return self.folder / f"{name}.pem"

    def user_token(self, audience: str, actor: Actor, *, lifetime: int = 60) -> str:
        """A token as the gateway would mint it for `audience` on behalf of `actor`."""
        return mint_internal_token(
            self.keys["gateway"],
            issuer=GATEWAY_ISSUER,
            audience=audience,
            actor=actor,
            lifetime=lifetime,
        )

    def peer_token(
        self,
        issuer: str,
        audience: str,
        actor: Actor | None = None,
        asserts: dict[str, str] | None = None,
    ) -> str:
        return mint_internal_token(
            self.keys[issuer], issuer=issuer, audience=audience, actor=actor, asserts=asserts
        )


def actor(role: str, *, sub: str | None = None, office: str | None = None) -> Actor:
    return Actor(sub or f"{role}-{uuid.uuid4().hex[:8]}", frozenset({role}), office)


def comparable_answer(response: httpx.Response) -> tuple[int, str]:
    """An answer as its reader sees it, to compare with another: a problem's request id
    differs on every call, so it is left out."""
    if response.status_code >= 400:
        problem = response.json()
        problem.pop("request_id", None)
        return response.status_code, json.dumps(problem, sort_keys=True)
    return response.status_code, response.text


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class TestDatabases:
    """Hands out a freshly migrated database per test, on SQLite or PostgreSQL."""

    __test__ = False

    def __init__(self, folder: Path, admin_url: str | None = None) -> None:
        self.folder = folder
        self.admin_url = admin_url if admin_url is not None else os.environ.get(TEST_DATABASE_ENV)
        self.templates: dict[str, str] = {}
        self.created: list[str] = []
        self.prefix = f"ombuds_t{uuid.uuid4().hex[:6]}"

    @property
    def on_postgres(self) -> bool:
        return bool(self.admin_url)

    def fresh(self, service: str, migrations: Path) -> str:
        """A new database for `service`, migrated to head; returns its URL."""
        if service not in self.templates:
            self.templates[service] = self._template(service, migrations)
        template = self.templates[service]
        name = f"{self.prefix}_{service}_{uuid.uuid4().hex[:8]}"
        if not self.on_postgres:
            path = self.folder / f"{name}.db"
            shutil.copyfile(template, path)
            return f"sqlite+aiosqlite:///{path}"
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        self.created.append(name)
        return self._url_for(name)

    def empty(self, service: str) -> str:
        """A new database with no schema yet (for tests of a migration); returns its URL."""
        name = f"{self.prefix}_{service}_{uuid.uuid4().hex[:8]}"
        if not self.on_postgres:
            self.folder.mkdir(parents=True, exist_ok=True)
            return f"sqlite+aiosqlite:///{self.folder / f'{name}.db'}"
        self._admin(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return self._url_for(name)

    def _template(self, service: str, migrations: Path) -> str:
        if not self.on_postgres:
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self.folder / f"template_{service}.db"
            in_thread(lambda: upgrade(migrations, f"sqlite+aiosqlite:///{path}"))
            return str(path)
        name = f"{self.prefix}_tmpl_{service}"
        self._admin(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        in_thread(lambda: upgrade(migrations, self._url_for(name)))
        return name

    def _url_for(self, database: str) -> str:
        assert self.admin_url
        return make_url(self.admin_url).set(database=database).render_as_string(hide_password=False)

    def _admin(self, *statements: str) -> None:
        assert self.admin_url
        url = self.admin_url

        async def run() -> None:
            engine = create_engine(url, pool_size=1)
            try:
                async with engine.connect() as conn:
                    conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
                    for statement in statements:
                        await conn.execute(text(statement))
            finally:
                await engine.dispose()

        run_blocking(run)

    def drop_all(self) -> None:
        if self.on_postgres and self.created:
            self._admin(
                *(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)' for n in reversed(self.created))
            )
            self.created.clear()


@contextlib.asynccontextmanager
async def app_client(
    app: FastAPI, base_url: str = "http://testserver"
) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client speaking to the app in-process, with its lifespan run."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield client


@contextlib.asynccontextmanager
async def serve_app(app: FastAPI, port: int | None = None) -> AsyncIterator[str]:
    """Serves the app over real HTTP on 127.0.0.1 inside this event loop; yields its URL."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port or 0))
    bound = sock.getsockname()[1]
    # A bounded graceful shutdown: past it, uvicorn cancels the requests still running
    # (a relay's delivery, say) instead of waiting for their connections without end.
    config = uvicorn.Config(
        app,
        log_config=None,
        lifespan="on",
        access_log=False,
        timeout_graceful_shutdown=5,
        timeout_keep_alive=SERVER_KEEP_ALIVE_SECONDS,
    )
    server = PromptServer(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    for _ in range(500):
        if server.started or task.done():
            break
        await asyncio.sleep(0.01)
    if not server.started:
        task.cancel()
        raise RuntimeError("the app did not start")
    try:
        yield f"http://127.0.0.1:{bound}"
    finally:
        server.stop()
        await asyncio.wait_for(task, timeout=10)
        sock.close()


@contextlib.contextmanager
def environment(**values: str) -> Iterator[None]:
    """Sets environment variables for the block and restores them after."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


async def stored_key_ids(key_store_url: str, prefix: str = "") -> list[str]:
    """The ids of the data keys a key store holds (ids only, never a key)."""
    from ombuds_shared.keystore import SqlKeyStore, key_ids

    store = SqlKeyStore.from_url(key_store_url, pool_size=1)
    try:
        return list(await key_ids(store, prefix))
    finally:
        await store.close()
