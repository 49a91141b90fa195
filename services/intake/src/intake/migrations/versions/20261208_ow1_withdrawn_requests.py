"""A visitor may withdraw a request not yet triaged: when, kept as a de-identified fact.

Revision ID: 20261208_ow1
Revises: 20261208_an1
Create Date: 2026-12-08 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261208_ow1"
down_revision: str | None = "20261208_an1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN: no copy of the table, whose rows others reference.
    op.add_column(
        "intake_request", sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("intake_request") as batch:
        batch.drop_column("withdrawn_at")
