"""Running intake's retention schedule: from the `ombuds` command, or periodically inside
the service."""

from __future__ import annotations

import dataclasses
import datetime as dt

from fastapi import FastAPI

from intake.config import IntakeSettings
from intake.retention import service
from ombuds_shared.app import load_envelope, open_key_store
from ombuds_shared.crypto import Envelope
from ombuds_shared.db import create_engine, create_session_maker
from ombuds_shared.dependencies import settings_of, state_of
from ombuds_shared.retention import RetentionReport


async def run_once(
    settings: IntakeSettings, *, dry_run: bool, now: dt.datetime | None = None
) -> RetentionReport:
    """One run against the configured database (what `ombuds retention run` does)."""
    engine = create_engine(settings.resolved_database_url, pool_size=2)
    key_store = open_key_store(settings)
    # Destroying needs the key store only; the ring is there when the service has one.
    ring = load_envelope(settings, create=False) or Envelope({})
    try:
        return await service.run(
            session_maker=create_session_maker(engine),
            envelope=dataclasses.replace(ring, store=key_store),
            months=settings.request_retention_months,
            dry_run=dry_run,
            now=now,
        )
    finally:
        await engine.dispose()
        if key_store is not None:
            await key_store.close()


async def run_retention(app: FastAPI) -> RetentionReport:
    """One run inside the running service (its periodic schedule)."""
    settings = settings_of(app, IntakeSettings)
    return await service.run(
        session_maker=state_of(app).session_maker,
        envelope=state_of(app).envelope,
        months=settings.request_retention_months,
        dry_run=False,
    )
