"""What the analytics service holds beyond every service's ServiceState."""

from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette

from ombuds_shared.dependencies import own_state
from ombuds_shared.tokens import TokenVerifier


@dataclass(slots=True)
class AnalyticsState:
    # Admits the gateway's event token only.
    event_verifier: TokenVerifier
    # Admits the exit-survey tokens of the services that close matters.
    exit_token_verifier: TokenVerifier
    # Keys the hashes of spent exit-survey tokens.
    exit_token_key: bytes
    # Protected cubes, per data version (see statistics.service.Reader).
    statistics_cache: dict[Any, Any] = field(default_factory=dict)


def analytics_state(app: Starlette) -> AnalyticsState:
    """The analytics service's own state (set by its startup hook)."""
    return own_state(app, AnalyticsState)
