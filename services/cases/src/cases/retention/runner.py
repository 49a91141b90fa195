"""Running the retention schedule: from the `ombuds` command, or periodically inside the service."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging

from fastapi import FastAPI

from cases.config import CasesSettings
from cases.retention import service
from ombuds_shared.app import open_key_store
from ombuds_shared.db import create_engine, create_session_maker
from ombuds_shared.dependencies import settings_of, state_of
from ombuds_shared.errors import NotFound
from ombuds_shared.http import ServiceClient
from ombuds_shared.keys import SigningKey, load_or_create_key
from ombuds_shared.retention import RetentionReport
from ombuds_shared.tokens import mint_internal_token

logger = logging.getLogger("cases.retention")


def identity_destroyer(intake: ServiceClient, key: SigningKey) -> service.DestroyIdentity:
    """Asks intake to crypto-shred a visitor's identity; an unknown visitor is already gone."""

    async def destroy(visitor_ref: str) -> None:
        token = mint_internal_token(key, issuer="cases", audience="intake", actor=None)
        with contextlib.suppress(NotFound):
            await intake.call("POST", f"/v1/internal/visitors/{visitor_ref}/destroy", token=token)

    return destroy


async def run_once(
    settings: CasesSettings, *, dry_run: bool, now: dt.datetime | None = None
) -> RetentionReport:
    """One run against the configured database and intake (what `ombuds retention run` does)."""
    engine = create_engine(settings.resolved_database_url, pool_size=2)
    intake = ServiceClient(
        settings.intake_url, name="intake", timeout_seconds=settings.peer_timeout_seconds
    )
    private = load_or_create_key(settings.resolved_signing_key_file, create=settings.is_development)
    key_store = open_key_store(settings)
    try:
        return await service.run(
            session_maker=create_session_maker(engine),
            key_store=key_store,
            destroy_identity=identity_destroyer(intake, SigningKey.for_owner(private, "cases")),
            months=settings.retention_months,
            dry_run=dry_run,
            now=now,
        )
    finally:
        await intake.close()
        await engine.dispose()
        if key_store is not None:
            await key_store.close()


async def periodically(app: FastAPI) -> None:
    """Runs the schedule every `retention_interval_seconds`, for as long as the app runs."""
    settings = settings_of(app, CasesSettings)
    destroy = identity_destroyer(state_of(app).peers["intake"], state_of(app).signing_key)
    while True:
        await asyncio.sleep(settings.retention_interval_seconds)
        try:
            report = await service.run(
                session_maker=state_of(app).session_maker,
                key_store=state_of(app).key_store,
                destroy_identity=destroy,
                months=settings.retention_months,
                dry_run=False,
            )
        except Exception:  # the schedule must survive a bad night; the next run retries
            logger.exception("retention run failed")
            continue
        logger.info(
            "retention run",
            extra={"destroyed": len(report.destroyed), "failed": len(report.failed)},
        )
