"""Facts learn the contact log (sums only) and the days from opening to closing.

Revision ID: 20261208_ct3
Revises: 20261207_s1
Create Date: 2026-12-08 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261208_ct3"
down_revision: str | None = "20261207_s1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _counters() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("contacts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("contact_minutes", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("days_open", sa.Integer(), nullable=True),
    ]


def upgrade() -> None:
    with op.batch_alter_table("case_fact", schema=None) as batch_op:
        for column in _counters():
            batch_op.add_column(column)
    with op.batch_alter_table("mediation_fact", schema=None) as batch_op:
        for column in _counters():
            batch_op.add_column(column)
        batch_op.add_column(sa.Column("days_since_start", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mediation_fact", schema=None) as batch_op:
        for name in ("days_since_start", "days_open", "contact_minutes", "contacts"):
            batch_op.drop_column(name)
    with op.batch_alter_table("case_fact", schema=None) as batch_op:
        for name in ("days_open", "contact_minutes", "contacts"):
            batch_op.drop_column(name)
