"""HotPool: a read on asyncpg's own pool answers what SQLAlchemy would, and a database
that is away, or a connection the server cut, is a 503 (the cut one never reused)."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    func,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from ombuds_shared.db import GroupedInserts, HotPool, KeyedReads, UTCDateTime, create_engine
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
_PARENT = Table(
    f"probe_parent_{uuid.uuid4().hex[:8]}",
    _THING.metadata,
    Column("id", String(36), primary_key=True),
    Column("made_at", UTCDateTime),
    Column("note", String(40), default="a default the caller did not give"),
)
_CHILD = Table(
    f"probe_child_{uuid.uuid4().hex[:8]}",
    _THING.metadata,
    Column("id", String(36), primary_key=True),
    Column("parent_id", ForeignKey(_PARENT.c.id)),
    Column("label", String(40), unique=True),
)
_BACKEND_PID = select(text("pg_backend_pid() AS pid"))
_SLOW_READ = select(text("pg_sleep(10) AS slept"))
_STATE_OF = text("SELECT state FROM pg_stat_activity WHERE pid = :pid")


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


async def test_a_connection_the_server_cut_mid_read_is_503_and_not_reused(
    databases: TestDatabases, engine: AsyncEngine
) -> None:
    if not databases.on_postgres:
        pytest.skip("the server ending a connection is a PostgreSQL behaviour")
    pool = HotPool(engine, pool_size=1)  # one connection: the next read must replace it
    await pool.open()
    try:
        cut = (await pool.fetch_one(_BACKEND_PID, {}) or {})["pid"]
        # Cut while a read is in flight on it, so that the read, not the pool, meets the cut.
        reading = asyncio.create_task(pool.fetch_one(_SLOW_READ, {}))
        async with engine.connect() as admin:
            for _ in range(200):  # bounded: until the read is running, at most 10 s
                state = await admin.scalar(_STATE_OF, {"pid": cut})
                if state == "active":
                    break
                await asyncio.sleep(0.05)
            assert state == "active"
            await admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": cut})
        with pytest.raises(ServiceUnavailable):
            await reading
        fresh = await pool.fetch_one(_BACKEND_PID, {})
        assert fresh is not None
        assert fresh["pid"] != cut
    finally:
        await pool.close()


async def test_a_connection_the_server_cut_between_reads_is_never_reused(
    databases: TestDatabases, engine: AsyncEngine
) -> None:
    if not databases.on_postgres:
        pytest.skip("the server ending a connection is a PostgreSQL behaviour")
    pool = HotPool(engine, pool_size=1)
    await pool.open()
    try:
        cut = (await pool.fetch_one(_BACKEND_PID, {}) or {})["pid"]
        async with engine.connect() as admin:
            await admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": cut})
        # Whether the pool has seen the cut by the next read is a race: if it has, the
        # read is served on a new connection; if not, the read is a 503. Never a 500, and
        # the cut connection is never used again.
        try:
            after = await pool.fetch_one(_BACKEND_PID, {})
        except ServiceUnavailable:
            after = await pool.fetch_one(_BACKEND_PID, {})
        assert after is not None
        assert after["pid"] != cut
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


async def test_rows_inserted_together_land_all_or_none(engine: AsyncEngine) -> None:
    made = dt.datetime(2026, 5, 6, 7, 8, 9, tzinfo=dt.UTC)
    pool = HotPool(engine, pool_size=1)
    await pool.open()
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: _PARENT.create(sync) and None)
        await conn.run_sync(lambda sync: _CHILD.create(sync) and None)
    try:
        # The child refers to the parent inserted in the same call.
        await pool.insert_together([
            (_PARENT, {"id": "p-1", "made_at": made, "note": None}),
            (_CHILD, {"id": "c-1", "parent_id": "p-1", "label": "first"}),
        ])  # fmt: skip
        # The child breaks a unique constraint: the parent does not stay either.
        with pytest.raises(IntegrityError):
            await pool.insert_together([
                (_PARENT, {"id": "p-2", "made_at": made, "note": None}),
                (_CHILD, {"id": "c-2", "parent_id": "p-2", "label": "first"}),
            ])  # fmt: skip
        async with engine.connect() as conn:
            parents = (await conn.execute(select(_PARENT))).all()
            children = (await conn.execute(select(func.count()).select_from(_CHILD))).scalar()
        assert [tuple(p) for p in parents] == [("p-1", made, None)]
        assert children == 1
    finally:
        await pool.close()
        async with engine.begin() as conn:
            await conn.run_sync(lambda sync: _CHILD.drop(sync) and None)
            await conn.run_sync(lambda sync: _PARENT.drop(sync) and None)


async def test_reads_arriving_together_are_fetched_together(
    databases: TestDatabases, engine: AsyncEngine
) -> None:
    seen = dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
    pool = HotPool(engine, pool_size=2)
    await pool.open()
    reads = KeyedReads(pool, select(_THING), _THING.c.id)
    async with engine.begin() as conn:
        await conn.run_sync(_THING.create)
        await conn.execute(_THING.insert(), [
            {"id": f"t-{n}", "label": f"label {n}", "is_open": n % 2 == 0, "count": n,
             "seen_at": seen}
            for n in range(7)
        ])  # fmt: skip
    try:
        wanted = [f"t-{n % 10}" for n in range(60)]  # t-7, t-8 and t-9 do not exist
        found = await asyncio.gather(*(reads.get(key) for key in wanted))
        for key, row in zip(wanted, found, strict=True):
            if key in ("t-7", "t-8", "t-9"):
                assert row is None
            else:
                assert row is not None
                assert (row["id"], row["label"], row["seen_at"]) == (key, f"label {key[2:]}", seen)
        if databases.on_postgres:
            assert 0 < reads.fetches < len(wanted)  # grouped, not one statement a read
    finally:
        await pool.close()
        async with engine.begin() as conn:
            await conn.run_sync(_THING.drop)


async def test_every_reader_of_a_failed_fetch_is_told(databases: TestDatabases) -> None:
    if not databases.on_postgres:
        pytest.skip("reads are fetched together on PostgreSQL only")
    nowhere = create_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/none")
    pool = HotPool(nowhere, pool_size=1, timeout_seconds=5)
    await pool.open()
    reads = KeyedReads(pool, select(_THING), _THING.c.id)
    try:
        answers = await asyncio.gather(
            *(reads.get(f"t-{n}") for n in range(10)), return_exceptions=True
        )
        assert all(isinstance(answer, ServiceUnavailable) for answer in answers), answers
    finally:
        await pool.close()
        await nowhere.dispose()


async def test_groups_inserted_together_land_and_only_a_breaking_one_fails(
    databases: TestDatabases, engine: AsyncEngine
) -> None:
    made = dt.datetime(2026, 5, 6, 7, 8, 9, tzinfo=dt.UTC)
    pool = HotPool(engine, pool_size=2)
    await pool.open()
    inserts = GroupedInserts(pool)
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: _PARENT.create(sync) and None)
        await conn.run_sync(lambda sync: _CHILD.create(sync) and None)

    def group(n: int, label: str) -> list[tuple[Table, dict[str, object]]]:
        return [
            (_PARENT, {"id": f"p-{n}", "made_at": made, "note": None}),
            (_CHILD, {"id": f"c-{n}", "parent_id": f"p-{n}", "label": label}),
        ]

    try:
        # Group 7 repeats group 3's unique label: one of the two fails (whichever came
        # second), and every other group lands.
        labels = {n: f"label {3 if n == 7 else n}" for n in range(12)}
        outcomes = await asyncio.gather(
            *(inserts.insert(group(n, label)) for n, label in labels.items()),
            return_exceptions=True,
        )
        failed = [n for n, outcome in enumerate(outcomes) if outcome is not None]
        assert failed in ([3], [7]), outcomes
        assert isinstance(outcomes[failed[0]], IntegrityError)
        async with engine.connect() as conn:
            parents = set((await conn.execute(select(_PARENT.c.id))).scalars())
            made_at = (await conn.execute(select(_PARENT.c.made_at))).scalars().first()
        assert parents == {f"p-{n}" for n in range(12) if n != failed[0]}
        assert made_at == made
        # Once more with no conflict: on PostgreSQL, fewer statements than groups.
        before = inserts.statements
        await asyncio.gather(*(inserts.insert(group(n, f"label {n}")) for n in range(20, 40)))
        if databases.on_postgres:
            assert 0 < inserts.statements - before < 20
    finally:
        await pool.close()
        async with engine.begin() as conn:
            await conn.run_sync(lambda sync: _CHILD.drop(sync) and None)
            await conn.run_sync(lambda sync: _PARENT.drop(sync) and None)
