"""`python -m cases.rewrap [--status]`: re-wraps the cases' data keys (notes, consents,
disclosures are sealed under them) under the newest master key, so that an older one can leave
the ring (docs/operations.md, key rotation)."""

import sys

from cases.case.models import CaseFile
from cases.case.service import case_context
from cases.config import CasesSettings
from ombuds_shared.rewrap import WrappedKeyColumn, rewrap_main

# Every column of this service that holds a data key wrapped by the master key.
WRAPPED_KEYS = (WrappedKeyColumn(CaseFile.__table__.c.wrapped_key, case_context),)

if __name__ == "__main__":
    sys.exit(rewrap_main(CasesSettings(), WRAPPED_KEYS))
