"""Async database engines and sessions for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy import (
    ARRAY,
    ColumnElement,
    MetaData,
    Select,
    Table,
    any_,
    bindparam,
    event,
    text,
)
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine.interfaces import DBAPIConnection, Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import DateTime, TypeDecorator
from starlette.requests import Request

from ombuds_shared.batching import Grouped
from ombuds_shared.errors import ServiceUnavailable

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


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """Yields a session from the app's session maker; use with scope="function"."""
    async with _session_from(request.app.state.session_maker) as session:
        yield session


async def get_read_session(request: Request) -> AsyncIterator[AsyncSession]:
    """Like get_session, for a route that only reads (a single consistent statement
    at a time is all it needs)."""
    async with _session_from(request.app.state.read_session_maker) as session:
        yield session


@contextlib.asynccontextmanager
async def core_connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A Core connection for a hot path: no ORM session to set up and tear down.
    Database failures answer 503, as in sessions. Pass `read_only(engine)` for a read."""
    async with unavailable_as_503(), engine.connect() as connection:
        yield connection


@contextlib.asynccontextmanager
async def _session_from(maker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
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


@dataclass(frozen=True)
class _DriverForm:
    """A statement compiled once for asyncpg: its SQL, its parameters in order, and
    the result columns whose type processes the value the driver returns."""

    sql: str
    names: tuple[str, ...]
    processed: tuple[tuple[str, TypeDecorator[Any]], ...]


# Options of SQLAlchemy's asyncpg dialect that asyncpg itself does not take.
_DIALECT_ONLY_OPTIONS = ("async_creator_fn", "prepared_statement_cache_size",
                         "prepared_statement_name_func")  # fmt: skip


async def _keep_session_state(_: object) -> None:
    """A HotPool connection's reset on return: nothing to undo (see HotPool)."""


