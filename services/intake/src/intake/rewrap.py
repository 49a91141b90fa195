"""`python -m intake.rewrap [--status]`: re-wraps the identity vault's data keys under the newest
master key, so that an older one can leave the ring (docs/operations.md, key rotation)."""

import sys

from intake.config import IntakeSettings
from intake.vault.models import MediationParty, Visitor
from intake.vault.parties import party_context
from intake.vault.service import visitor_context
from ombuds_shared.rewrap import WrappedKeyColumn, rewrap_main

# Every column of this service that holds a data key wrapped by the master key.
WRAPPED_KEYS = (
    WrappedKeyColumn(Visitor.__table__.c.wrapped_key, visitor_context),
    WrappedKeyColumn(MediationParty.__table__.c.wrapped_key, party_context),
)

if __name__ == "__main__":
    sys.exit(rewrap_main(IntakeSettings(), WRAPPED_KEYS))
