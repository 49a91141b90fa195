"""The append-only, hash-chained audit log: who read or changed which record, never content.

A service declares two tables with the mixins below: `audit_event` (the
entries) and `audit_head` (one row per chain: its last sequence number and
hash). Each entry's hash covers its own fields and the hash of the entry
before it in the same chain, so editing, deleting or reordering any entry
breaks the chain, and the head row catches a deleted tail.

Concurrency: `append()` first locks the chain's head row (PostgreSQL) or takes
the write lock (SQLite) until the transaction ends,
so two appends to one chain never interleave. One chain for every read would
serialise all readers on one lock; instead the log is split into a fixed
number of chains (AUDIT_CHAINS), and a record always lands in the same chain
(chosen by a hash of its key), so the entries about one case stay in order
while reads of different cases rarely wait for each other. The wait is
bounded by one short transaction per chain.

An entry is written in the same transaction as the change it records, so no
change goes unrecorded; a read is recorded before its content is returned.

Chain verification alone cannot tell an intact log from one rewritten from
scratch by someone with write access to the database: they can recompute
every hash and the heads. So the heads are also exported, signed with the
service's Ed25519 key (a JWS its internal JWKS verifies), and kept elsewhere;
`verify_against()` then checks that today's chains still pass through every
entry an earlier signed head named, so a truncated or rewritten chain shows.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import (
    BigInteger,
    Integer,
    String,
    UniqueConstraint,
    bindparam,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from ombuds_shared.batching import Grouped
from ombuds_shared.db import UTCDateTime, utcnow
from ombuds_shared.errors import ServiceUnavailable
from ombuds_shared.keys import SigningKey
from ombuds_shared.tokens import Actor

__all__ = [
    "AuditColumns",
    "AuditEntry",
    "AuditHeadColumns",
    "HeadRefused",
    "ReadLog",
    "SignedHead",
    "Verification",
    "head_rows",
    "read_heads",
    "read_signed_head",
    "sign_heads",
    "verify",
    "verify_against",
]

AUDIT_CHAINS = 16
GENESIS_HASH = "0" * 64
# The JWS `typ` of a signed export of the chain heads; no other token is taken for one.
HEAD_TYPE = "ombuds-audit-head+jwt"
_HASH = re.compile(r"^[0-9a-f]{64}$")


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


@dataclass(frozen=True)
class AuditEntry:
    """One entry of the log as its writer states it: who did what to which record, and when.

    `context_id` names the aggregate the record belongs to (e.g. the case id for
    everything about a case): its entries share one chain, so they stay in order.
    It defaults to the record id. `peer` names the calling service when no person
    acts. Ids only, never content; the time is the moment the entry is made.
    """

    actor: Actor | None
    action: str
    record_type: str
    record_id: str
    context_id: str | None = None
    peer: str | None = None
    occurred_at: dt.datetime = field(default_factory=utcnow)

    def columns(self) -> dict[str, Any]:
        """The entry's own columns, before it is placed in its chain."""
        context_id = self.context_id or self.record_id
        return {
            "chain": chain_of(context_id),
            "occurred_at": self.occurred_at,
            "subject": self.actor.subject if self.actor else f"service:{self.peer}",
            "roles": ",".join(sorted(self.actor.roles)) if self.actor else "",
            "peer": self.peer,
            "action": self.action,
            "record_type": self.record_type,
            "record_id": self.record_id,
            "context_id": context_id,
        }


async def append(
    session: AsyncSession,
    event_model: type[AuditColumns],
    head_model: type[AuditHeadColumns],
    entry: AuditEntry,
) -> None:
    """Adds an entry to the session's transaction (the caller commits)."""
    await append_many(session, event_model, head_model, [entry])


