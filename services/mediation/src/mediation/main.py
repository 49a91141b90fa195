from pathlib import Path

from fastapi import FastAPI

from mediation.api import ROUTERS
from mediation.audit.service import AUDIT
from mediation.certificate.cache import LookupCache
from mediation.certificate.signing import CertificateKeys
from mediation.config import MediationSettings
from mediation.models import register_all
from mediation.outbox import OutboxEvent
from mediation.retention.runner import run_retention
from mediation.state import MediationState
from mediation.webhook.delivery import with_webhooks
from ombuds_shared.app import create_service_app
from ombuds_shared.dependencies import state_of
from ombuds_shared.retention import with_periodic_schedule

MIGRATIONS = Path(__file__).parent / "migrations"

register_all()


def create_app(settings: MediationSettings | None = None) -> FastAPI:
    """Builds the mediation service."""
    settings = settings or MediationSettings()

    async def load_certificate_keys(app: FastAPI) -> None:
        """Loads the certificate key ring (creating it in development), the lookup cache and
        the audit log of reads."""
        state_of(app).own = MediationState(
            certificate_keys=CertificateKeys.load(
                settings.resolved_certificate_key_files, create=settings.is_development
            ),
            certificate_cache=LookupCache(settings.certificate_cache_seconds),
        )
        # Reads of notes are recorded through one group-committing log (see ReadLog).
        AUDIT.attach_read_log(app)

    app = create_service_app(
        settings,
        title="Ombuds mediation service",
        description="Mediation cases, the deadline ledger and tribunal certificates.",
        routers=ROUTERS,
        trusted_peers=("cases", "intake"),
        peer_urls={"intake": settings.intake_url},
        on_startup=load_certificate_keys,
        outbox_model=OutboxEvent,
    )
    # Webhooks: the dispatcher of the delivery outbox and the deadline scan (docs/webhooks.md).
    with_webhooks(app)
    if settings.retention_interval_seconds > 0:
        with_periodic_schedule(
            app, run_retention, every_seconds=settings.retention_interval_seconds
        )
    return app
