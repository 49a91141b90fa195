"""Initial schema: the office reference table, seeded.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 16:33:20.495359
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ombuds_shared.models import initial_office_rows

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    office = op.create_table(
        "office",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("pillar", sa.String(length=40), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_office")),
    )
    op.bulk_insert(office, initial_office_rows())


def downgrade() -> None:
    op.drop_table("office")
