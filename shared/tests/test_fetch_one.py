"""fetch_one: a read on asyncpg's own connection answers what SQLAlchemy would, and a
connection the server cut is a 503 and never handed out again."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Boolean, Column, Integer, MetaData, String, Table, bindparam, select, text

from ombuds_shared.db import UTCDateTime, create_engine, fetch_one
from ombuds_shared.errors import ServiceUnavailable
from ombuds_shared.testing import TestDatabases

_THING = Table(
    "probe_thing",
    MetaData(),
    Column("id", String(36), primary_key=True),
    Column("label", String(40)),
    Column("is_open", Boolean),
    Column("count", Integer),
    Column("seen_at", UTCDateTime),
    Column("gone_at", UTCDateTime, nullable=True),
    prefixes=["TEMPORARY"],
)
_BY_ID = select(_THING).where(_THING.c.id == bindparam("thing_id"))


def _url(databases: TestDatabases, tmp_path: Path) -> str:
    return databases.admin_url or f"sqlite+aiosqlite:///{tmp_path / 'probe.db'}"


async def test_a_row_reads_the_same_as_through_sqlalchemy(
    databases: TestDatabases, tmp_path: Path
) -> None:
    engine = create_engine(_url(databases, tmp_path), pool_size=1)
    seen = dt.datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=dt.UTC)
    try:
        async with engine.connect() as conn:  # a temporary table lives on this connection
            await conn.run_sync(_THING.metadata.create_all)
            await conn.execute(
                _THING.insert(),
                [
                    {"id": "t-1", "label": "één", "is_open": True, "count": 7, "seen_at": seen},
                    {"id": "t-2", "label": "x", "is_open": False, "count": 0, "seen_at": seen,
                     "gone_at": seen},
                ],
            )  # fmt: skip
            for thing_id in ("t-1", "t-2"):
                through_sqlalchemy = (await conn.execute(_BY_ID, {"thing_id": thing_id})).one()
                fetched = await fetch_one(conn, _BY_ID, {"thing_id": thing_id})
                assert fetched is not None
                assert dict(fetched) == dict(through_sqlalchemy._mapping)
                assert fetched["seen_at"] == seen
                assert fetched["seen_at"].tzinfo is not None
            assert await fetch_one(conn, _BY_ID, {"thing_id": "none"}) is None
            await conn.rollback()
    finally:
        await engine.dispose()


async def test_a_connection_the_server_cut_is_503_and_not_reused(databases: TestDatabases) -> None:
    if not databases.on_postgres:
        pytest.skip("the server ending a connection is a PostgreSQL behaviour")
    assert databases.admin_url is not None
    engine = create_engine(databases.admin_url, pool_size=1)
    admin = create_engine(databases.admin_url, pool_size=1)
    pid_of = select(text("pg_backend_pid() AS pid"))
    try:
        async with engine.connect() as conn:
            cut = (await fetch_one(conn, pid_of, {}) or {})["pid"]
            async with admin.connect() as other:
                await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": cut})
            with pytest.raises(ServiceUnavailable):
                await fetch_one(conn, pid_of, {})
        async with engine.connect() as conn:  # the pool's one connection, replaced
            fresh = await fetch_one(conn, pid_of, {})
        assert fresh is not None
        assert fresh["pid"] != cut
    finally:
        await engine.dispose()
        await admin.dispose()
