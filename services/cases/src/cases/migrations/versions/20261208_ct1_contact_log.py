"""The contact log of a case: date, medium, minutes and roles (no names, no content).

Revision ID: 20261208_ct1
Revises: 20261208_of2
Create Date: 2026-12-08 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261208_ct1"
down_revision: str | None = "20261208_of2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_contact",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("contacted_on", sa.Date(), nullable=False),
        sa.Column("medium", sa.String(length=20), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("participants", sa.String(length=120), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_case_contact_case_id_case_file")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_contact")),
    )
    with op.batch_alter_table("case_contact", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_contact_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_contact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_contact_case_id"))
    op.drop_table("case_contact")
