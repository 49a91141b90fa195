"""Running intake's retention schedule: from the `ombuds` command, or periodically inside
the service."""

from __future__ import annotations

import datetime as dt

from fastapi import FastAPI

from intake.config import IntakeSettings
from intake.retention import service
from ombuds_shared.dependencies import settings_of, state_of
from ombuds_shared.retention import RetentionReport, offline_run


async def run_once(
    settings: IntakeSettings, *, dry_run: bool, now: dt.datetime | None = None
) -> RetentionReport:
    """One run against the configured database (what `ombuds retention run` does)."""
    async with offline_run(settings) as run:
        return await service.run(
            session_maker=run.session_maker,
            envelope=run.envelope,
            months=settings.request_retention_months,
            dry_run=dry_run,
            now=now,
        )


async def run_retention(app: FastAPI) -> RetentionReport:
    """One run inside the running service (its periodic schedule)."""
    settings = settings_of(app, IntakeSettings)
    return await service.run(
        session_maker=state_of(app).session_maker,
        envelope=state_of(app).envelope,
        months=settings.request_retention_months,
        dry_run=False,
    )
