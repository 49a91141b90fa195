from pathlib import Path

from fastapi import FastAPI

from intake.api import ROUTERS
from intake.config import IntakeSettings
from intake.request.fingerprint import load_fingerprint_key
from intake.request.router import hot_routes
from ombuds_shared.app import create_service_app
from ombuds_shared.db import GroupedInserts

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: IntakeSettings | None = None) -> FastAPI:
    """Builds the intake service."""
    settings = settings or IntakeSettings()
    return create_service_app(
        settings,
        title="Ombuds intake service",
        description="The visitor identity vault and intake requests.",
        routers=ROUTERS,
        trusted_peers=("cases", "mediation"),
        peer_urls={"cases": settings.cases_url},
        hot_routes=hot_routes,
        on_startup=_with_submission_inserts,
    )


async def _with_submission_inserts(app: FastAPI) -> None:
    """Submissions arriving together are inserted together (see GroupedInserts); their
    fingerprints are keyed with intake's own secret."""
    app.state.fingerprint_key = load_fingerprint_key(app.state.settings)
    app.state.submission_inserts = GroupedInserts(app.state.hot_pool)
