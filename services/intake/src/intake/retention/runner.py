"""Running intake's retention schedule: from the `ombuds` command, or periodically inside
the service."""

from __future__ import annotations

import datetime as dt

from fastapi import FastAPI

from intake.config import IntakeSettings
from intake.retention import service
from ombuds_shared.db import utcnow
from ombuds_shared.dependencies import settings_of, state_of
from ombuds_shared.retention import RetentionReport, RetentionRun, offline_run


async def run_once(
    settings: IntakeSettings, *, dry_run: bool, now: dt.datetime | None = None
) -> RetentionReport:
    """One run against the configured database (what `ombuds retention run` does)."""
    async with offline_run(settings) as run:
        months = settings.request_retention_months
        return await service.run(
            RetentionRun(run.session_maker, months, dry_run, now or utcnow()), envelope=run.envelope
        )


async def run_retention(app: FastAPI) -> RetentionReport:
    """One run inside the running service (its periodic schedule)."""
    settings = settings_of(app, IntakeSettings)
    state, months = state_of(app), settings.request_retention_months
    return await service.run(
        RetentionRun(state.session_maker, months, dry_run=False, now=utcnow()),
        envelope=state.envelope,
    )
