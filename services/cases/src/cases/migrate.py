"""`python -m cases.migrate [--check]`: brings the cases database to the latest revision."""

import sys

from cases.config import CasesSettings
from cases.main import MIGRATIONS
from cases.rewrap import LEGACY_WRAPPED_KEYS
from ombuds_shared.migrations import migrate_main

if __name__ == "__main__":
    sys.exit(migrate_main(CasesSettings(), MIGRATIONS, legacy_keys=LEGACY_WRAPPED_KEYS))
