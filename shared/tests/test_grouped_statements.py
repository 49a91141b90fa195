"""KeyedReads and GroupedInserts: work arriving together runs together, by the same
SQLAlchemy code on SQLite and PostgreSQL; each caller gets its own answer, and a
database that is away is a 503 for every caller of the batch."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import NamedTuple

import pytest
from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from ombuds_shared.db import GroupedInserts, KeyedReads, UTCDateTime, create_engine
from ombuds_shared.errors import ServiceUnavailable
from ombuds_testing import TestDatabases
from ombuds_testing.ports import free_port

_THING = Table(
    f"probe_thing_{uuid.uuid4().hex[:8]}",  # tables of their own, in the shared database
    MetaData(),
    Column("id", String(36), primary_key=True),
    Column("label", String(40)),
    Column("is_open", Boolean),
    Column("count", Integer),
    Column("seen_at", UTCDateTime),
    Column("gone_at", UTCDateTime, nullable=True),
)  # fmt: skip


class _ThingRow(NamedTuple):
    id: str
    label: str
    seen_at: dt.datetime


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


@pytest.fixture
async def engine(databases: TestDatabases, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(
        databases.admin_url or f"sqlite+aiosqlite:///{tmp_path / 'probe.db'}", pool_size=1
    )
    yield engine
    await engine.dispose()


async def test_reads_arriving_together_are_fetched_together(
    databases: TestDatabases, engine: AsyncEngine
) -> None:
    seen = dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
    reads = KeyedReads(
        engine, select(_THING.c.id, _THING.c.label, _THING.c.seen_at), _THING.c.id, _ThingRow._make
    )
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
                assert (row.id, row.label, row.seen_at) == (key, f"label {key[2:]}", seen)
        assert 0 < reads.fetches < len(wanted)  # grouped, not one statement a read
    finally:
        async with engine.begin() as conn:
            await conn.run_sync(_THING.drop)


async def test_every_reader_of_a_failed_fetch_is_told(
    databases: TestDatabases, tmp_path: Path
) -> None:
    nowhere = create_engine(
        f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/none"
        if databases.on_postgres
        else f"sqlite+aiosqlite:///{tmp_path / 'no-such-folder' / 'none.db'}"
    )
    reads = KeyedReads(nowhere, select(_THING), _THING.c.id, tuple)
    try:
        answers = await asyncio.gather(
            *(reads.get(f"t-{n}") for n in range(10)), return_exceptions=True
        )
        assert all(isinstance(answer, ServiceUnavailable) for answer in answers), answers
    finally:
        await nowhere.dispose()


async def test_groups_inserted_together_land_and_only_a_breaking_one_fails(
    databases: TestDatabases, engine: AsyncEngine
) -> None:
    made = dt.datetime(2026, 5, 6, 7, 8, 9, tzinfo=dt.UTC)
    inserts = GroupedInserts(engine)
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
        # Once more with no conflict: fewer transactions than groups.
        before = inserts.statements
        await asyncio.gather(*(inserts.insert(group(n, f"label {n}")) for n in range(20, 40)))
        assert 0 < inserts.statements - before < 20
    finally:
        async with engine.begin() as conn:
            await conn.run_sync(lambda sync: _CHILD.drop(sync) and None)
            await conn.run_sync(lambda sync: _PARENT.drop(sync) and None)
