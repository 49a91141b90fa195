"""A declared conflict of interest stays until the office's chief clears it, with a reason.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 20:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("conflict_declaration") as batch:
        batch.add_column(sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("cleared_by", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("cleared_reason", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conflict_declaration") as batch:
        batch.drop_column("cleared_reason")
        batch.drop_column("cleared_by")
        batch.drop_column("cleared_at")
