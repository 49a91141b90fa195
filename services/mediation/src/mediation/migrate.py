"""`python -m mediation.migrate [--check]`: brings the mediation database to the latest revision."""

import sys

from mediation.config import MediationSettings
from mediation.main import MIGRATIONS
from mediation.rewrap import LEGACY_WRAPPED_KEYS
from ombuds_shared.migrations import migrate_main

if __name__ == "__main__":
    sys.exit(migrate_main(MediationSettings(), MIGRATIONS, legacy_keys=LEGACY_WRAPPED_KEYS))
