"""`python -m cases.rewrap [--status]`: re-wraps the cases' data keys (notes, consents,
disclosures are sealed under them) under the newest master key, so that an older one can leave
the ring (docs/operations.md, key rotation)."""

import sys

from cases.case.service import case_context
from cases.config import CasesSettings
from ombuds_shared.keymove import LegacyKeyColumn
from ombuds_shared.rewrap import STORED_KEYS, rewrap_main

# Every column that holds a data key wrapped by the master key: the key store's only.
WRAPPED_KEYS = (STORED_KEYS,)
# Where releases before the key store kept them; `ombuds migrate` moves them to the store.
LEGACY_WRAPPED_KEYS = (LegacyKeyColumn("case_file", "wrapped_key", case_context),)

if __name__ == "__main__":
    sys.exit(rewrap_main(CasesSettings(), WRAPPED_KEYS))