async def append_many(
    executor: AsyncSession | AsyncConnection,
    event_model: type[AuditColumns],
    head_model: type[AuditHeadColumns],
    entries: Sequence[AuditEntry],
) -> None:
    """Adds several entries to the transaction of a session or a connection, in their
    order (the caller commits).

    Three statements whatever the number of entries, each of a shape SQLAlchemy
    compiles once: lock and read the chains' heads, insert the entries, move the
    heads on. PostgreSQL locks the heads in chain order (so two writers never
    wait on each other in a cycle); on SQLite a no-op update first takes the
    database's write lock, before anything is read.
    """
    head = head_model.__table__  # type: ignore[attr-defined]
    table = event_model.__table__  # type: ignore[attr-defined]
    rows = [entry.columns() for entry in entries]
    chains = sorted({row["chain"] for row in rows})
    read = select(head.c.chain, head.c.seq, head.c.hash).where(head.c.chain.in_(chains))
    if _dialect_name(executor) == "postgresql":
        read = read.order_by(head.c.chain).with_for_update()
    else:
        await executor.execute(update(head).where(head.c.chain.in_(chains)).values(seq=head.c.seq))
    ends: dict[int, tuple[int, str]] = {
        chain: (seq, digest) for chain, seq, digest in await executor.execute(read)
    }
    await executor.execute(table.insert(), _placed(rows, ends))
    await executor.execute(
        update(head)
        .where(head.c.chain == bindparam("at_chain"))
        .values(seq=bindparam("to_seq"), hash=bindparam("to_hash")),
        [
            {"at_chain": chain, "to_seq": seq, "to_hash": digest}
            for chain, (seq, digest) in ends.items()
        ],
    )


def _placed(
    entries: Sequence[dict[str, Any]], ends: dict[int, tuple[int, str]]
) -> list[dict[str, Any]]:
    """The entries as rows placed in their chains after `ends` (each chain's last seq
    and hash), which move on to the new last entries."""
    rows: list[dict[str, Any]] = []
    for entry in entries:
        last_seq, prev_hash = ends[entry["chain"]]
        placed = {**entry, "seq": last_seq + 1}
        digest = entry_hash(placed, prev_hash)
        rows.append({**placed, "prev_hash": prev_hash, "hash": digest})
        ends[entry["chain"]] = (last_seq + 1, digest)
    return rows


def _dialect_name(executor: AsyncSession | AsyncConnection) -> str:
    bind = executor.bind if isinstance(executor, AsyncSession) else executor
    return bind.dialect.name if bind is not None else ""


class ReadLog:
    """Records reads in the audit log with group commit.

    A read is recorded before its content is returned, but one transaction per
    read costs several round trips and a lock on its chain's head. Reads that
    arrive while a batch is being written wait for the next batch (see
    ombuds_shared.batching): one transaction records them all, and each reader
    goes on only once its entry is committed. The log stays complete and in
    order; its cost per read falls as the load rises. If the batch cannot be
    written, every reader in it fails.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        event_model: type[AuditColumns],
        head_model: type[AuditHeadColumns],
        *,
        max_batch: int = 500,
    ) -> None:
        self._engine = engine
        self._event_model = event_model
        self._head_model = head_model
        self._grouped = Grouped(self._write, max_batch=max_batch)

    @property
    def batches_written(self) -> int:
        """Transactions so far: compare with the entries to see how well reads group."""
        return self._grouped.batches

    async def record(self, entry: AuditEntry) -> None:
        """Returns once the entry is committed; raises if it could not be."""
        try:
            await self._grouped(entry)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            raise ServiceUnavailable(
                "The read could not be recorded in the audit log, so nothing is returned."
            ) from exc

    async def _write(self, entries: list[AuditEntry]) -> list[None]:
        # A Core connection, not an ORM session: the batch needs no more, and the
        # session's bookkeeping would cost more than the SQL.
        async with self._engine.begin() as connection:
            await append_many(connection, self._event_model, self._head_model, entries)
        return [None] * len(entries)


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


@dataclass(frozen=True)
class ChainHead:
    """Where one chain ends: its number of entries and the hash of its last one."""

    chain: int
    seq: int
    hash: str


@dataclass(frozen=True)
class SignedHead:
    """The heads of every chain of a service's log, as its key signed them at a moment."""

    service: str
    signed_at: dt.datetime
    heads: tuple[ChainHead, ...]
    kid: str

    @property
    def entries(self) -> int:
        return sum(head.seq for head in self.heads)


class HeadRefused(ValueError):
    """A signed head that is not genuine, or not one of this service's."""


async def read_heads(
    connection: AsyncConnection, head_model: type[AuditHeadColumns]
) -> tuple[ChainHead, ...]:
    """The head of every chain, in one read."""
    head = head_model.__table__  # type: ignore[attr-defined]
    rows = await connection.execute(select(head).order_by(head.c.chain))
    return tuple(ChainHead(row.chain, row.seq, row.hash) for row in rows)


