from pathlib import Path

from fastapi import FastAPI

from cases.api import ROUTERS
from cases.audit.service import AUDIT
from cases.case.service import CaseOpenings, case_reads
from cases.config import CasesSettings
from cases.outbox import OutboxEvent, WebhookOutbox
from cases.retention.runner import run_retention
from cases.state import CasesState
from ombuds_shared.app import create_service_app, with_webhook_relay
from ombuds_shared.dependencies import state_of
from ombuds_shared.retention import with_periodic_schedule

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: CasesSettings | None = None) -> FastAPI:
    """Builds the cases service."""
    settings = settings or CasesSettings()
    app = create_service_app(
        settings,
        title="Ombuds cases service",
        description="Ombudsman cases. Reached only through the gateway or by peer services.",
        routers=ROUTERS,
        trusted_peers=("intake", "mediation"),
        peer_urls={"intake": settings.intake_url, "mediation": settings.mediation_url},
        outbox_model=OutboxEvent,
        on_startup=_with_reads,
    )
    with_webhook_relay(app, WebhookOutbox, mediation_url=settings.mediation_url)
    if settings.retention_interval_seconds > 0:
        with_periodic_schedule(
            app, run_retention, every_seconds=settings.retention_interval_seconds
        )
    return app


async def _with_reads(app: FastAPI) -> None:
    """Every session of the service records its reads through one group-committing log;
    case reads by id are batched (see case_reads), and so are case openings (CaseOpenings)."""
    engine = state_of(app).engine
    state_of(app).own = CasesState(
        case_reads=case_reads(engine),
        case_openings=CaseOpenings(engine),
        read_log=AUDIT.attach_read_log(app),
    )
