"""Reads are recorded in the audit log with group commit: complete, chained, and grouped."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cases.audit.models import AuditEvent, AuditHead
from cases.main import MIGRATIONS
from ombuds_shared.audit import AuditEntry, ReadLog, verify
from ombuds_shared.db import create_engine
from ombuds_shared.dependencies import state_of
from ombuds_shared.errors import ServiceUnavailable
from ombuds_testing import TestDatabases, actor

from .cases_helpers import handler, opened_case
from .conftest import Stack

READS = 60


async def test_concurrent_reads_through_the_gateway_are_each_recorded(stack: Stack) -> None:
    cases = [await opened_case(stack, visitor=f"visitor-{n}") for n in range(6)]
    me = handler(stack)
    answers = await asyncio.gather(*(
        stack.gateway.get(f"/v1/cases/{cases[n % len(cases)]}", headers=me) for n in range(READS)
    ))  # fmt: skip
    assert [a.status_code for a in answers] == [200] * READS

    engine = create_engine(stack.database_urls["cases"], pool_size=1)
    try:
        async with engine.connect() as conn:
            table = AuditEvent.__table__
            per_case = dict((await conn.execute(
                select(table.c.context_id, func.count()).where(table.c.action == "case.read")
                .group_by(table.c.context_id)
            )).all())  # fmt: skip
            assert per_case == {case: READS // len(cases) for case in cases}
            assert (await verify(conn, AuditEvent, AuditHead)).intact
    finally:
        await engine.dispose()
    read_log: ReadLog = state_of(stack.apps["cases"]).session_maker.kw["info"]["read_log"]
    assert 0 < read_log.batches_written <= READS


async def test_reads_arriving_together_share_one_transaction(databases: TestDatabases) -> None:
    engine = create_engine(databases.fresh("cases", MIGRATIONS), pool_size=2)
    try:
        read_log = ReadLog(engine, AuditEvent, AuditHead)
        who = actor("ombudsman", office="geneva")
        await asyncio.gather(*(
            read_log.record(AuditEntry(who, "case.read", "case", f"case-{n % 7}"))
            for n in range(50)
        ))  # fmt: skip
        assert read_log.batches_written == 1
        async with engine.connect() as conn:
            found = await verify(conn, AuditEvent, AuditHead)
        assert found.intact
        assert found.entries == 50
        # A second wave chains on from the first.
        await asyncio.gather(*(
            read_log.record(AuditEntry(who, "case.read", "case", "case-1"))
            for _ in range(5)
        ))  # fmt: skip
        async with engine.connect() as conn:
            found = await verify(conn, AuditEvent, AuditHead)
        assert found.intact
        assert found.entries == 55
    finally:
        await engine.dispose()


async def test_a_read_that_cannot_be_recorded_fails_closed(
    databases: TestDatabases, tmp_path: Path
) -> None:
    # A database without the audit tables: every write of the log fails.
    broken = create_engine(
        databases.admin_url or f"sqlite+aiosqlite:///{tmp_path}/not-migrated.db", pool_size=1
    )
    try:
        read_log = ReadLog(broken, AuditEvent, AuditHead)
        who = actor("ombudsman", office="geneva")
        with pytest.raises(ServiceUnavailable):
            await read_log.record(AuditEntry(who, "case.read", "case", "case-1"))
        assert read_log.batches_written == 0
    finally:
        await broken.dispose()
