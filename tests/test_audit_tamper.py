"""1,000 random edits, deletions and reorderings of audit entries: every one is detected,
in each service that keeps a log (intake, cases, mediation)."""

from __future__ import annotations

import datetime as dt
import importlib
import random

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ombuds.audit import AUDITED
from ombuds_shared.audit import AuditColumns, AuditEntry, append, verify
from ombuds_shared.db import create_engine, create_session_maker
from ombuds_testing import TestDatabases, actor

ENTRIES = 240
TAMPERINGS = 1_000
EDITABLE = ("subject", "roles", "peer", "action", "record_type", "record_id", "context_id",
            "occurred_at", "prev_hash", "hash")  # fmt: skip


async def _tamper(conn: AsyncConnection, rng: random.Random, event: type[AuditColumns]) -> str:
    table = event.__table__  # type: ignore[attr-defined]
    rows = (await conn.execute(select(table.c.id, table.c.chain, table.c.seq))).all()
    kind = rng.choice(["edit", "delete", "reorder", "cut"])
    row = rng.choice(rows)
    if kind == "edit":
        column = rng.choice(EDITABLE)
        current = (await conn.execute(select(table.c[column]).where(table.c.id == row.id))).scalar()
        if column == "occurred_at":
            value: object = current + dt.timedelta(seconds=rng.randint(1, 10_000))
        elif current is None:
            value = "someone"
        else:
            value = str(current)[:-1] + ("x" if not str(current).endswith("x") else "y")
        await conn.execute(update(table).where(table.c.id == row.id).values({column: value}))
    elif kind == "delete":
        await conn.execute(delete(table).where(table.c.id == row.id))
    elif kind == "cut":
        last = (
            await conn.execute(select(func.max(table.c.seq)).where(table.c.chain == row.chain))
        ).scalar()
        await conn.execute(delete(table).where(table.c.chain == row.chain, table.c.seq == last))
    else:
        others = [r for r in rows if r.chain == row.chain and r.id != row.id]
        if not others:
            await conn.execute(delete(table).where(table.c.id == row.id))
            return "delete"
        other = rng.choice(others)
        await conn.execute(update(table).where(table.c.id == row.id).values(seq=-1))
        await conn.execute(update(table).where(table.c.id == other.id).values(seq=row.seq))
        await conn.execute(update(table).where(table.c.id == row.id).values(seq=other.seq))
    return kind


@pytest.mark.parametrize("service", list(AUDITED))
async def test_every_random_tampering_is_detected(databases: TestDatabases, service: str) -> None:
    url = databases.fresh(service, importlib.import_module(f"{service}.main").MIGRATIONS)
    AuditEvent, AuditHead = AUDITED[service].event_model, AUDITED[service].head_model
    engine = create_engine(url, pool_size=2)
    try:
        sessions = create_session_maker(engine)
        who = actor("ombudsman", office="geneva")
        async with sessions() as session:
            for n in range(ENTRIES):
                entry = AuditEntry(who, "case.read", "case", f"case-{n % 37}")
                await append(session, AuditEvent, AuditHead, entry)
            await session.commit()
        async with engine.connect() as conn:
            assert (await verify(conn, AuditEvent, AuditHead)).intact
        rng = random.Random(2026)
        kinds: dict[str, int] = {}
        async with engine.connect() as conn:
            for _ in range(TAMPERINGS):
                transaction = await conn.begin()
                kind = await _tamper(conn, rng, AuditEvent)
                found = await verify(conn, AuditEvent, AuditHead)
                await transaction.rollback()  # the next tampering starts from the true log
                assert not found.intact, f"a {kind} went unnoticed"
                kinds[kind] = kinds.get(kind, 0) + 1
        assert set(kinds) == {"edit", "delete", "reorder", "cut"}
        async with engine.connect() as conn:
            assert (await verify(conn, AuditEvent, AuditHead)).intact
    finally:
        await engine.dispose()
