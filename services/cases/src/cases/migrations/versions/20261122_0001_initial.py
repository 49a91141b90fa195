"""Initial schema: offices (seeded) and the case file.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 16:29:59.446324
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
    op.create_table(
        "case_file",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("visitor_ref", sa.String(length=64), nullable=False),
        sa.Column("pillar", sa.String(length=40), nullable=False),
        sa.Column("office", sa.String(length=40), nullable=False),
        sa.Column("location", sa.String(length=40), nullable=False),
        sa.Column("occupational_group", sa.String(length=40), nullable=False),
        sa.Column("intake_channel", sa.String(length=40), nullable=False),
        sa.Column("intake_request_id", sa.String(length=36), nullable=True),
        sa.Column("is_group", sa.Boolean(), nullable=False),
        sa.Column("participant_count", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("opened_by", sa.String(length=200), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["office"], ["office.code"], name=op.f("fk_case_file_office_office")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_file")),
        sa.UniqueConstraint("intake_request_id", name=op.f("uq_case_file_intake_request_id")),
    )
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_file_office"), ["office"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_file_visitor_ref"), ["visitor_ref"], unique=False)

    op.bulk_insert(office, initial_office_rows())


def downgrade() -> None:
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_file_visitor_ref"))
        batch_op.drop_index(batch_op.f("ix_case_file_office"))

    op.drop_table("case_file")
    op.drop_table("office")
