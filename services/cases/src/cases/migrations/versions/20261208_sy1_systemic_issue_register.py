"""The systemic-issue register: entries independent of cases, and every change to them.

Revision ID: 20261208_sy1
Revises: 20261208_ow2
Create Date: 2026-12-08 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261208_sy1"
down_revision: str | None = "20261208_ow2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "systemic_entry",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("office", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("observation", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=60), nullable=False),
        sa.Column("offices", sa.Text(), nullable=False),
        sa.Column("pillars", sa.Text(), nullable=False),
        sa.Column("first_reported_year", sa.Integer(), nullable=False),
        sa.Column("recommendation", sa.Text(), nullable=False),
        sa.Column("management_response", sa.Text(), nullable=False),
        sa.Column("status_by_year", sa.Text(), nullable=False),
        sa.Column("publishable", sa.Boolean(), nullable=False),
        sa.Column("published_by", sa.String(length=200), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_systemic_entry")),
    )
    with op.batch_alter_table("systemic_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_systemic_entry_office"), ["office"], unique=False)

    op.create_table(
        "systemic_entry_change",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("entry_id", sa.String(length=36), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.Column("changed_by", sa.String(length=200), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["systemic_entry.id"],
            name=op.f("fk_systemic_entry_change_entry_id_systemic_entry"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_systemic_entry_change")),
    )
    with op.batch_alter_table("systemic_entry_change", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_systemic_entry_change_entry_id"), ["entry_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("systemic_entry_change")
    op.drop_table("systemic_entry")
