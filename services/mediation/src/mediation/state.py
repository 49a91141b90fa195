"""What the mediation service holds beyond every service's ServiceState."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.applications import Starlette

from mediation.certificate.cache import LookupCache
from mediation.certificate.signing import CertificateKeys
from ombuds_shared.dependencies import own_state

if TYPE_CHECKING:
    # The dispatcher reads this state: a runtime import would be circular.
    from mediation.webhook.delivery import WebhookDispatcher


@dataclass(slots=True)
class MediationState:
    certificate_keys: CertificateKeys
    certificate_cache: LookupCache
    # Set once the app is up (see with_webhooks); None before, and in tools without it.
    webhook_dispatcher: WebhookDispatcher | None = None


def mediation_state(app: Starlette) -> MediationState:
    """The mediation service's own state (set by its startup hook)."""
    return own_state(app, MediationState)
