from pathlib import Path

from fastapi import FastAPI

from intake.api import ROUTERS
from intake.audit.service import AUDIT
from intake.config import IntakeSettings
from intake.directory.relay import directory_relay
from intake.receipt.codes import receipt_key
from intake.request.fingerprint import load_fingerprint_key
from intake.request.models import WebhookOutbox
from intake.request.submitter import convert_plain_submitters, submitter_key
from intake.retention.runner import run_retention
from intake.state import IntakeState, intake_state
from ombuds_shared.app import create_service_app, with_webhook_relay
from ombuds_shared.db import GroupedInserts
from ombuds_shared.dependencies import settings_of, state_of
from ombuds_shared.retention import with_periodic_schedule

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: IntakeSettings | None = None) -> FastAPI:
    """Builds the intake service."""
    settings = settings or IntakeSettings()
    app = create_service_app(
        settings,
        title="Ombuds intake service",
        description="The identity vault (visitors and mediation parties) and intake requests.",
        routers=ROUTERS,
        trusted_peers=("cases", "mediation"),
        peer_urls={
            "cases": settings.cases_url,
            "mediation": settings.mediation_url,
            "analytics": settings.analytics_url,
        },
        on_startup=_with_submission_inserts,
        on_shutdown=_stop_directory_relay,
    )
    with_webhook_relay(app, WebhookOutbox, mediation_url=settings.mediation_url)
    if settings.retention_interval_seconds > 0:
        with_periodic_schedule(
            app, run_retention, every_seconds=settings.retention_interval_seconds
        )
    return app


async def _with_submission_inserts(app: FastAPI) -> None:
    """Submissions arriving together are inserted together (see GroupedInserts); reveals
    of identities are recorded through one group-committing log (see ReadLog); fingerprints
    are keyed with intake's own secret."""
    state = state_of(app)
    fingerprint_key = load_fingerprint_key(settings_of(app, IntakeSettings))
    keyed_submitters = submitter_key(fingerprint_key)
    # Requests stored before submitters were keyed: only this process holds the key.
    await convert_plain_submitters(state.engine, keyed_submitters)
    relay = directory_relay(app)
    state.own = IntakeState(
        fingerprint_key=fingerprint_key,
        receipt_key=receipt_key(fingerprint_key),
        submitter_key=keyed_submitters,
        submission_inserts=GroupedInserts(state.engine),
        directory_relay=relay,
    )
    AUDIT.attach_read_log(app)
    relay.start()


async def _stop_directory_relay(app: FastAPI) -> None:
    await intake_state(app).directory_relay.stop()
