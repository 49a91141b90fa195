"""Moving the data keys that earlier releases kept in the data database into the key store.

Before the key store, a record's wrapped data key sat in a column of its own
row (`visitor.wrapped_key`, ...), where the database's WAL, free pages and dead
tuples kept copies of it after destruction. `ombuds migrate` (and each
service's `python -m <service>.migrate`) runs this move before the migration
that drops those columns:

- **Resumable and idempotent.** Rows are visited in key order, a batch at a
  time: each key is stored first (a key already there is kept), then the
  column is cleared if it still holds that key (compare and set). An
  interrupted run leaves keys in both places, never in neither; the next run
  finishes. A column that is gone (already migrated) or never existed is skipped.
- **Scrubbed.** When something moved, the data database is rewritten so that
  the old values leave its files too: SQLite `VACUUM` and a truncating WAL
  checkpoint; PostgreSQL `VACUUM (FULL, ANALYZE)` of the table and `VACUUM
  FULL pg_statistic`, whose sampled values held keys too (its WAL and backups
  age out by the procedure in docs/operations.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import LargeBinary, String, column, inspect, select, table, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from ombuds_shared.db import create_engine, is_sqlite
from ombuds_shared.keystore import KeyStore

__all__ = [
    "LegacyKeyColumn",
]

Report = Callable[[str], None]
BATCH_SIZE = 200


@dataclass(frozen=True)
class LegacyKeyColumn:
    """A data-database column where an earlier release kept wrapped data keys."""

    table: str
    column: str
    context: Callable[[str], str]  # the row's id -> its key id (the envelope context)


async def _has_column(engine: AsyncEngine, legacy: LegacyKeyColumn) -> bool:
    def probe(sync_connection: object) -> bool:
        inspector = inspect(sync_connection)
        if not inspector.has_table(legacy.table):
            return False
        return any(c["name"] == legacy.column for c in inspector.get_columns(legacy.table))

    async with engine.connect() as connection:
        return await connection.run_sync(probe)


async def _move_column(
    engine: AsyncEngine, store: KeyStore, legacy: LegacyKeyColumn, batch_size: int
) -> int:
    rows_of = table(legacy.table, column("id", String), column(legacy.column, LargeBinary))
    wrapped_col = rows_of.c[legacy.column]
    moved = 0
    after: str | None = None
    while True:  # ends: `after` moves forward through the ids each batch
        query = (
            select(rows_of.c.id, wrapped_col)
            .where(wrapped_col.is_not(None))
            .order_by(rows_of.c.id)
            .limit(batch_size)
        )
        if after is not None:
            query = query.where(rows_of.c.id > after)
        async with engine.connect() as connection:
            rows = [(str(i), bytes(w)) for i, w in (await connection.execute(query)).all()]
        if not rows:
            return moved
        after = rows[-1][0]
        for row_id, wrapped in rows:
            await store.put(legacy.context(row_id), wrapped)
        async with engine.begin() as connection:
            for row_id, wrapped in rows:
                result = await connection.execute(
                    update(rows_of)
                    .where(rows_of.c.id == row_id, wrapped_col == wrapped)
                    .values({legacy.column: None})
                )
                moved += int(result.rowcount)


async def scrub(engine: AsyncEngine, tables: Sequence[str]) -> None:
    """Rewrites the database (or the tables) so that cleared values leave its files."""
    async with engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        if is_sqlite(str(engine.url)):
            await autocommit.execute(text("VACUUM"))
            await autocommit.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        else:
            for name in tables:
                # ANALYZE too: the statistics sampled the old values (pg_statistic).
                await autocommit.execute(text(f'VACUUM (FULL, ANALYZE) "{name}"'))
            # The replaced statistics are dead tuples of pg_statistic until it is rewritten
            # (PostgreSQL skips it with a warning for a role that may not: then see
            # docs/operations.md, key store, upgrading).
            await autocommit.execute(text("VACUUM FULL pg_statistic"))


async def move_legacy_keys(
    database_url: str,
    store: KeyStore,
    columns: Sequence[LegacyKeyColumn],
    *,
    batch_size: int = BATCH_SIZE,
    report: Report | None = None,
) -> int:
    """Moves every wrapped key left in the data database into the store; returns how many."""
    engine = create_engine(database_url, pool_size=1)
    try:
        moved_tables: list[str] = []
        total = 0
        for legacy in columns:
            if not await _has_column(engine, legacy):
                continue
            moved = await _move_column(engine, store, legacy, batch_size)
            if moved:
                moved_tables.append(legacy.table)
                total += moved
                if report is not None:
                    report(f"  {legacy.table}.{legacy.column}: {moved} data key(s) moved")
        if moved_tables:
            await scrub(engine, moved_tables)
        return total
    finally:
        await engine.dispose()
