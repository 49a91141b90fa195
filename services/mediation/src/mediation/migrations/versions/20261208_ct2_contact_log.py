"""The contact log of a mediation: date, medium, minutes and roles (no names, no content).

Revision ID: 20261208_ct2
Revises: 20261207_k3
Create Date: 2026-12-08 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261208_ct2"
down_revision: str | None = "20261207_k3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mediation_contact",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("mediation_id", sa.String(length=36), nullable=False),
        sa.Column("contacted_on", sa.Date(), nullable=False),
        sa.Column("medium", sa.String(length=20), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("participants", sa.String(length=120), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["mediation_id"],
            ["mediation.id"],
            name=op.f("fk_mediation_contact_mediation_id_mediation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mediation_contact")),
    )
    with op.batch_alter_table("mediation_contact", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mediation_contact_mediation_id"), ["mediation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("mediation_contact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mediation_contact_mediation_id"))
    op.drop_table("mediation_contact")
