"""Running the retention schedule: from the `ombuds` command, or periodically inside the service."""

from __future__ import annotations

import contextlib
import datetime as dt

from fastapi import FastAPI

from cases.config import CasesSettings
from cases.retention import service
from ombuds_shared.db import utcnow
from ombuds_shared.dependencies import settings_of, state_of
from ombuds_shared.errors import NotFound
from ombuds_shared.http import ServiceClient
from ombuds_shared.keys import SigningKey
from ombuds_shared.retention import RetentionReport, RetentionRun, offline_run
from ombuds_shared.tokens import mint_internal_token


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
    async with offline_run(settings, intake_url=settings.intake_url) as run:
        return await service.run(
            RetentionRun(run.session_maker, settings.retention_months, dry_run, now or utcnow()),
            key_store=run.envelope.store,
            destroy_identity=identity_destroyer(*run.peer()),
        )


async def run_retention(app: FastAPI) -> RetentionReport:
    """One run inside the running service (its periodic schedule)."""
    state = state_of(app)
    months = settings_of(app, CasesSettings).retention_months
    return await service.run(
        RetentionRun(state.session_maker, months, dry_run=False, now=utcnow()),
        key_store=state.key_store,
        destroy_identity=identity_destroyer(state.peers["intake"], state.signing_key),
    )