class HotPool:
    """The database of a hot path (the case read and its audit entry, the intake
    submission).

    On PostgreSQL a hot path runs on a small asyncpg pool of its own, each
    statement compiled once: a checkout from SQLAlchemy's async pool, with its
    greenlet hops, isolation-level bookkeeping and cancellation-shielded return,
    cost more CPU than the query (measured: 120 against 50 µs a one-row read).
    The pool holds at most `pool_size` connections beside the engine's, opened
    as needed; nothing a hot path does outlives its statement or transaction,
    so returning a connection needs no reset round trip. Elsewhere (SQLite)
    hot paths go through the engine (`on_driver` is false).

    A database that is away, or a connection the server cut, is a 503; the pool
    closes a cut connection when it comes back, and never hands it out again.
    """

    def __init__(self, engine: AsyncEngine, *, pool_size: int, timeout_seconds: float = 10) -> None:
        self.engine = engine
        self._reads = read_only(engine)
        self._pool_size = pool_size
        self._timeout = timeout_seconds
        self._pool: asyncpg.Pool | None = None
        self._forms: dict[Select[Any], _DriverForm] = {}
        self._insert_forms: dict[_InsertShape, str] = {}

    @property
    def on_driver(self) -> bool:
        return self.engine.dialect.driver == "asyncpg"

    async def open(self) -> None:
        """Prepares the pool (no connection is opened until one is needed)."""
        if not self.on_driver or self._pool is not None:
            return
        _, options = self.engine.dialect.create_connect_args(self.engine.url)
        for name in _DIALECT_ONLY_OPTIONS:
            options.pop(name, None)
        self._pool = await asyncpg.create_pool(
            min_size=0, max_size=self._pool_size, reset=_keep_session_state, **options
        )

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    @contextlib.asynccontextmanager
    async def driver_connection(self) -> AsyncIterator[asyncpg.Connection]:
        """An asyncpg connection of the pool, for one statement or one transaction.

        A failure that says the database is away, or that leaves the connection in
        no known state (the server's notice that it ended the session can arrive
        between two statements), ends the connection and answers 503.
        """
        if self._pool is None:
            raise RuntimeError("HotPool.open() was not awaited, or this is not PostgreSQL")
        try:
            async with self._pool.acquire(timeout=self._timeout) as connection:
                try:
                    yield connection
                except Exception as exc:
                    if not _driver_says_unavailable(exc):
                        raise  # a wrong statement, say; the connection is fine
                    connection.terminate()  # the pool replaces it; it is never handed out again
                    raise ServiceUnavailable("The database is not reachable right now.") from exc
        except Exception as exc:  # the pool could not hand out a connection
            if isinstance(exc, ServiceUnavailable) or not _driver_says_unavailable(exc):
                raise
            raise ServiceUnavailable("The database is not reachable right now.") from exc

    async def fetch_one(
        self, statement: Select[Any], params: Mapping[str, Any]
    ) -> Mapping[str, Any] | None:
        """The one row `statement` selects (or None), by column name.

        Pass statements built once (module constants): their compiled forms are
        kept for the life of the process. Parameters reach the driver as given (no
        bind processing), so they should be plain values: strings, numbers.
        """
        if not self.on_driver:
            async with core_connection(self._reads) as connection:
                result = await connection.execute(statement, params)
                found: Mapping[str, Any] | None = result.mappings().one_or_none()
                return found
        form = self._form(statement)
        async with self.driver_connection() as driver:
            record = await driver.fetchrow(form.sql, *(params[name] for name in form.names))
        return None if record is None else self._row(form, record)

    async def fetch_all(
        self, statement: Select[Any], params: Mapping[str, Any]
    ) -> list[Mapping[str, Any]]:
        """The rows `statement` selects, by column name (PostgreSQL only; as fetch_one)."""
        form = self._form(statement)
        async with self.driver_connection() as driver:
            records = await driver.fetch(form.sql, *(params[name] for name in form.names))
        return [self._row(form, record) for record in records]

    def _form(self, statement: Select[Any]) -> _DriverForm:
        form = self._forms.get(statement)
        if form is None:
            form = self._forms[statement] = _driver_form(statement, self.engine.dialect)
        return form

    def _row(self, form: _DriverForm, record: asyncpg.Record) -> dict[str, Any]:
        row = dict(record)
        for name, column_type in form.processed:
            row[name] = column_type.process_result_value(row[name], self.engine.dialect)
        return row

    async def insert_together(self, rows: Rows) -> None:
        """Inserts one row into each table, all or none; a later row may refer to an
        earlier one. On PostgreSQL it is one statement (see insert_groups; the earlier
        rows inserted by data-modifying WITH clauses): atomic without BEGIN and COMMIT,
        one round trip instead of four. Elsewhere it is one transaction on the engine.

        Give every column its value: on PostgreSQL the columns' defaults are not
        applied. Values pass the columns' TypeDecorators. A violated constraint raises
        SQLAlchemy's IntegrityError on both paths.
        """
        if not self.on_driver:
            async with core_connection(self.engine) as connection, connection.begin():
                for table, values in rows:
                    await connection.execute(table.insert(), dict(values))
            return
        await self.insert_groups([rows])

    async def insert_groups(self, groups: Sequence[Rows]) -> None:
        """insert_together for several groups of the same shape (the same tables and
        columns, in the same order), all or none, in one statement: each table's rows
        as one array per column, through unnest (PostgreSQL only)."""
        shape = tuple((table, tuple(values)) for table, values in groups[0])
        sql = self._insert_forms.get(shape)
        if sql is None:
            sql = self._insert_forms[shape] = _unnest_form(shape, self.engine.dialect)
        dialect = self.engine.dialect
        arrays = [
            [_bound(table, column, group[index][1][column], dialect) for group in groups]
            for index, (table, columns) in enumerate(shape)
            for column in columns
        ]
        try:
            async with self.driver_connection() as driver:
                await driver.execute(sql, *arrays)
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise sa_exc.IntegrityError(sql, None, exc) from exc


class KeyedReads:
    """Reads of one row by key (a case by its id) that arrive together, answered by one
    statement: the DataLoader pattern, on the hot pool.

    Each read costs a round trip to PostgreSQL and a connection from the pool, and
    under load the round trips, not the rows, were most of a read's cost. Reads that
    arrive while a fetch is under way wait for the next one, which fetches all their
    keys at once (`key = ANY(...)`; see ombuds_shared.batching); each reader gets its
    own row or None. On SQLite each read is its own statement.
    """

    def __init__(
        self, hot_pool: HotPool, columns: Select[Any], key: ColumnElement[Any], max_batch: int = 500
    ) -> None:
        if key.name not in columns.selected_columns:
            raise ValueError(
                "the key must be among the selected columns, to find each row's reader"
            )
        self._pool = hot_pool
        self._key = key.name
        self._by_key = columns.where(key == bindparam("key"))
        self._by_keys = columns.where(key == any_(bindparam("keys", type_=ARRAY(key.type))))
        self._grouped = Grouped(self._fetch, max_batch=max_batch)

    @property
    def fetches(self) -> int:
        """Statements run so far: compare with the reads to see how well they group."""
        return self._grouped.batches

    async def get(self, key: Any) -> Mapping[str, Any] | None:
        """The row whose key is `key`, or None."""
        if not self._pool.on_driver:
            return await self._pool.fetch_one(self._by_key, {"key": key})
        return await self._grouped(key)

    async def _fetch(self, keys: list[Any]) -> list[Mapping[str, Any] | None]:
        rows = await self._pool.fetch_all(self._by_keys, {"keys": list(set(keys))})
        by_key = {row[self._key]: row for row in rows}
        return [by_key.get(key) for key in keys]


