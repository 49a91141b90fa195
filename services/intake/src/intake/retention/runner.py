"""Running intake's retention schedule: from the `ombuds` command, or periodically inside
the service."""

from __future__ import annotations

import datetime as dt

from fastapi import FastAPI

from intake.config import IntakeSettings
from intake.retention import service
from ombuds_shared.db import create_engine, create_session_maker
from ombuds_shared.retention import RetentionReport


async def run_once(
    settings: IntakeSettings, *, dry_run: bool, now: dt.datetime | None = None
) -> RetentionReport:
    """One run against the configured database (what `ombuds retention run` does)."""
    engine = create_engine(settings.resolved_database_url, pool_size=2)
    try:
        return await service.run(
            session_maker=create_session_maker(engine),
            months=settings.request_retention_months,
            dry_run=dry_run,
            now=now,
        )
    finally:
        await engine.dispose()


async def run_retention(app: FastAPI) -> RetentionReport:
    """One run inside the running service (its periodic schedule)."""
    settings: IntakeSettings = app.state.settings
    return await service.run(
        session_maker=app.state.session_maker,
        months=settings.request_retention_months,
        dry_run=False,
    )
