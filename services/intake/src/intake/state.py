"""What the intake service holds beyond every service's ServiceState."""

from dataclasses import dataclass

from starlette.applications import Starlette

from ombuds_shared.db import GroupedInserts
from ombuds_shared.dependencies import own_state
from ombuds_shared.outbox import OutboxRelay


@dataclass(slots=True)
class IntakeState:
    # Intake's own secret (fingerprints of submissions) and the keys derived from it.
    fingerprint_key: bytes
    receipt_key: bytes
    submitter_key: bytes
    # Submissions arriving together are inserted together.
    submission_inserts: GroupedInserts
    # Pushes office and staff changes to the other services.
    directory_relay: OutboxRelay


def intake_state(app: Starlette) -> IntakeState:
    """The intake service's own state (set by its startup hook)."""
    return own_state(app, IntakeState)
