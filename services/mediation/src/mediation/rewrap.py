"""`python -m mediation.rewrap [--status]`: re-wraps the data keys of the mediators' notes under
the newest master key, so that an older one can leave the ring (docs/operations.md, key
rotation)."""

import sys

from mediation.config import MediationSettings
from mediation.note.service import notes_context
from ombuds_shared.keymove import LegacyKeyColumn
from ombuds_shared.rewrap import STORED_KEYS, rewrap_main

# Every column that holds a data key wrapped by the master key: the key store's only.
WRAPPED_KEYS = (STORED_KEYS,)
# Where releases before the key store kept them; `ombuds migrate` moves them to the store.
LEGACY_WRAPPED_KEYS = (LegacyKeyColumn("mediation", "notes_wrapped_key", notes_context),)

if __name__ == "__main__":
    sys.exit(rewrap_main(MediationSettings(), WRAPPED_KEYS))
