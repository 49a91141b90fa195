"""Data keys leave the cases database: they live in the key store now.

The wrapped data keys move to the service's key store (ombuds_shared.keystore),
where deleting one is physical, before this migration runs: `ombuds migrate`
and `python -m cases.migrate` move them first (ombuds_shared.keymove). This
migration refuses to drop a column that still holds a key, so no key is lost
when the move was skipped.

Revision ID: 20261207_k2
Revises: 0003
Create Date: 2026-12-07 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_k2"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    left = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM case_file WHERE wrapped_key IS NOT NULL")
    )
    if left:
        raise RuntimeError(
            f"{left} data key(s) are still in case_file.wrapped_key: run `ombuds migrate` or "
            "`python -m cases.migrate`, which move them to the key store first"
        )
    # A plain DROP COLUMN (SQLite 3.35+): no copy of the table, whose rows others reference.
    op.drop_column("case_file", "wrapped_key")


def downgrade() -> None:
    # The keys stay in the key store; the column comes back empty.
    op.add_column("case_file", sa.Column("wrapped_key", sa.LargeBinary(), nullable=True))
