"""The contact sums and the days to resolution of cases in the rollup.

`case_count` gains four dimensions, rebuilt here from the case facts, so that the workload
statistics read the rollup instead of scanning every case:
- `contacted` (per opening year): cases with a contact logged; `contacts` and
  `contact_minutes`: the sums of their contact log (the `count` column holds the sum);
- `days_open` (per closing year, the days as the value): cases closed with that duration.

Revision ID: 20261210_sp1
Revises: 20261209_dc1
Create Date: 2026-12-10 00:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "20261210_sp1"
down_revision: str | None = "20261209_dc1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Constant statements (no value of the data is spliced into them).
_BACKFILL = (
    "INSERT INTO case_count (dimension, year, pillar, office, value, count) "
    "SELECT 'contacted', opened_year, pillar, office, '', COUNT(*) FROM case_fact "
    "WHERE contacts > 0 GROUP BY opened_year, pillar, office",
    "INSERT INTO case_count (dimension, year, pillar, office, value, count) "
    "SELECT 'contacts', opened_year, pillar, office, '', SUM(contacts) FROM case_fact "
    "WHERE contacts > 0 GROUP BY opened_year, pillar, office",
    "INSERT INTO case_count (dimension, year, pillar, office, value, count) "
    "SELECT 'contact_minutes', opened_year, pillar, office, '', SUM(contact_minutes) "
    "FROM case_fact WHERE contacts > 0 GROUP BY opened_year, pillar, office",
    "INSERT INTO case_count (dimension, year, pillar, office, value, count) "
    "SELECT 'days_open', closed_year, pillar, office, CAST(days_open AS VARCHAR(40)), "
    "COUNT(*) FROM case_fact WHERE closed_year IS NOT NULL AND days_open IS NOT NULL "
    "GROUP BY closed_year, pillar, office, days_open",
)


def upgrade() -> None:
    for statement in _BACKFILL:
        op.execute(statement)
    op.execute("UPDATE data_version SET version = version + 1")


def downgrade() -> None:
    op.execute(
        "DELETE FROM case_count "
        "WHERE dimension IN ('contacted', 'contacts', 'contact_minutes', 'days_open')"
    )