Rows = Sequence[tuple[Table, Mapping[str, Any]]]


class GroupedInserts:
    """insert_together for writes that arrive together: one statement for all of them.

    Under load, the round trip and the statement, not the rows, were most of an
    intake submission's cost. Groups of rows (each a visitor and its request, say)
    that arrive while an insert is under way wait for the next one, which inserts
    them all with one statement, each table's rows as arrays (`unnest`); see
    ombuds_shared.batching. If that statement meets a constraint, each group is
    then inserted on its own, so that only the group that broke it fails (with
    IntegrityError) and the others land. Every group must have the same shape:
    the same tables and columns, in the same order. On SQLite each group is its
    own transaction.
    """

    def __init__(self, hot_pool: HotPool, max_batch: int = 200) -> None:
        self._pool = hot_pool
        self._grouped = Grouped(self._insert, max_batch=max_batch)

    @property
    def statements(self) -> int:
        """Batches inserted so far: compare with the groups to see how well they group."""
        return self._grouped.batches

    async def insert(self, rows: Rows) -> None:
        """Inserts the group, all or none; raises IntegrityError if it breaks a constraint."""
        if not self._pool.on_driver:
            await self._pool.insert_together(rows)
            return
        failure = await self._grouped(rows)
        if failure is not None:
            raise failure

    async def _insert(self, groups: list[Rows]) -> list[sa_exc.IntegrityError | None]:
        try:
            await self._pool.insert_groups(groups)
            return [None] * len(groups)
        except sa_exc.IntegrityError:
            pass  # which group broke it? Each on its own says.
        outcomes: list[sa_exc.IntegrityError | None] = []
        for group in groups:
            try:
                await self._pool.insert_together(group)
                outcomes.append(None)
            except sa_exc.IntegrityError as exc:
                outcomes.append(exc)
        return outcomes


def _bound(table: Table, column: str, value: Any, dialect: Dialect) -> Any:
    """A value as the driver takes it, through the column's TypeDecorator if any."""
    column_type = table.c[column].type
    if isinstance(column_type, TypeDecorator):
        return column_type.process_bind_param(value, dialect)
    return value


def _unnest_form(shape: _InsertShape, dialect: Dialect) -> str:
    """GroupedInserts' statement: every table's rows as one array per column, the earlier
    tables inserted by data-modifying WITH clauses (so a later row may refer to them)."""
    quote = dialect.identifier_preparer
    inserts: list[str] = []
    number = 0
    for table, columns in shape:
        arrays = []
        for column in columns:
            number += 1
            arrays.append(f"${number}::{table.c[column].type.compile(dialect=dialect)}[]")
        names = ", ".join(quote.quote(column) for column in columns)
        # Names of the service's own tables and columns, quoted; every value is a parameter.
        into = f"INSERT INTO {quote.format_table(table)} ({names})"
        inserts.append(f"{into} SELECT * FROM unnest({', '.join(arrays)})")  # noqa: S608
    *earlier, last = inserts
    if not earlier:
        return last
    clauses = ", ".join(f"row{index} AS ({sql})" for index, sql in enumerate(earlier))
    return f"WITH {clauses} {last}"


_InsertShape = tuple[tuple[Table, tuple[str, ...]], ...]


def _driver_form(statement: Select[Any], dialect: Dialect) -> _DriverForm:
    compiled = statement.compile(dialect=dialect)
    processed = tuple(
        (column.name, column.type)
        for column in statement.selected_columns
        if isinstance(column.type, TypeDecorator)
    )
    return _DriverForm(str(compiled), tuple(compiled.positiontup or ()), processed)


def _driver_says_unavailable(exc: Exception) -> bool:
    """What `database_unavailable` decides, for an error straight from asyncpg; also a
    connection left in no known state (InternalClientError)."""
    if isinstance(
        exc, (OSError, TimeoutError, asyncpg.InterfaceError, asyncpg.InternalClientError)
    ):
        return True
    return _unavailable_sqlstate(exc)


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
