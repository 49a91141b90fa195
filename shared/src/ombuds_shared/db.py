"""Async database engines and sessions for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    ColumnElement,
    MetaData,
    Row,
    Select,
    Table,
    bindparam,
    event,
    func,
    select,
    text,
)
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import DateTime, TypeDecorator

from ombuds_shared.batching import Grouped
from ombuds_shared.errors import ServiceUnavailable

__all__ = [
    "MAYBE_DATABASE_DOWN",
    "GroupedInserts",
    "KeyedReads",
    "UTCDateTime",
    "core_connection",
    "count_rows",
    "create_engine",
    "create_session_maker",
    "database_unavailable",
    "new_metadata",
    "read_only",
    "utcnow",
]

# Explicit constraint names, so migrations are the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    """A MetaData with the project's naming convention, one per service."""
    return MetaData(naming_convention=NAMING_CONVENTION)


# Errors that mean "the database is away", answered with 503 rather than 500.
DATABASE_DOWN: tuple[type[Exception], ...] = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.TimeoutError,
    ConnectionError,
    TimeoutError,
)
# SQLSTATE prefixes that mean the server is away or not taking work yet: connection
# exceptions (08...), shutting down or starting up (57P01-57P05), too many connections.
_UNAVAILABLE_SQLSTATES = ("08", "57P", "53300")
# What to catch before asking `database_unavailable` (DBAPIError also covers wrong requests).
MAYBE_DATABASE_DOWN: tuple[type[Exception], ...] = (*DATABASE_DOWN, sa_exc.DBAPIError)


def database_unavailable(exc: BaseException) -> bool:
    """Whether an error means the database is away (answer 503), not that the request is wrong.

    asyncpg reports a server shutting down, starting up or dropping the connection
    as a generic DBAPIError, so the SQLSTATE and the invalidated connection decide.
    """
    if isinstance(exc, DATABASE_DOWN):
        return True
    if isinstance(exc, sa_exc.DBAPIError):
        if exc.connection_invalidated:
            return True
        return _unavailable_sqlstate(exc.orig)
    return False


def _unavailable_sqlstate(error: object) -> bool:
    """Whether a driver error's SQLSTATE says the server is away or not taking work."""
    sqlstate = getattr(error, "sqlstate", None)
    return isinstance(sqlstate, str) and sqlstate.startswith(_UNAVAILABLE_SQLSTATES)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


# Off only in the forensics test that shows the key store carries the guarantee alone.
SQLITE_SECURE_DELETE = True


def create_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> AsyncEngine:
    """Builds an engine tuned for the backend: WAL and a busy timeout on SQLite."""
    if is_sqlite(url):
        engine = _create_async_engine(url, echo=echo, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: DBAPIConnection, _: ConnectionPoolEntry) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            # What destruction erases (a submitter, a label) is zeroed in the file, not left in
            # a free slot of its page; the WAL's older copies go with `scrub_wal`.
            cursor.execute(f"PRAGMA secure_delete={'ON' if SQLITE_SECURE_DELETE else 'OFF'}")
            cursor.close()

        return engine
    # No overflow: connections beyond the pool would be opened and closed per request
    # under load, and each costs PostgreSQL a new backend process. Requests wait for a
    # pooled connection instead (at most pool_timeout, then 503).
    # No pre-ping (a round trip per request): when the server restarts, the first
    # statement on a dead connection fails (503), SQLAlchemy sees the disconnect and
    # replaces every pooled connection, and the next requests are served again.
    return _create_async_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=0,
        pool_pre_ping=False,
        pool_timeout=10,
    )


def create_session_maker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def read_only(engine: AsyncEngine) -> AsyncEngine:
    """The engine for routes that only read: each statement stands alone (no BEGIN,
    no COMMIT round trips), on the same pool as the engine's other connections."""
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def create_read_session_maker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions on `read_only(engine)`."""
    return async_sessionmaker(read_only(engine), expire_on_commit=False)


@contextlib.asynccontextmanager
async def core_connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A Core connection for a hot path: no ORM session to set up and tear down.
    Database failures answer 503, as in sessions. Pass `read_only(engine)` for a read."""
    async with unavailable_as_503(), engine.connect() as connection:
        yield connection


