"""Intake's directory: the staff roster, and the outbox of directory changes.

Offices and the roster are administered here (the one source of truth) and pushed
to cases, mediation and analytics through the `directory_change` outbox; no office
needs a migration any more.

Revision ID: 20261208_of1
Revises: 20261208_ow1
Create Date: 2026-12-08 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261208_of1"
down_revision: str | None = "20261208_ow1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_member",
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("display_name_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("office", sa.String(length=40), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("subject", name=op.f("pk_staff_member")),
    )
    with op.batch_alter_table("staff_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_member_office"), ["office"], unique=False)
    op.create_table(
        "directory_change",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("event_type", sa.String(length=60), nullable=False),
        sa.Column("aggregate_id", sa.String(length=36), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_change")),
        sa.UniqueConstraint("event_id", name=op.f("uq_directory_change_event_id")),
    )
    with op.batch_alter_table("directory_change", schema=None) as batch_op:
        batch_op.create_index("ix_directory_change_pending", ["delivered_at", "id"], unique=False)


def downgrade() -> None:
    op.drop_table("directory_change")
    op.drop_table("staff_member")
