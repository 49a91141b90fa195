"""Development tokens, minted with the gateway's built-in issuer key in the data folder."""

from __future__ import annotations

from pathlib import Path

from gateway.config import GatewaySettings
from gateway.dev_issuer import DEFAULT_LIFETIME_SECONDS, mint_dev_token


def dev_token(
    data_dir: Path,
    *,
    role: str,
    subject: str | None = None,
    office: str | None = None,
    tribunal: str | None = None,
    lifetime: int = DEFAULT_LIFETIME_SECONDS,
) -> str:
    settings = GatewaySettings(data_dir=data_dir, oidc_jwks_url=None)
    return mint_dev_token(
        settings,
        subject=subject or f"dev-{role}",
        roles=[role],
        office=office,
        tribunal=tribunal,
        lifetime=lifetime,
    )
