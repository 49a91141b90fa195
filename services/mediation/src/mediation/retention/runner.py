"""Running mediation's retention schedule: from the `ombuds` command, or periodically inside
the service."""

from __future__ import annotations

import dataclasses
import datetime as dt

from fastapi import FastAPI

from mediation.config import MediationSettings
from mediation.retention import service
from ombuds_shared.app import load_envelope, open_key_store
from ombuds_shared.crypto import Envelope
from ombuds_shared.db import create_engine, create_session_maker
from ombuds_shared.dependencies import settings_of, state_of
from ombuds_shared.http import ServiceClient
from ombuds_shared.keys import SigningKey, load_or_create_key
from ombuds_shared.retention import RetentionReport
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
    engine = create_engine(settings.resolved_database_url, pool_size=2)
    intake = ServiceClient(
        settings.intake_url, name="intake", timeout_seconds=settings.peer_timeout_seconds
    )
    private = load_or_create_key(settings.resolved_signing_key_file, create=settings.is_development)
    key_store = open_key_store(settings)
    # Destroying needs the key store only; the ring is there when the service has one.
    ring = load_envelope(settings, create=False) or Envelope({})
    try:
        return await service.run(
            session_maker=create_session_maker(engine),
            envelope=dataclasses.replace(ring, store=key_store),
            destroy_identities=identities_destroyer(
                intake, SigningKey.for_owner(private, "mediation")
            ),
            months=settings.retention_months,
            dry_run=dry_run,
            now=now,
        )
    finally:
        await intake.close()
        await engine.dispose()
        if key_store is not None:
            await key_store.close()


async def run_retention(app: FastAPI) -> RetentionReport:
    """One run inside the running service (its periodic schedule)."""
    settings = settings_of(app, MediationSettings)
    return await service.run(
        session_maker=state_of(app).session_maker,
        envelope=state_of(app).envelope,
        destroy_identities=identities_destroyer(
            state_of(app).peers["intake"], state_of(app).signing_key
        ),
        months=settings.retention_months,
        dry_run=False,
    )
