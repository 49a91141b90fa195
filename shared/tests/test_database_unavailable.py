"""A database that is away is a 503 problem (the client may retry), never a 500.

asyncpg reports a server shutting down, starting up or cutting a connection as
a generic DBAPIError; the shared app answers those with 503 wherever the
handler opened its connection. Errors that say the request itself is wrong
(a duplicate key) stay what they were.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fastapi import APIRouter, FastAPI
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from ombuds_shared.app import base_app
from ombuds_shared.config import ServiceSettings
from ombuds_shared.db import create_engine
from ombuds_testing import TestDatabases, app_client, free_port


def _app(database_url: str, admin_url: str | None = None) -> FastAPI:
    router = APIRouter()

    @router.get("/v1/unreachable")
    async def unreachable() -> dict[str, int]:
        # Nothing listens on this port: the connection is refused.
        engine = create_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/none")
        try:
            async with engine.connect() as conn:
                return {"one": (await conn.execute(text("SELECT 1"))).scalar_one()}
        finally:
            await engine.dispose()

    @router.get("/v1/terminated")
    async def terminated() -> dict[str, int]:
        # The server ends this connection in the middle of a query, as a fast shutdown does.
        assert admin_url is not None
        engine, admin = create_engine(database_url), create_engine(admin_url)

        async def terminate(pid: int) -> None:
            await asyncio.sleep(0.3)
            async with admin.connect() as other:
                await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

        try:
            async with engine.connect() as conn:
                pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
                terminating = asyncio.create_task(terminate(pid))
                try:
                    await conn.execute(text("SELECT pg_sleep(5)"))
                finally:
                    await terminating
                return {"pid": pid}
        finally:
            await engine.dispose()
            await admin.dispose()

    @router.post("/v1/duplicate")
    async def duplicate() -> dict[str, str]:
        engine = create_engine(database_url)
        try:
            async with engine.begin() as conn:
                await conn.execute(text("CREATE TABLE IF NOT EXISTS probe (id INT PRIMARY KEY)"))
                await conn.execute(text("INSERT INTO probe (id) VALUES (1), (1)"))
            return {"status": "stored"}
        finally:
            await engine.dispose()

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield

    async def ready(_: FastAPI) -> None:
        return None

    settings = ServiceSettings(service_name="probe", environment="test")
    return base_app(
        settings, title="probe", description="probe", lifespan=lifespan, routers=[router],
        ready_check=ready,
    )  # fmt: skip


async def test_an_unreachable_database_is_a_503_problem(tmp_path: Path) -> None:
    async with app_client(_app(f"sqlite+aiosqlite:///{tmp_path / 'probe.db'}")) as client:
        response = await client.get("/v1/unreachable")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"]
    assert response.json()["type"].endswith("/service-unavailable")


async def test_a_request_that_is_wrong_stays_an_error_of_its_own(tmp_path: Path) -> None:
    async with app_client(_app(f"sqlite+aiosqlite:///{tmp_path / 'probe.db'}")) as client:
        with pytest.raises(IntegrityError):  # the app's 500 path, re-raised to the test
            await client.post("/v1/duplicate")


async def test_a_connection_cut_by_the_server_is_a_503_problem(
    databases: TestDatabases, tmp_path: Path
) -> None:
    if not databases.on_postgres:
        pytest.skip("the server ending a connection is a PostgreSQL behaviour")
    assert databases.admin_url is not None
    database_url = databases.admin_url  # any database will do: nothing is written
    async with app_client(_app(database_url, databases.admin_url)) as client:
        response = await client.get("/v1/terminated")
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