@contextlib.asynccontextmanager
async def session_from(maker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session whose database failures, wherever they happen, answer 503."""
    async with unavailable_as_503(), maker() as session:
        yield session


@contextlib.asynccontextmanager
async def unavailable_as_503() -> AsyncIterator[None]:
    """Turns a database that is away into ServiceUnavailable; other errors pass."""
    try:
        yield
    except MAYBE_DATABASE_DOWN as exc:
        if not database_unavailable(exc):
            raise
        raise ServiceUnavailable("The database is not reachable right now.") from exc


RowT = TypeVar("RowT")


class KeyedReads(Generic[RowT]):
    """Reads of one row by key (a case by its id) that arrive together, answered by one
    statement: the DataLoader pattern, the same on SQLite and PostgreSQL.

    Each read costs a round trip and a pooled connection, and under load the round
    trips, not the rows, were most of a read's cost. Reads that arrive while a fetch
    is under way wait for the next one, which fetches all their keys at once
    (`key IN (...)`; see ombuds_shared.batching); each reader gets its own row, made
    typed by `as_row` (a NamedTuple's `_make`, say), or None.
    With one reader at a time it is one key per statement.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        columns: Select[Any],
        key: ColumnElement[Any],
        as_row: Callable[[Row[Any]], RowT],
        max_batch: int = 500,
    ) -> None:
        names = list(columns.selected_columns.keys())
        if key.name not in names:
            raise ValueError(
                "the key must be among the selected columns, to find each row's reader"
            )
        self._reads = read_only(engine)
        self._key_index = names.index(key.name)
        self._as_row = as_row
        # Built once: SQLAlchemy caches its compiled form (expanding: one per batch size).
        self._by_keys = columns.where(key.in_(bindparam("keys", expanding=True)))
        self._grouped = Grouped(self._fetch, max_batch=max_batch)

    @property
    def fetches(self) -> int:
        """Statements run so far: compare with the reads to see how well they group."""
        return self._grouped.batches

    async def get(self, key: Any) -> RowT | None:
        """The row whose key is `key`, or None."""
        return await self._grouped(key)

    async def _fetch(self, keys: list[Any]) -> list[RowT | None]:
        async with core_connection(self._reads) as connection:
            result = await connection.execute(self._by_keys, {"keys": sorted(set(keys))})
            by_key = {row[self._key_index]: self._as_row(row) for row in result}
        return [by_key.get(key) for key in keys]


Rows = Sequence[tuple[Table, Mapping[str, Any]]]


class GroupedInserts:
    """Groups of rows (a visitor and its request, say) inserted all or none each, those
    arriving together in one transaction: the same on SQLite and PostgreSQL.

    Under load, the round trips and the commit, not the rows, were most of an intake
    submission's cost. Groups that arrive while an insert is under way wait for the
    next one (see ombuds_shared.batching), which inserts each table's rows as one
    multi-row INSERT (SQLAlchemy's executemany) and commits once; a later table's rows
    may refer to an earlier table's. If that transaction meets a constraint, each group
    is then inserted in a transaction of its own, so that only the group that broke it
    fails (with IntegrityError) and the others land. Every group must have the same
    shape: the same tables and columns, in the same order.
    """

    def __init__(self, engine: AsyncEngine, max_batch: int = 200) -> None:
        self._engine = engine
        self._grouped = Grouped(self._insert, max_batch=max_batch)

    @property
    def statements(self) -> int:
        """Transactions committed so far: compare with the groups to see how well they group."""
        return self._grouped.batches

    async def insert(self, rows: Rows) -> None:
        """Inserts the group, all or none; raises IntegrityError if it breaks a constraint."""
        failure = await self._grouped(rows)
        if failure is not None:
            raise failure

    async def _insert(self, groups: list[Rows]) -> list[sa_exc.IntegrityError | None]:
        try:
            await self._insert_together(groups)
            return [None] * len(groups)
        except sa_exc.IntegrityError as exc:
            if len(groups) == 1:
                return [exc]
        outcomes: list[sa_exc.IntegrityError | None] = []
        for group in groups:  # which group broke it? Each on its own says.
            try:
                await self._insert_together([group])
                outcomes.append(None)
            except sa_exc.IntegrityError as exc:
                outcomes.append(exc)
        return outcomes

    async def _insert_together(self, groups: Sequence[Rows]) -> None:
        async with core_connection(self._engine) as connection, connection.begin():
            for index, (table, _) in enumerate(groups[0]):
                await connection.execute(
                    table.insert(), [dict(group[index][1]) for group in groups]
                )


async def ping(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC datetime on both backends (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware UTC datetime")
        return value.astimezone(dt.UTC) if value is not None else None

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value


async def count_rows(session: AsyncSession, model: type, *, column: str, value: str) -> int:
    """How many rows of `model` have `value` in `column` (a destruction record counts them)."""
    table = model.__table__  # type: ignore[attr-defined]
    statement = select(func.count()).select_from(table).where(table.c[column] == value)
    return int(await session.scalar(statement) or 0)
