"""Alembic, the same way in every service: one async env and a programmatic upgrade."""

from __future__ import annotations

import argparse
import asyncio
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

from alembic import command, context
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.types import TypeDecorator

from ombuds_shared.config import ConfidentialSettings, ServiceSettings
from ombuds_shared.db import DATABASE_DOWN, create_engine, is_sqlite
from ombuds_shared.keymove import LegacyKeyColumn, move_legacy_keys
from ombuds_shared.keystore import SqlKeyStore

__all__ = [
    "migrate_main",
    "move_keys_to_store",
    "run_env",
    "upgrade",
]


def alembic_config(script_location: Path, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    # configparser treats % as interpolation; URLs may carry %-escapes.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    return config


def upgrade(script_location: Path, url: str, revision: str = "head") -> None:
    """Runs a service's pending migrations (blocking; call outside an event loop)."""
    command.upgrade(alembic_config(script_location, url), revision)


async def upgrade_async(script_location: Path, url: str, revision: str = "head") -> None:
    await asyncio.to_thread(upgrade, script_location, url, revision)


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Renders the project's column types as plain SQLAlchemy types, so migrations stay frozen."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        autogen_context.imports.add("import sqlalchemy as sa")
        return f"sa.{obj.impl!r}"
    return False


def run_env(target_metadata: MetaData) -> None:
    """The body of every service's migrations/env.py."""
    url = context.config.get_main_option("sqlalchemy.url")
    assert url is not None, "sqlalchemy.url must be set"
    batch = is_sqlite(url)  # SQLite alters tables by copying them
    if context.is_offline_mode():
        context.configure(
            url=url,
            target_metadata=target_metadata,
            literal_binds=True,
            render_as_batch=batch,
        )
        with context.begin_transaction():
            context.run_migrations()
        return

    def run(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=batch,
            compare_type=True,
            render_item=_render_item,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def run_async() -> None:
        engine = create_engine(url, pool_size=1)
        try:
            async with engine.connect() as connection:
                await connection.run_sync(run)
                await connection.commit()
        finally:
            await engine.dispose()

    asyncio.run(run_async())


# Connection failures a migration run reports in one line instead of a traceback.
_UNREACHABLE: tuple[type[BaseException], ...] = (*DATABASE_DOWN, OSError)


async def _current_revisions(url: str) -> set[str]:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda sync: set(MigrationContext.configure(sync).get_current_heads())
            )
    finally:
        await engine.dispose()


def pending(script_location: Path, url: str) -> bool:
    """Whether the database is behind the service's migration head."""
    heads = set(ScriptDirectory.from_config(alembic_config(script_location, url)).get_heads())
    return asyncio.run(_current_revisions(url)) != heads


def _upgrade_file_locked(script_location: Path, url: str) -> None:
    """Upgrades an SQLite database while holding a lock file beside it."""
    import fcntl  # POSIX only, and only needed here

    database = make_url(url).database
    if not database or database == ":memory:":
        upgrade(script_location, url)
        return
    with open(f"{database}.migrate-lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        upgrade(script_location, url)


async def _upgrade_locked(script_location: Path, url: str, lock_name: str) -> None:
    """Upgrades while holding a lock, so that concurrent runs take turns."""
    if is_sqlite(url):
        await asyncio.to_thread(_upgrade_file_locked, script_location, url)
        return
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            # Session-level lock on a connection of its own; closing it releases the lock.
            await conn.execute(
                text("SELECT pg_advisory_lock(:key)"), {"key": zlib.crc32(lock_name.encode())}
            )
            await upgrade_async(script_location, url)
    finally:
        await engine.dispose()


def move_keys_to_store(
    settings: ServiceSettings,
    legacy_keys: Sequence[LegacyKeyColumn],
    report: Callable[[str], None] | None = None,
) -> int:
    """Moves the data keys an earlier release left in the data database into the key store
    (before the migration that drops their columns; resumable, see ombuds_shared.keymove)."""
    if not legacy_keys or not isinstance(settings, ConfidentialSettings):
        return 0

    async def move() -> int:
        store = SqlKeyStore.from_url(settings.resolved_key_store_url, pool_size=1)
        try:
            return await move_legacy_keys(
                settings.resolved_database_url, store, legacy_keys, report=report
            )
        finally:
            await store.close()

    return asyncio.run(move())


def migrate_main(
    settings: ServiceSettings,
    script_location: Path,
    argv: Sequence[str] | None = None,
    legacy_keys: Sequence[LegacyKeyColumn] = (),
) -> int:
    """`python -m <service>.migrate [--check]`: upgrade the database, or report if it is behind.

    A migration job runs it once per release; `--check` lets a pod wait (exit 1)
    until its database is at the revision the code expects.
    """
    parser = argparse.ArgumentParser(
        prog=f"python -m {settings.service_name}.migrate", description=migrate_main.__doc__
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if migrations are pending")
    args = parser.parse_args(argv)
    url = settings.resolved_database_url
    shown = make_url(url).render_as_string(hide_password=True)
    try:
        if args.check:
            behind = pending(script_location, url)
            print(f"{settings.service_name}: {'behind' if behind else 'at'} head ({shown})")
            return 1 if behind else 0
        print(f"{settings.service_name}: migrating {shown}", flush=True)
        move_keys_to_store(settings, legacy_keys, report=lambda line: print(line, flush=True))
        lock = f"ombuds-migrate-{settings.service_name}"
        asyncio.run(_upgrade_locked(script_location, url, lock))
    except _UNREACHABLE as exc:
        # The error's text can quote the URL; its type is enough for an operator to act.
        print(f"{settings.service_name}: database unreachable ({type(exc).__name__})")
        return 2
    print(f"{settings.service_name}: at head", flush=True)
    return 0
