"""The staff roster's copy: who may be assigned, pushed by intake's directory.

Offices need no migration any more: intake's directory pushes each change to the
office table (see ombuds_shared.directory).

Revision ID: 20261208_of3
Revises: 20261208_ct2
Create Date: 2026-12-08 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261208_of3"
down_revision: str | None = "20261208_ct2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_member",
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("office", sa.String(length=40), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("subject", name=op.f("pk_staff_member")),
    )
    with op.batch_alter_table("staff_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_member_office"), ["office"], unique=False)


def downgrade() -> None:
    op.drop_table("staff_member")
