"""`python -m analytics.migrate [--check]`: brings the analytics database to the latest revision."""

import sys

from analytics.config import AnalyticsSettings
from analytics.main import MIGRATIONS
from ombuds_shared.migrations import migrate_main

if __name__ == "__main__":
    sys.exit(migrate_main(AnalyticsSettings(), MIGRATIONS))
