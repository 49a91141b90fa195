"""Running mediation's retention schedule: from the `ombuds` command, or periodically inside
the service."""

from __future__ import annotations

import datetime as dt

from fastapi import FastAPI

from mediation.config import MediationSettings
from mediation.retention import service
from ombuds_shared.db import utcnow
from ombuds_shared.dependencies import settings_of, state_of
from ombuds_shared.http import ServiceClient
from ombuds_shared.keys import SigningKey
from ombuds_shared.retention import RetentionReport, RetentionRun, offline_run
from ombuds_shared.tokens import mint_internal_token


def identities_destroyer(intake: ServiceClient, key: SigningKey) -> service.DestroyIdentities:
    """Asks intake to crypto-shred the parties and any identity bound to a mediation
    (idempotent); how many went in this call."""

    async def destroy(mediation_id: str) -> int:
        token = mint_internal_token(key, issuer="mediation", audience="intake", actor=None)
        answer = await intake.call(
            "POST", f"/v1/internal/mediations/{mediation_id}/parties/destroy", token=token
        )
        if not isinstance(answer, dict):
            return 0
        return int(answer["destroyed"]) + int(answer["identities"])

    return destroy


async def run_once(
    settings: MediationSettings, *, dry_run: bool, now: dt.datetime | None = None
) -> RetentionReport:
    """One run against the configured database and intake (what `ombuds retention run` does)."""
    async with offline_run(settings, intake_url=settings.intake_url) as run:
        return await service.run(
            RetentionRun(run.session_maker, settings.retention_months, dry_run, now or utcnow()),
            envelope=run.envelope,
            destroy_identities=identities_destroyer(*run.peer()),
        )


async def run_retention(app: FastAPI) -> RetentionReport:
    """One run inside the running service (its periodic schedule)."""
    settings = settings_of(app, MediationSettings)
    state = state_of(app)
    return await service.run(
        RetentionRun(state.session_maker, settings.retention_months, dry_run=False, now=utcnow()),
        envelope=state.envelope,
        destroy_identities=identities_destroyer(state.peers["intake"], state.signing_key),
    )
