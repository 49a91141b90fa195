"""`python -m mediation.rewrap [--status]`: re-wraps the data keys of the mediators' notes under
the newest master key, so that an older one can leave the ring (docs/operations.md, key
rotation)."""

import sys

from mediation.case.models import Mediation
from mediation.config import MediationSettings
from mediation.note.service import notes_context
from ombuds_shared.rewrap import WrappedKeyColumn, rewrap_main

# Every column of this service that holds a data key wrapped by the master key.
WRAPPED_KEYS = (WrappedKeyColumn(Mediation.__table__.c.notes_wrapped_key, notes_context),)

if __name__ == "__main__":
    sys.exit(rewrap_main(MediationSettings(), WRAPPED_KEYS))
