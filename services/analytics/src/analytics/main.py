from pathlib import Path

from fastapi import FastAPI

from analytics.api import ROUTERS
from analytics.config import AnalyticsSettings
from analytics.state import AnalyticsState
from analytics.survey import service as survey_service
from ombuds_shared.app import create_service_app, internal_key_source
from ombuds_shared.dependencies import state_of
from ombuds_shared.tokens import (
    EVENT_TOKEN_TYPE,
    EXIT_SURVEY_ISSUERS,
    EXIT_SURVEY_TOKEN_TYPE,
    GATEWAY_ISSUER,
    TokenVerifier,
)

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: AnalyticsSettings | None = None) -> FastAPI:
    """Builds the analytics service."""
    settings = settings or AnalyticsSettings()

    async def on_startup(app: FastAPI) -> None:
        state_of(app).own = AnalyticsState(
            # Events come only with the gateway's event token, a type no user token has.
            event_verifier=TokenVerifier(
                internal_key_source(settings),
                audience=settings.service_name,
                issuers={GATEWAY_ISSUER},
                token_type=EVENT_TOKEN_TYPE,
            ),
            # Exit-survey tokens come from the services that close matters, with their own type.
            exit_token_verifier=TokenVerifier(
                internal_key_source(settings),
                audience=settings.service_name,
                issuers=set(EXIT_SURVEY_ISSUERS),
                token_type=EXIT_SURVEY_TOKEN_TYPE,
                required_claims=("exp", "iss", "aud", "sub", "jti"),
            ),
            exit_token_key=survey_service.exit_token_key(
                state_of(app).signing_key.private_key.private_bytes_raw()
            ),
        )

    return create_service_app(
        settings,
        title="Ombuds analytics service",
        description="De-identified facts, the statistics and reports built on them, "
        "outreach, anonymous surveys and staff headcounts.",
        routers=ROUTERS,
        # Intake's directory pushes office changes (reference data, never an identity) to
        # one internal route; every other route refuses its token (require_peer, require_user).
        trusted_peers=("intake",),
        on_startup=on_startup,
    )
