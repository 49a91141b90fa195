"""`python -m intake.migrate [--check]`: brings the intake database to the latest revision."""

import sys

from intake.config import IntakeSettings
from intake.main import MIGRATIONS
from intake.rewrap import LEGACY_WRAPPED_KEYS
from ombuds_shared.migrations import migrate_main

if __name__ == "__main__":
    sys.exit(migrate_main(IntakeSettings(), MIGRATIONS, legacy_keys=LEGACY_WRAPPED_KEYS))
