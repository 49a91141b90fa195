"""HotPool: a read on asyncpg's own pool answers what SQLAlchemy would, and a database
that is away, or a connection the server cut, is a 503 (the cut one never reused)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Boolean, Column, Integer, MetaData, String, Table, bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from ombuds_shared.db import HotPool, UTCDateTime, create_engine
from ombuds_shared.errors import ServiceUnavailable
from ombuds_shared.ports import free_port
from ombuds_shared.testing import TestDatabases

_THING = Table(
    f"probe_thing_{uuid.uuid4().hex[:8]}",  # a table of its own: the hot pool is not
    MetaData(),                             # the engine's, so a temporary one is unseen
    Column("id", String(36), primary_key=True),
    Column("label", String(40)),
    Column("is_open", Boolean),
    Column("count", Integer),
    Column("seen_at", UTCDateTime),
    Column("gone_at", UTCDateTime, nullable=True),
)  # fmt: skip
_BY_ID = select(_THING).where(_THING.c.id == bindparam("thing_id"))
_BACKEND_PID = select(text("pg_backend_pid() AS pid"))


@pytest.fixture
async def engine(databases: TestDatabases, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(
        databases.admin_url or f"sqlite+aiosqlite:///{tmp_path / 'probe.db'}", pool_size=1
    )
    yield engine
    await engine.dispose()


async def test_a_row_reads_the_same_as_through_sqlalchemy(engine: AsyncEngine) -> None:
    seen = dt.datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=dt.UTC)
    pool = HotPool(engine, pool_size=1)
    await pool.open()
    async with engine.begin() as conn:
        await conn.run_sync(_THING.create)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                _THING.insert(),
                [
                    {"id": "t-1", "label": "één", "is_open": True, "count": 7, "seen_at": seen},
                    {"id": "t-2", "label": "x", "is_open": False, "count": 0, "seen_at": seen,
                     "gone_at": seen},
                ],
            )  # fmt: skip
        for thing_id in ("t-1", "t-2"):
            async with engine.connect() as conn:
                through_sqlalchemy = (await conn.execute(_BY_ID, {"thing_id": thing_id})).one()
            fetched = await pool.fetch_one(_BY_ID, {"thing_id": thing_id})
            assert fetched is not None
            assert dict(fetched) == dict(through_sqlalchemy._mapping)
            assert fetched["seen_at"] == seen
            assert fetched["seen_at"].tzinfo is not None
        assert await pool.fetch_one(_BY_ID, {"thing_id": "none"}) is None
    finally:
        await pool.close()
        async with engine.begin() as conn:
            await conn.run_sync(_THING.drop)


async def test_a_connection_the_server_cut_is_503_and_not_reused(
    databases: TestDatabases, engine: AsyncEngine
) -> None:
    if not databases.on_postgres:
        pytest.skip("the server ending a connection is a PostgreSQL behaviour")
    pool = HotPool(engine, pool_size=1)  # one connection: the next read must replace it
    await pool.open()
    try:
        cut = (await pool.fetch_one(_BACKEND_PID, {}) or {})["pid"]
        async with engine.connect() as admin:
            await admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": cut})
        with pytest.raises(ServiceUnavailable):
            await pool.fetch_one(_BACKEND_PID, {})
        fresh = await pool.fetch_one(_BACKEND_PID, {})
        assert fresh is not None
        assert fresh["pid"] != cut
    finally:
        await pool.close()


async def test_a_database_that_is_away_is_503(databases: TestDatabases) -> None:
    if not databases.on_postgres:
        pytest.skip("SQLite is a file; it is never away")
    nowhere = create_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/none")
    pool = HotPool(nowhere, pool_size=1, timeout_seconds=5)
    await pool.open()
    try:
        with pytest.raises(ServiceUnavailable):
            await pool.fetch_one(_BACKEND_PID, {})
    finally:
        await pool.close()
        await nowhere.dispose()
