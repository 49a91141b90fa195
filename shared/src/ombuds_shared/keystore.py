"""The key store: where wrapped data keys live, apart from the data they protect.

Crypto-shredding only holds if destroying a data key leaves no copy of it
anywhere a forensic reader can look. A data database cannot promise that: its
WAL, free pages, dead tuples and backups keep old versions of rows. So the data
databases hold ciphertext and key ids only, and the wrapped data keys live here,
in a store whose deletion is physical:

- **Embedded default (SQLite).** One small file per service
  (`<data_dir>/<service>.keys.db`), opened with `secure_delete=ON` (a deleted
  row's bytes are overwritten with zeros, in its page and on the free list) and
  a rollback journal in DELETE mode, not a WAL (a WAL keeps every old page
  version until a checkpoint, and a journal in PERSIST or TRUNCATE mode leaves
  its bytes behind). `compact()` also VACUUMs the file.
- **Production (PostgreSQL).** A database of its own (`key_store_url`), shared by
  every replica of the service. A DELETE leaves a dead tuple until VACUUM, so
  `compact()` runs `VACUUM FULL` on the key table, which rewrites it into a new
  file; the WAL and the backups that still hold the key age out by the procedure
  in docs/operations.md (key store).

Two seams for other backends: `KeyStore` (where wrapped keys are kept: a table
here) and `crypto.Envelope` (who wraps them: the master key ring here; a KMS or
a Vault transit key in its place wraps and unwraps remotely, with the key id as
associated data, see docs/operations.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from sqlalchemy import (
    Column,
    LargeBinary,
    MetaData,
    String,
    Table,
    delete,
    event,
    inspect,
    select,
    text,
)
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from ombuds_shared.batching import Grouped
from ombuds_shared.db import UTCDateTime, is_sqlite, utcnow

__all__ = [
    "KeyStore",
    "SqlKeyStore",
    "key_ids",
]

KEY_METADATA = MetaData()
# One row per data key: the key id is the record's envelope context ("case:<id>").
DATA_KEY = Table(
    "data_key",
    KEY_METADATA,
    Column("id", String(200), primary_key=True),
    Column("wrapped", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
)
_DESTROY_BATCH = 500
# How the SQLite key store is opened. Module values so that the forensics test can show what
# a WAL or a plain delete would leave behind (tests/test_forensics.py); keep them as they are.
JOURNAL_MODE = "DELETE"
SECURE_DELETE = True


class KeyStore(Protocol):
    """Keeps wrapped data keys by key id; `delete` must leave no copy behind."""

    async def put(self, key_id: str, wrapped: bytes) -> bytes:
        """Stores the key unless one is already stored under that id; returns the stored one."""
        ...

    async def get(self, key_id: str) -> bytes | None:
        """The wrapped key, or None when there is none (never created, or destroyed)."""
        ...

    async def delete(self, key_ids: Iterable[str]) -> int:
        """Destroys these keys; returns how many there were."""
        ...

    async def compact(self) -> None:
        """Makes past deletions physical where the backend needs a pass for it."""
        ...

    async def close(self) -> None: ...


def create_key_engine(url: str, *, pool_size: int = 5) -> AsyncEngine:
    """An engine for a key store: on SQLite, deletion that overwrites and no WAL."""
    journal_mode, secure_delete = JOURNAL_MODE, SECURE_DELETE
    if is_sqlite(url):
        engine = _create_async_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _physical_deletion(dbapi_conn: DBAPIConnection, _: ConnectionPoolEntry) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute(f"PRAGMA journal_mode={journal_mode}")
            cursor.execute(f"PRAGMA secure_delete={'ON' if secure_delete else 'OFF'}")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.close()

        return engine
    return _create_async_engine(url, pool_size=pool_size, max_overflow=0, pool_timeout=10)


class SqlKeyStore:
    """A key table in SQLite or PostgreSQL, through the same SQLAlchemy statements."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._ready = False
        self._creating = asyncio.Lock()
        # New keys arriving together are stored in one statement and one commit (the intake
        # submission creates one per request).
        self._inserts: Grouped[tuple[str, bytes], None] = Grouped(self._insert_many)

    @classmethod
    def from_url(cls, url: str, **options: Any) -> SqlKeyStore:
        return cls(create_key_engine(url, **options))

    async def open(self) -> None:
        """Creates the key table if it is not there (the service does it at startup)."""
        await self._ensure_table()

    async def _ensure_table(self) -> None:
        # The store has one table and no migrations yet: it is created on first use, by
        # one task of this process; replicas starting together may race, and the loser
        # finds the table made.
        if self._ready:
            return
        async with self._creating:
            if self._ready:
                return
            try:
                await self._create_table()
            except DBAPIError:
                async with self.engine.connect() as connection:
                    made = await connection.run_sync(
                        lambda sync: inspect(sync).has_table(DATA_KEY.name)
                    )
                if not made:
                    raise
            self._ready = True

    async def _create_table(self) -> None:
        async with self.engine.begin() as connection:
            await connection.run_sync(KEY_METADATA.create_all, checkfirst=True)
            if not is_sqlite(str(self.engine.url)):
                # ANALYZE would copy sampled keys into pg_statistic (histogram bounds),
                # beyond the reach of a DELETE: collect no statistics on them at all.
                await connection.execute(
                    text("ALTER TABLE data_key ALTER COLUMN wrapped SET STATISTICS 0")
                )

    async def _insert_many(self, keys: list[tuple[str, bytes]]) -> list[None]:
        now = utcnow()
        async with self.engine.begin() as connection:
            await connection.execute(
                DATA_KEY.insert(),
                [{"id": key_id, "wrapped": wrapped, "created_at": now} for key_id, wrapped in keys],
            )
        return [None] * len(keys)

    async def put(self, key_id: str, wrapped: bytes) -> bytes:
        await self._ensure_table()
        try:
            await self._inserts((key_id, wrapped))
            return wrapped
        except IntegrityError:
            # A key of the batch (this one or another) was there already: one at a time.
            return await self._put_one(key_id, wrapped)

    async def _put_one(self, key_id: str, wrapped: bytes) -> bytes:
        try:
            async with self.engine.begin() as connection:
                await connection.execute(
                    DATA_KEY.insert().values(id=key_id, wrapped=wrapped, created_at=utcnow())
                )
            return wrapped
        except IntegrityError:
            # Another writer (a concurrent first note, a resumed move) stored it first.
            stored = await self.get(key_id)
            if stored is None:
                raise
            return stored

    async def get(self, key_id: str) -> bytes | None:
        await self._ensure_table()
        async with self.engine.connect() as connection:
            found = await connection.scalar(
                select(DATA_KEY.c.wrapped).where(DATA_KEY.c.id == key_id)
            )
        return bytes(found) if found is not None else None

    async def delete(self, key_ids: Iterable[str]) -> int:
        await self._ensure_table()
        ids = list(dict.fromkeys(key_ids))
        deleted = 0
        for start in range(0, len(ids), _DESTROY_BATCH):
            async with self.engine.begin() as connection:
                result = await connection.execute(
                    delete(DATA_KEY).where(DATA_KEY.c.id.in_(ids[start : start + _DESTROY_BATCH]))
                )
                deleted += int(result.rowcount)
        return deleted

    async def compact(self) -> None:
        if is_sqlite(str(self.engine.url)):
            return  # secure_delete overwrote the bytes at the DELETE itself
        await self._ensure_table()
        # A plain VACUUM can leave a dead tuple's bytes in the page's free space (measured
        # with pageinspect); VACUUM FULL writes the live rows to a new file.
        async with self.engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text("VACUUM FULL data_key"))

    async def close(self) -> None:
        await self.engine.dispose()


async def key_ids(store: SqlKeyStore, prefix: str = "") -> Sequence[str]:
    """The ids of the keys the store holds (tests and operators: ids only, never a key)."""
    await store._ensure_table()
    async with store.engine.connect() as connection:
        rows = await connection.scalars(
            select(DATA_KEY.c.id).where(DATA_KEY.c.id.startswith(prefix)).order_by(DATA_KEY.c.id)
        )
        return list(rows)
