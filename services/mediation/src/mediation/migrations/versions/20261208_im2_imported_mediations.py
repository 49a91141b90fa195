"""The mediations imported from an office's old system, by their source id (docs/import.md).

Revision ID: 20261208_im2
Revises: 20261208_sc1
Create Date: 2026-12-08 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261208_im2"
down_revision: str | None = "20261208_sc1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "imported_mediation",
        sa.Column("source_system", sa.String(length=60), nullable=False),
        sa.Column("source_id", sa.String(length=100), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("mediation_id", sa.String(length=36), nullable=False),
        sa.Column("imported_by", sa.String(length=200), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["mediation_id"],
            ["mediation.id"],
            name=op.f("fk_imported_mediation_mediation_id_mediation"),
        ),
        sa.PrimaryKeyConstraint("source_system", "source_id", name=op.f("pk_imported_mediation")),
    )
    op.create_index(
        op.f("ix_imported_mediation_mediation_id"), "imported_mediation", ["mediation_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_imported_mediation_mediation_id"), table_name="imported_mediation")
    op.drop_table("imported_mediation")