def sign_heads(
    heads: Iterable[ChainHead],
    key: SigningKey,
    *,
    service: str,
    signed_at: dt.datetime | None = None,
) -> str:
    """The heads as a compact JWS (EdDSA) signed with the service's own key."""
    moment = signed_at or utcnow()
    payload = {
        "iss": service,
        "iat": int(moment.timestamp()),
        "chains": [{"chain": h.chain, "seq": h.seq, "hash": h.hash} for h in heads],
    }
    return jwt.encode(
        payload, key.private_key, algorithm="EdDSA", headers={"kid": key.kid, "typ": HEAD_TYPE}
    )


def read_signed_head(
    token: str, public_keys: Mapping[str, Ed25519PublicKey], *, service: str
) -> SignedHead:
    """Verifies a signed head with trusted keys (kid -> key); HeadRefused if anything is off."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise HeadRefused(f"not a JWS: {exc}") from exc
    kid = header.get("kid")
    if header.get("typ") != HEAD_TYPE or header.get("alg") != "EdDSA":
        raise HeadRefused(f"not a signed audit head (typ {header.get('typ')!r})")
    # A kid names its owner: another service's key never vouches for this service's log.
    if not isinstance(kid, str) or kid.split(".", 1)[0] != service or kid not in public_keys:
        raise HeadRefused(f"signed by a key that is not the {service} service's: {kid!r}")
    try:
        claims = jwt.decode(
            token,
            public_keys[kid],
            algorithms=["EdDSA"],
            issuer=service,
            options={"require": ["iss", "iat"], "verify_aud": False},
        )
    except jwt.PyJWTError as exc:
        raise HeadRefused(f"the signature or its claims do not verify: {exc}") from exc
    heads = tuple(_chain_head(item) for item in claims.get("chains") or [])
    if not heads or len({h.chain for h in heads}) != len(heads):
        raise HeadRefused("the head names no chains, or a chain twice")
    signed_at = dt.datetime.fromtimestamp(claims["iat"], dt.UTC)
    return SignedHead(service, signed_at, heads, kid)


def _chain_head(item: Any) -> ChainHead:
    if not isinstance(item, dict) or set(item) != {"chain", "seq", "hash"}:
        raise HeadRefused("a chain of the head is not {chain, seq, hash}")
    chain, seq, digest = item["chain"], item["seq"], item["hash"]
    if not (isinstance(chain, int) and isinstance(seq, int) and chain >= 0 and seq >= 0):
        raise HeadRefused("a chain of the head has no valid number or length")
    if not (isinstance(digest, str) and _HASH.match(digest)):
        raise HeadRefused("a chain of the head has no valid hash")
    return ChainHead(chain, seq, digest)


async def verify_against(
    connection: AsyncConnection,
    event_model: type[AuditColumns],
    head_model: type[AuditHeadColumns],
    earlier: SignedHead,
) -> list[str]:
    """What shows that the log no longer extends the chains an earlier signed head named.

    Together with `verify()` (every chain intact up to its head), an entry
    whose hash is still the signed one proves the chain up to it unchanged.
    """
    table = event_model.__table__  # type: ignore[attr-defined]
    current = {head.chain: head for head in await read_heads(connection, head_model)}
    when = earlier.signed_at.isoformat(timespec="seconds")
    problems = []
    for signed in earlier.heads:
        now = current.get(signed.chain)
        if now is None:
            problems.append(f"chain {signed.chain}: gone, but the head signed {when} names it")
            continue
        if signed.seq == 0:
            continue  # the chain was empty then: anything extends it
        if now.seq < signed.seq:
            problems.append(
                f"chain {signed.chain}: has {now.seq} entries, but the head signed {when} "
                f"had {signed.seq} (entries were removed)"
            )
            continue
        stored = (
            await connection.execute(
                select(table.c.hash).where(table.c.chain == signed.chain, table.c.seq == signed.seq)
            )
        ).scalar_one_or_none()
        if stored != signed.hash:
            problems.append(
                f"chain {signed.chain}: entry {signed.seq} is not the one the head signed "
                f"{when} ends with (the chain was rewritten)"
            )
    return problems
