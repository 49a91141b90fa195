"""The append-only, hash-chained audit log: who read or changed which record, never content.

A service declares two tables with the mixins below: `audit_event` (the
entries) and `audit_head` (one row per chain: its last sequence number and
hash). Each entry's hash covers its own fields and the hash of the entry
before it in the same chain, so editing, deleting or reordering any entry
breaks the chain, and the head row catches a deleted tail.

Concurrency: `append()` first updates the chain's head row, which locks that
row (PostgreSQL) or takes the write lock (SQLite) until the transaction ends,
so two appends to one chain never interleave. One chain for every read would
serialise all readers on one lock; instead the log is split into a fixed
number of chains (AUDIT_CHAINS), and a record always lands in the same chain
(chosen by a hash of its key), so the entries about one case stay in order
while reads of different cases rarely wait for each other. The wait is
bounded by one short transaction per chain.

An entry is written in the same transaction as the change it records, so no
change goes unrecorded; a read is recorded before its content is returned.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    BigInteger,
    Integer,
    String,
    UniqueConstraint,
    bindparam,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from ombuds_shared.db import UTCDateTime, utcnow
from ombuds_shared.errors import ServiceUnavailable
from ombuds_shared.tokens import Actor

AUDIT_CHAINS = 16
GENESIS_HASH = "0" * 64


class AuditColumns:
    """Columns of a service's `audit_event` table (mix into a declarative class)."""

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    chain: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    subject: Mapped[str] = mapped_column(String(200))
    roles: Mapped[str] = mapped_column(String(200))
    peer: Mapped[str | None] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(60))
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str] = mapped_column(String(64), index=True)
    # The aggregate the record belongs to (e.g. its case), so a reader finds all about it.
    context_id: Mapped[str] = mapped_column(String(64), index=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        return (UniqueConstraint("chain", "seq"),)


class AuditHeadColumns:
    """Columns of a service's `audit_head` table: where each chain ends."""

    chain: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    hash: Mapped[str] = mapped_column(String(64))


def head_rows(chains: int = AUDIT_CHAINS) -> list[dict[str, Any]]:
    """Seed rows of the `audit_head` table, for the migration that creates it."""
    return [{"chain": chain, "seq": 0, "hash": GENESIS_HASH} for chain in range(chains)]


def chain_of(key: str, chains: int = AUDIT_CHAINS) -> int:
    """The chain a record's entries go to: stable, so one record's entries stay in order."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big") % chains


def entry_hash(entry: dict[str, Any], prev_hash: str) -> str:
    """The hash of one entry, chained to the previous one."""
    canonical = {
        "chain": entry["chain"],
        "seq": entry["seq"],
        "occurred_at": entry["occurred_at"].astimezone(dt.UTC).isoformat(),
        "subject": entry["subject"],
        "roles": entry["roles"],
        "peer": entry["peer"],
        "action": entry["action"],
        "record_type": entry["record_type"],
        "record_id": entry["record_id"],
        "context_id": entry["context_id"],
        "prev_hash": prev_hash,
    }
    document = json.dumps(canonical, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(document.encode()).hexdigest()


def _entry(
    *,
    actor: Actor | None,
    action: str,
    record_type: str,
    record_id: str,
    context_id: str | None,
    peer: str | None,
) -> dict[str, Any]:
    """An entry's own fields, before it is placed in its chain."""
    context_id = context_id or record_id
    return {
        "chain": chain_of(context_id),
        "occurred_at": utcnow(),
        "subject": actor.subject if actor else f"service:{peer}",
        "roles": ",".join(sorted(actor.roles)) if actor else "",
        "peer": peer,
        "action": action,
        "record_type": record_type,
        "record_id": record_id,
        "context_id": context_id,
    }


async def append(
    session: AsyncSession,
    event_model: type[AuditColumns],
    head_model: type[AuditHeadColumns],
    *,
    actor: Actor | None,
    action: str,
    record_type: str,
    record_id: str,
    context_id: str | None = None,
    peer: str | None = None,
) -> None:
    """Adds an entry to the session's transaction (the caller commits).

    `context_id` names the aggregate the record belongs to (e.g. the case id
    for everything about a case): its entries share one chain, so they stay in
    order. It defaults to the record id.
    """
    entry = _entry(
        actor=actor,
        action=action,
        record_type=record_type,
        record_id=record_id,
        context_id=context_id,
        peer=peer,
    )
    head = head_model.__table__  # type: ignore[attr-defined]
    # Moving the head first locks its row until commit: no other append to this chain
    # can read the same head meanwhile (RETURNING works on PostgreSQL and SQLite >= 3.35).
    seq, prev_hash = (
        await session.execute(
            update(head)
            .where(head.c.chain == entry["chain"])
            .values(seq=head.c.seq + 1)
            .returning(head.c.seq, head.c.hash)
        )
    ).one()
    entry["seq"] = seq
    digest = entry_hash(entry, prev_hash)
    table = event_model.__table__  # type: ignore[attr-defined]
    await session.execute(table.insert().values(**entry, prev_hash=prev_hash, hash=digest))
    await session.execute(update(head).where(head.c.chain == entry["chain"]).values(hash=digest))


async def append_many(
    session: AsyncSession,
    event_model: type[AuditColumns],
    head_model: type[AuditHeadColumns],
    entries: Sequence[dict[str, Any]],
) -> None:
    """Adds several entries (from `_entry`) to the session's transaction, in their order.

    Four statements whatever the number of entries, each of a shape SQLAlchemy
    compiles once: lock the chains' heads, read them, insert the entries, move
    the heads on. PostgreSQL locks the heads in chain order (so two writers
    never wait on each other in a cycle); on SQLite a no-op update takes the
    database's write lock before anything is read, like `append`.
    """
    head = head_model.__table__  # type: ignore[attr-defined]
    table = event_model.__table__  # type: ignore[attr-defined]
    chains = sorted({entry["chain"] for entry in entries})
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        lock = select(head.c.chain).where(head.c.chain.in_(chains)).order_by(head.c.chain)
        await session.execute(lock.with_for_update())
    else:
        await session.execute(update(head).where(head.c.chain.in_(chains)).values(seq=head.c.seq))
    read = select(head.c.chain, head.c.seq, head.c.hash).where(head.c.chain.in_(chains))
    ends: dict[int, tuple[int, str]] = {
        chain: (seq, digest) for chain, seq, digest in await session.execute(read)
    }
    rows: list[dict[str, Any]] = []
    for entry in entries:
        last_seq, prev_hash = ends[entry["chain"]]
        placed = {**entry, "seq": last_seq + 1}
        digest = entry_hash(placed, prev_hash)
        rows.append({**placed, "prev_hash": prev_hash, "hash": digest})
        ends[entry["chain"]] = (last_seq + 1, digest)
    await session.execute(table.insert(), rows)
    await session.execute(
        update(head)
        .where(head.c.chain == bindparam("at_chain"))
        .values(seq=bindparam("to_seq"), hash=bindparam("to_hash")),
        [
            {"at_chain": chain, "to_seq": seq, "to_hash": digest}
            for chain, (seq, digest) in ends.items()
        ],
    )


class ReadLog:
    """Records reads in the audit log with group commit.

    A read is recorded before its content is returned, but one transaction per
    read costs several round trips and a lock on its chain's head. Reads that
    arrive while a batch is being written wait for the next batch: one
    transaction records them all, and each reader goes on only once its entry
    is committed. The log stays complete and in order; its cost per read falls
    as the load rises. If the batch cannot be written, every reader in it fails.
    """

    def __init__(
        self,
        session_maker: async_sessionmaker[AsyncSession],
        event_model: type[AuditColumns],
        head_model: type[AuditHeadColumns],
        *,
        max_batch: int = 500,
    ) -> None:
        self._session_maker = session_maker
        self._event_model = event_model
        self._head_model = head_model
        self._max_batch = max_batch
        self._waiting: list[tuple[dict[str, Any], asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None
        self.batches_written = 0  # how well reads are grouped: compare with the entries

    async def record(
        self,
        *,
        actor: Actor | None,
        action: str,
        record_type: str,
        record_id: str,
        context_id: str | None = None,
        peer: str | None = None,
    ) -> None:
        """Returns once the entry is committed; raises if it could not be."""
        entry = _entry(
            actor=actor,
            action=action,
            record_type=record_type,
            record_id=record_id,
            context_id=context_id,
            peer=peer,
        )
        committed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((entry, committed))
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_while_waiting())
        try:
            # Shielded: a reader who gives up does not cancel the batch others wait for.
            await asyncio.shield(committed)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            raise ServiceUnavailable(
                "The read could not be recorded in the audit log, so nothing is returned."
            ) from exc

    async def _write_while_waiting(self) -> None:
        try:
            for _ in range(1_000_000):  # bounded; ends as soon as nobody waits
                if not self._waiting:
                    return
                batch = self._waiting[: self._max_batch]
                del self._waiting[: self._max_batch]
                try:
                    async with self._session_maker() as session:
                        await append_many(
                            session, self._event_model, self._head_model, [e for e, _ in batch]
                        )
                        await session.commit()
                except Exception as exc:  # every waiter in the batch learns of the failure
                    for _, committed in batch:
                        if not committed.done():
                            committed.set_exception(exc)
                    continue
                self.batches_written += 1
                for _, committed in batch:
                    if not committed.done():
                        committed.set_result(None)
        finally:
            self._writer = None


@dataclass
class Verification:
    """What `verify()` found: the number of entries checked and every break in the chains."""

    entries: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


async def verify(
    connection: AsyncConnection,
    event_model: type[AuditColumns],
    head_model: type[AuditHeadColumns],
) -> Verification:
    """Walks every chain and reports edited, deleted, inserted or reordered entries."""
    table = event_model.__table__  # type: ignore[attr-defined]
    head = head_model.__table__  # type: ignore[attr-defined]
    heads = {row.chain: (row.seq, row.hash) for row in await connection.execute(select(head))}
    result = Verification()
    chains: dict[int, list[Any]] = {}
    rows = await connection.execute(select(table).order_by(table.c.chain, table.c.seq))
    for row in rows:
        chains.setdefault(row.chain, []).append(row)
    for chain in sorted(set(heads) | set(chains)):
        result.entries += len(chains.get(chain, []))
        result.problems += _check_chain(chain, chains.get(chain, []), heads.get(chain))
    return result


def _check_chain(chain: int, rows: Sequence[Any], head: tuple[int, str] | None) -> Iterable[str]:
    if head is None:
        yield f"chain {chain}: entries exist but its head row is missing"
        return
    prev_hash = GENESIS_HASH
    for expected_seq, row in enumerate(rows, start=1):
        if row.seq != expected_seq:
            yield f"chain {chain}: entry {expected_seq} is missing (found {row.seq}: deleted?)"
            return
        if row.prev_hash != prev_hash:
            yield f"chain {chain}: entry {row.seq} does not follow the one before it"
            return
        if entry_hash(row._mapping, prev_hash) != row.hash:
            yield f"chain {chain}: entry {row.seq} (id {row.id}) was altered"
            return
        prev_hash = row.hash
    # The head says where the chain ends: entries cut from its end are missing too.
    if head != (len(rows), prev_hash):
        yield (
            f"chain {chain}: ends at entry {len(rows)} but its head says {head[0]} "
            "(entries deleted from its end, or the head was changed)"
        )
    head_seq, head_hash = head
    if head_seq != len(rows) or head_hash != prev_hash:
        yield f"chain {chain}: ends at entry {len(rows)} but its head says {head_seq} (deleted?)"
