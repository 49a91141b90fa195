"""What every service's retention schedule shares: its cutoff, its report, its actor, and
its periodic run inside the service."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Concatenate, ParamSpec

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ombuds_shared import metrics
from ombuds_shared.app import load_envelope, open_key_store
from ombuds_shared.config import ServiceSettings
from ombuds_shared.crypto import Envelope
from ombuds_shared.db import (
    MAYBE_DATABASE_DOWN,
    create_engine,
    create_session_maker,
    database_unavailable,
)
from ombuds_shared.dependencies import state_of
from ombuds_shared.http import ServiceClient
from ombuds_shared.keys import SigningKey, load_or_create_key
from ombuds_shared.tasks import cancel_and_wait
from ombuds_shared.tokens import Actor

__all__ = [
    "RETENTION_ACTOR",
    "RetentionReport",
    "RetentionRun",
    "counted_runs",
    "cutoff_for",
    "destroy_each",
    "offline_run",
    "scrub_wal",
    "with_periodic_schedule",
]

logger = logging.getLogger("ombuds.retention")

# Who destroys under the schedule, in audit logs and destruction records.
RETENTION_ACTOR = Actor("system:retention", frozenset({"system"}))


@dataclass
class RetentionReport:
    """What a run found due, destroyed, or could not finish (to be retried next run)."""

    dry_run: bool
    cutoff: dt.datetime
    due: list[str] = field(default_factory=list)
    destroyed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RetentionRun:
    """One run of a service's schedule: its database, how many months the service keeps
    content, whether the run only lists what is due, and the moment it runs at."""

    session_maker: async_sessionmaker[AsyncSession]
    months: int
    dry_run: bool
    now: dt.datetime

    def new_report(self) -> RetentionReport:
        return RetentionReport(dry_run=self.dry_run, cutoff=cutoff_for(self.now, self.months))


P = ParamSpec("P")
# A service's run: the run first, then what only that service needs (its peers, its keys).
ServiceRun = Callable[Concatenate[RetentionRun, P], Awaitable[RetentionReport]]


def counted_runs(service: str, *, kind: str) -> Callable[[ServiceRun[P]], ServiceRun[P]]:
    """Counts every run of a service's schedule in `ombuds_retention_runs_total` and what it
    destroyed in `ombuds_retention_destroyed_total{kind}`, whoever started it (the periodic
    task, the command). A run that left anything due (`report.failed`) or raised counts as
    failed: content is then kept beyond its schedule, which is what the alert is for. A dry
    run changes nothing and is not counted."""

    def decorate(run: ServiceRun[P]) -> ServiceRun[P]:
        @functools.wraps(run)
        async def counted(
            schedule: RetentionRun, /, *args: P.args, **kwargs: P.kwargs
        ) -> RetentionReport:
            try:
                report = await run(schedule, *args, **kwargs)
            except Exception:
                if not schedule.dry_run:
                    metrics.retention_run(service, outcome="failed")
                raise
            if not report.dry_run:
                metrics.retention_run(
                    service,
                    outcome="failed" if report.failed else "completed",
                    destroyed={kind: len(report.destroyed)},
                )
            return report

        return counted

    return decorate


async def destroy_each(
    report: RetentionReport,
    destroy_one: Callable[[str], Awaitable[bool]],
    session_maker: async_sessionmaker[AsyncSession],
    *,
    retried: tuple[type[Exception], ...] = (),
) -> None:
    """Destroys each of `report.due` in turn, into `report.destroyed` when `destroy_one` says
    it did. One that fails with a `retried` error (a peer refused or is away) or because the
    database went away (a restart, say) is named in `report.failed` and stays due for the
    next run; the others go on. After any destruction the WAL is scrubbed (`scrub_wal`)."""
    for item in report.due:
        try:
            destroyed = await destroy_one(item)
        except retried as exc:
            report.failed[item] = type(exc).__name__
            continue
        except MAYBE_DATABASE_DOWN as exc:
            if not database_unavailable(exc):
                raise
            report.failed[item] = type(exc).__name__
            continue
        if destroyed:
            report.destroyed.append(item)
    if report.destroyed:
        await scrub_wal(session_maker)


# Off only in the forensics test that shows the key store carries the guarantee alone.
SCRUB_WAL = True


async def scrub_wal(bind: AsyncEngine | AsyncSession | async_sessionmaker[AsyncSession]) -> None:
    """After destruction on SQLite, the WAL's older page images (which still hold what was
    erased) go: a truncating checkpoint. The database file itself runs with secure_delete.
    On PostgreSQL, dead row versions go by the VACUUM procedure in docs/operations.md."""
    engine: object = bind
    if isinstance(bind, async_sessionmaker):
        engine = bind.kw["bind"]
    elif isinstance(bind, AsyncSession):
        engine = bind.bind
    if not SCRUB_WAL or not isinstance(engine, AsyncEngine) or engine.dialect.name != "sqlite":
        return
    async with engine.connect() as connection:  # outside any transaction
        await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def cutoff_for(now: dt.datetime, months: int) -> dt.datetime:
    """The moment `months` calendar months before `now` (clamped to the month's last day)."""
    month_index = now.year * 12 + now.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for day in range(now.day, 27, -1):
        try:
            return now.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return now.replace(year=year, month=month, day=min(now.day, 28))


async def periodically(
    run: Callable[[], Awaitable[RetentionReport]], *, every_seconds: float, service: str
) -> None:
    """Runs a service's schedule every `every_seconds`, for as long as the task lives."""
    while True:
        await asyncio.sleep(every_seconds)
        try:
            report = await run()
        except Exception:  # the schedule must survive a bad night; the next run retries
            logger.exception("retention run failed", extra={"service": service})
            continue
        logger.info(
            "retention run",
            extra={
                "service": service,
                "destroyed": len(report.destroyed),
                "failed": len(report.failed),
            },
        )


def with_periodic_schedule(
    app: FastAPI, run: Callable[[FastAPI], Awaitable[RetentionReport]], *, every_seconds: float
) -> None:
    """Runs the schedule in the background while the app is up (after its startup)."""
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with inner(app):
            service = state_of(app).settings.service_name
            task = asyncio.create_task(
                periodically(lambda: run(app), every_seconds=every_seconds, service=service)
            )
            try:
                yield
            finally:
                await cancel_and_wait(task, name="retention-schedule", timeout_seconds=10)

    app.router.lifespan_context = lifespan


@dataclass
class OfflineRun:
    """What a run started by `ombuds retention run` works with, outside the running service."""

    session_maker: async_sessionmaker[AsyncSession]
    # The master key ring (empty when the service has none) over the service's key store.
    envelope: Envelope
    # Intake and this service's peer key, for a service that asks intake to destroy.
    intake: ServiceClient | None = None
    signing_key: SigningKey | None = None

    def peer(self) -> tuple[ServiceClient, SigningKey]:
        """Intake and this service's peer key (there when opened with `intake_url`)."""
        if self.intake is None or self.signing_key is None:
            raise RuntimeError("offline_run was opened without an intake_url")
        return self.intake, self.signing_key


@contextlib.asynccontextmanager
async def offline_run(
    settings: ServiceSettings, *, intake_url: str | None = None
) -> AsyncIterator[OfflineRun]:
    """Opens the database, the key store and (with `intake_url`) a client of intake for one
    run from the command, and closes them after, whatever the run did."""
    engine = create_engine(settings.resolved_database_url, pool_size=2)
    key_store = open_key_store(settings)
    # Destroying needs the key store only; the ring is there when the service has one.
    ring = load_envelope(settings, create=False) or Envelope({})
    run = OfflineRun(create_session_maker(engine), dataclasses.replace(ring, store=key_store))
    if intake_url is not None:
        run.intake = ServiceClient(
            intake_url, name="intake", timeout_seconds=settings.peer_timeout_seconds
        )
        private = load_or_create_key(
            settings.resolved_signing_key_file, create=settings.is_development
        )
        run.signing_key = SigningKey.for_owner(private, str(settings.service_name))
    try:
        yield run
    finally:
        if run.intake is not None:
            await run.intake.close()
        await engine.dispose()
        if key_store is not None:
            await key_store.close()
