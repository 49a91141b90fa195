"""Register entries the chief published for the annual report.

Revision ID: 20261208_sy2
Revises: 20261208_ct3
Create Date: 2026-12-08 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261208_sy2"
down_revision: str | None = "20261208_ct3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "published_systemic_issue",
        sa.Column("entry_key", sa.String(length=40), nullable=False),
        sa.Column("published_year", sa.SmallInteger(), nullable=False),
        sa.Column("category", sa.String(length=60), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("observation", sa.Text(), nullable=False),
        sa.Column("recommendation", sa.Text(), nullable=False),
        sa.Column("management_response", sa.Text(), nullable=False),
        sa.Column("offices", sa.Text(), nullable=False),
        sa.Column("pillars", sa.Text(), nullable=False),
        sa.Column("first_reported_year", sa.SmallInteger(), nullable=False),
        sa.Column("status_by_year", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("entry_key", name=op.f("pk_published_systemic_issue")),
    )


def downgrade() -> None:
    op.drop_table("published_systemic_issue")
