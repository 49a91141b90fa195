"""Re-wrapping stored data keys under the newest master key, so that an old one can be retired.

Each confidential record has its own data key, wrapped by a master key of
the service's ring (`crypto.Envelope`) and kept in the service's key store
(`ombuds_shared.keystore`, not the data database). After a new master key has been
appended to the ring (it now wraps new keys), this module re-wraps every
stored data key under it; the data keys themselves, and so every ciphertext,
stay as they are. Once no data key is wrapped by the old master key, the old
key can leave the ring, and every backup taken before the re-wrap becomes
unreadable for confidential content.

- **Batches, resumable, idempotent.** Rows are visited in primary-key order,
  a batch per transaction. A data key already wrapped by the active master
  key is not touched, so a second run, or a run after an interruption, only
  does what is left.
- **Safe beside live traffic.** A row is updated only if its wrapped key is
  still the one that was read (compare and set). A record destroyed
  (crypto-shredded) in between keeps its NULL: a re-wrap never brings a
  destroyed key back. Services keep reading throughout, because every
  replica already holds both master keys (docs/operations.md, key rotation).
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidTag
from sqlalchemy import Column, LargeBinary, func, literal, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ombuds_shared.app import load_envelope
from ombuds_shared.config import ConfidentialSettings, ServiceSettings
from ombuds_shared.crypto import KEY_ID_BYTES, Envelope, KeyDestroyed, key_id_field
from ombuds_shared.db import DATABASE_DOWN
from ombuds_shared.errors import ServiceUnavailable
from ombuds_shared.keystore import KEY_METADATA, create_key_engine

__all__ = [
    "STORED_KEYS",
    "add_arguments",
    "rewrap_main",
    "run",
]

Report = Callable[[str], None]

DEFAULT_BATCH_SIZE = 200
MAX_BATCH_SIZE = 10_000
_UNREACHABLE: tuple[type[BaseException], ...] = (*DATABASE_DOWN, OSError)


def say(message: str) -> None:
    """Progress goes out line by line, also when the output is a pipe (a Job's log)."""
    print(message, flush=True)


@dataclass(frozen=True)
class WrappedKeyColumn:
    """A column of wrapped data keys, and the envelope context a row's key is wrapped under."""

    column: Column[Any]
    context: Callable[[str], str]  # the row's primary key -> its envelope context

    @property
    def label(self) -> str:
        return f"{self.column.table.name}.{self.column.name}"

    @property
    def row_id(self) -> Column[Any]:
        (primary_key,) = self.column.table.primary_key.columns
        return primary_key


# The one column of wrapped data keys: the key store's (the key id is the envelope context).
STORED_KEYS = WrappedKeyColumn(KEY_METADATA.tables["data_key"].c.wrapped, lambda key_id: key_id)


def _wrapped_by(target: WrappedKeyColumn) -> Any:
    """The SQL expression of a row's master key id field (as stored, zero-padded)."""
    return func.substr(target.column, 2, KEY_ID_BYTES, type_=LargeBinary)


def _not_wrapped_by(target: WrappedKeyColumn, key_id: str) -> Any:
    return target.column.is_not(None) & (
        _wrapped_by(target) != literal(key_id_field(key_id), LargeBinary)
    )


async def census(connection: AsyncConnection, target: WrappedKeyColumn) -> Counter[str]:
    """How many stored data keys each master key wraps (rows without a key are not counted)."""
    header = _wrapped_by(target).label("header")
    rows = await connection.execute(
        select(header, func.count()).where(target.column.is_not(None)).group_by(header)
    )
    return Counter(
        {bytes(h).rstrip(b"\x00").decode(errors="replace"): int(n) for h, n in rows.all()}
    )


async def pending_batch(
    connection: AsyncConnection,
    target: WrappedKeyColumn,
    active_key_id: str,
    *,
    after: str | None,
    limit: int,
) -> list[tuple[str, bytes]]:
    """The next rows (id, wrapped key) whose data key another master key wraps."""
    query = (
        select(target.row_id, target.column)
        .where(_not_wrapped_by(target, active_key_id))
        .order_by(target.row_id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(target.row_id > after)
    return [(str(row_id), bytes(wrapped)) for row_id, wrapped in await connection.execute(query)]


@dataclass(frozen=True)
class Rewrapped:
    row_id: str
    old: bytes
    new: bytes


@dataclass
class ColumnOutcome:
    """What a pass over one column did."""

    label: str
    rewrapped: int = 0
    # Destroyed or re-wrapped by someone else between our read and our write: left alone.
    changed_meanwhile: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # row id -> why


def rewrap_rows(
    envelope: Envelope, target: WrappedKeyColumn, rows: Iterable[tuple[str, bytes]]
) -> tuple[list[Rewrapped], dict[str, str]]:
    """The rows' data keys wrapped by the active master key; and the rows that could not be."""
    done: list[Rewrapped] = []
    failed: dict[str, str] = {}
    for row_id, wrapped in rows:
        try:
            done.append(
                Rewrapped(row_id, wrapped, envelope.rewrap(wrapped, target.context(row_id)))
            )
        except ServiceUnavailable:
            failed[row_id] = f"master key {Envelope.wrapped_by(wrapped)!r} is not in the ring"
        except (InvalidTag, KeyDestroyed, ValueError):
            failed[row_id] = "the data key does not unwrap (damaged, or stored under another id)"
    return done, failed


async def apply(
    connection: AsyncConnection, target: WrappedKeyColumn, rewrapped: Sequence[Rewrapped]
) -> tuple[int, int]:
    """Writes each new wrapping if the row still holds the old one; returns (written, skipped)."""
    written = 0
    for row in rewrapped:
        result = await connection.execute(
            update(target.column.table)
            .where(target.row_id == row.row_id, target.column == row.old)
            .values({target.column: row.new})
        )
        written += result.rowcount
    return written, len(rewrapped) - written


async def rewrap_column(
    engine: AsyncEngine,
    target: WrappedKeyColumn,
    envelope: Envelope,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    report: Report = say,
) -> ColumnOutcome:
    """Re-wraps every data key of one column under the active master key, batch by batch."""
    outcome = ColumnOutcome(target.label)
    active = envelope.active_key_id
    async with engine.connect() as connection:
        todo = await connection.scalar(select(func.count()).where(_not_wrapped_by(target, active)))
    report(f"  {target.label}: {todo} data key(s) to re-wrap under {active}")
    after: str | None = None
    while True:
        async with engine.connect() as connection:
            rows = await pending_batch(connection, target, active, after=after, limit=batch_size)
        if not rows:
            break
        after = rows[-1][0]
        rewrapped, failed = rewrap_rows(envelope, target, rows)
        # One short transaction per batch: progress survives an interruption.
        async with engine.begin() as connection:
            written, skipped = await apply(connection, target, rewrapped)
        outcome.rewrapped += written
        outcome.changed_meanwhile += skipped
        outcome.failed.update(failed)
        seen = outcome.rewrapped + outcome.changed_meanwhile + len(outcome.failed)
        report(f"  {target.label}: {seen} of {todo} done ({outcome.rewrapped} re-wrapped)")
    return outcome


async def rewrap_service(
    settings: ServiceSettings,
    columns: Sequence[WrappedKeyColumn],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    status_only: bool = False,
    report: Report = say,
) -> bool:
    """Re-wraps (or, with `status_only`, counts) a service's data keys; returns True when no
    stored data key is wrapped by any master key but the active one."""
    name = settings.service_name
    envelope = load_envelope(settings, create=False)
    if envelope is None:
        raise LookupError(f"{name}: no master key ring is configured")
    active = envelope.active_key_id
    if not isinstance(settings, ConfidentialSettings):
        raise LookupError(f"{name}: keeps no data keys")
    # The wrapped keys are in the key store, opened as the service opens it (no WAL).
    url = settings.resolved_key_store_url
    shown = make_url(url).render_as_string(hide_password=True)
    report(f"{name}: key store {shown}; ring {', '.join(envelope.master_keys)} ({active} wraps)")
    engine = create_key_engine(url, pool_size=1)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(KEY_METADATA.create_all, checkfirst=True)
        outcomes = []
        if not status_only:
            for target in columns:
                outcomes.append(
                    await rewrap_column(
                        engine, target, envelope, batch_size=batch_size, report=report
                    )
                )
        counts: Counter[str] = Counter()
        async with engine.connect() as connection:
            for target in columns:
                counts += await census(connection, target)
    finally:
        await engine.dispose()
    for outcome in outcomes:
        report(
            f"  {outcome.label}: {outcome.rewrapped} re-wrapped, {outcome.changed_meanwhile} "
            f"changed meanwhile (destroyed or re-wrapped elsewhere), {len(outcome.failed)} failed"
        )
        for row_id, reason in sorted(outcome.failed.items()):
            report(f"    {row_id}: {reason}")
    held = ", ".join(f"{key} {n}" for key, n in sorted(counts.items())) or "none"
    report(f"  data keys by master key: {held}")
    complete = True
    for key_id in dict.fromkeys([*envelope.master_keys, *counts]):
        if key_id == active:
            continue
        if counts[key_id]:
            complete = False
            report(f"  {key_id} still wraps {counts[key_id]} data key(s): keep it in the ring")
        else:
            report(f"  {key_id} wraps nothing any more: it can leave the ring of {name}")
    return complete and not any(outcome.failed for outcome in outcomes)


def rewrap_main(
    settings: ServiceSettings,
    columns: Sequence[WrappedKeyColumn],
    argv: Sequence[str] | None = None,
) -> int:
    """`python -m <service>.rewrap [--status] [--batch-size N]`: re-wraps the service's stored
    data keys under the newest master key of its ring (exit 0 when none is left under an
    older key, 1 when some are, 2 when the database or the ring is missing)."""
    parser = argparse.ArgumentParser(
        prog=f"python -m {settings.service_name}.rewrap", description=rewrap_main.__doc__
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    return run(settings, columns, status_only=args.status, batch_size=args.batch_size)


def _batch_size(value: str) -> int:
    size = int(value)
    if not 1 <= size <= MAX_BATCH_SIZE:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_BATCH_SIZE}")
    return size


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of a re-wrap run, for this module's command and the `ombuds` CLI."""
    parser.add_argument(
        "--status", action="store_true", help="only count the data keys per master key"
    )
    parser.add_argument(
        "--batch-size",
        type=_batch_size,
        default=DEFAULT_BATCH_SIZE,
        help=f"rows per transaction (default {DEFAULT_BATCH_SIZE})",
    )


def run(
    settings: ServiceSettings,
    columns: Sequence[WrappedKeyColumn],
    *,
    status_only: bool,
    batch_size: int,
    report: Report = say,
) -> int:
    """Runs `rewrap_service` and turns its outcome into an exit code."""
    name = settings.service_name
    try:
        complete = asyncio.run(
            rewrap_service(
                settings, columns, batch_size=batch_size, status_only=status_only, report=report
            )
        )
    except LookupError as exc:
        report(str(exc))
        return 2
    except _UNREACHABLE as exc:
        # The error's text can quote the URL; its type is enough for an operator to act.
        report(f"{name}: database unreachable or not migrated ({type(exc).__name__})")
        return 2
    return 0 if complete else 1
