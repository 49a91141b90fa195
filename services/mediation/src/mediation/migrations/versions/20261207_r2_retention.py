"""Mediation's retention schedule: a mediation records when its content was destroyed,
and a destruction record (counts and dates, no content) says what went.

Revision ID: 20261207_r2
Revises: 20261207_p2
Create Date: 2026-12-07 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_r2"
down_revision: str | None = "20261207_p2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("mediation") as batch:
        batch.add_column(sa.Column("destroyed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "mediation_destruction",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("mediation_id", sa.String(length=36), nullable=False),
        sa.Column("destroyed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("run_by", sa.String(length=200), nullable=False),
        sa.Column("notes", sa.Integer(), nullable=False),
        sa.Column("parties", sa.Integer(), nullable=False),
        sa.Column("identities", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mediation_id"],
            ["mediation.id"],
            name=op.f("fk_mediation_destruction_mediation_id_mediation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mediation_destruction")),
        sa.UniqueConstraint("mediation_id", name=op.f("uq_mediation_destruction_mediation_id")),
    )


def downgrade() -> None:
    op.drop_table("mediation_destruction")
    with op.batch_alter_table("mediation") as batch:
        batch.drop_column("destroyed_at")
