"""`python -m intake.rewrap [--status]`: re-wraps the identity vault's data keys under the newest
master key, so that an older one can leave the ring (docs/operations.md, key rotation)."""

import sys

from intake.config import IntakeSettings
from intake.vault.parties import party_context
from intake.vault.service import visitor_context
from ombuds_shared.keymove import LegacyKeyColumn
from ombuds_shared.rewrap import STORED_KEYS, rewrap_main

# Every column that holds a data key wrapped by the master key: the key store's only.
WRAPPED_KEYS = (STORED_KEYS,)
# Where releases before the key store kept them; `ombuds migrate` moves them to the store.
LEGACY_WRAPPED_KEYS = (
    LegacyKeyColumn("visitor", "wrapped_key", visitor_context),
    LegacyKeyColumn("mediation_party", "wrapped_key", party_context),
)

if __name__ == "__main__":
    sys.exit(rewrap_main(IntakeSettings(), WRAPPED_KEYS))
