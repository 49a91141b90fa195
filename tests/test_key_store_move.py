"""Upgrading from a release that kept wrapped data keys in the data database: the keys move to
the key store (resumably), the old copies leave the data database's files, and the migration
that drops the columns refuses while a key is left in one."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from intake.config import IntakeSettings
from intake.main import MIGRATIONS
from intake.rewrap import LEGACY_WRAPPED_KEYS
from ombuds_shared import keymove
from ombuds_shared.crypto import Envelope, parse_master_keys
from ombuds_shared.db import create_engine, utcnow
from ombuds_shared.keymove import move_legacy_keys
from ombuds_shared.keystore import SqlKeyStore
from ombuds_shared.migrations import move_keys_to_store, upgrade
from ombuds_testing import TestDatabases, in_thread, stored_key_ids

from .test_forensics import _postgres_pages, settle_postgres

NAMES = [f"Legacy Visitor {n} Ouedraogo" for n in range(5)]


class InterruptedStore(SqlKeyStore):
    """A real key store that goes away after a few keys (an interrupted move)."""

    def __init__(self, url: str, dies_after: int) -> None:
        super().__init__(SqlKeyStore.from_url(url, pool_size=1).engine)
        self.left = dies_after

    async def put(self, key_id: str, wrapped: bytes) -> bytes:
        if self.left == 0:
            raise ConnectionResetError("the key store went away")
        self.left -= 1
        return await super().put(key_id, wrapped)


async def _old_release_database(url: str, envelope: Envelope) -> dict[str, bytes]:
    """Visitors as release 0003 stored them: the wrapped key in the row."""
    wrapped_keys: dict[str, bytes] = {}
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.begin() as connection:
            for name in NAMES:
                visitor_id = str(uuid.uuid4())
                context = f"visitor:{visitor_id}"
                wrapped = envelope.new_wrapped_key(context)
                sealed = Envelope.seal(envelope.unwrap(wrapped, context), name, f"{context}:name")
                await connection.execute(
                    text(
                        "INSERT INTO visitor (id, ref, wrapped_key, name_sealed, created_at) "
                        "VALUES (:id, :ref, :wrapped, :sealed, :at)"
                    ),
                    {"id": visitor_id, "ref": f"vis_{visitor_id[:8]}", "wrapped": wrapped,
                     "sealed": sealed, "at": utcnow()},
                )  # fmt: skip
                wrapped_keys[visitor_id] = wrapped
    finally:
        await engine.dispose()
    return wrapped_keys


async def _data_bytes(url: str) -> list[bytes]:
    if url.startswith("sqlite"):
        database = Path(make_url(url).database or "")
        return [p.read_bytes() for p in database.parent.glob(f"{database.name}*") if p.is_file()]
    return await _postgres_pages(url)


@pytest.mark.parametrize("scrubbed", [True, False], ids=["as shipped", "without the scrub"])
async def test_keys_move_to_the_store_resumably_and_leave_the_data_database(
    databases: TestDatabases,
    master_keys: str,
    tmp_path: Path,
    scrubbed: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if not scrubbed and not databases.on_postgres:
        # Here SQLite's last connection checkpoints the WAL over the old page: the variant
        # shows nothing (a running service keeps the WAL, as the issue found).
        pytest.skip("the variant is telling on PostgreSQL (dead tuples)")
    if not scrubbed:  # what the scrub is for: clearing a column leaves the old values behind

        async def no_scrub(*_: object) -> None:
            return None

        monkeypatch.setattr(keymove, "scrub", no_scrub)
    url = databases.empty("intake")
    key_store_url = databases.empty("intake_keys") if databases.on_postgres else None
    settings = IntakeSettings(
        environment="test",
        data_dir=tmp_path,
        database_url=url,
        key_store_url=key_store_url,
        master_keys=master_keys,
    )
    in_thread(lambda: upgrade(MIGRATIONS, url, "0003"))
    envelope = Envelope(parse_master_keys(master_keys))
    old = await _old_release_database(url, envelope)

    # Skipping the move: the migration refuses to drop a column that still holds keys.
    with pytest.raises(RuntimeError, match="5 data key"):
        in_thread(lambda: upgrade(MIGRATIONS, url))

    # A move that dies after two keys, then the command run again.
    interrupted = InterruptedStore(settings.resolved_key_store_url, dies_after=2)
    try:
        with pytest.raises(ConnectionResetError):
            await move_legacy_keys(url, interrupted, LEGACY_WRAPPED_KEYS, batch_size=3)
    finally:
        await interrupted.close()
    assert len(await stored_key_ids(settings.resolved_key_store_url)) == 2
    moved = in_thread(lambda: move_keys_to_store(settings, LEGACY_WRAPPED_KEYS))
    assert moved == 5
    assert in_thread(lambda: move_keys_to_store(settings, LEGACY_WRAPPED_KEYS)) == 0

    in_thread(lambda: upgrade(MIGRATIONS, url))
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            columns = await connection.run_sync(
                lambda sync: [c["name"] for c in __import__("sqlalchemy").inspect(sync)
                              .get_columns("visitor")]
            )  # fmt: skip
            rows = (await connection.execute(text("SELECT id, name_sealed FROM visitor"))).all()
    finally:
        await engine.dispose()
    assert "wrapped_key" not in columns
    # Every identity opens with its key, now from the store.
    store = SqlKeyStore.from_url(settings.resolved_key_store_url, pool_size=1)
    try:
        reader = Envelope(parse_master_keys(master_keys), store=store)
        opened = {
            Envelope.open(await reader.data_key(f"visitor:{i}"), bytes(s), f"visitor:{i}:name")
            for i, s in rows
        }
    finally:
        await store.close()
    assert opened == set(NAMES)
    # No copy of a wrapped key is left in the data database's files (or pages).
    if scrubbed and databases.on_postgres:  # the operator's check (docs/operations.md)
        for table in ("visitor", "pg_statistic"):
            await settle_postgres(url, table)
    written = await _data_bytes(url)
    left = sum(any(wrapped in blob for blob in written) for wrapped in old.values())
    assert left == (0 if scrubbed else 5)
