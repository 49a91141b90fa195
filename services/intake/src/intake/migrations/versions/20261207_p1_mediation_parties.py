"""The parties of mediations in the vault: each sealed under its own data key and bound to
one mediation and its office.

Parties added before this revision stay opaque references in the mediation service with no
identity behind them (nothing to migrate here).

Revision ID: 20261207_p1
Revises: 0003
Create Date: 2026-12-07 00:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_p1"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mediation_party",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("mediation_id", sa.String(length=36), nullable=False),
        sa.Column("office", sa.String(length=40), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=True),
        sa.Column("name_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("role_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("email_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("phone_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("preferred_contact_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("destroyed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mediation_party")),
        sa.UniqueConstraint("ref", name=op.f("uq_mediation_party_ref")),
    )
    with op.batch_alter_table("mediation_party") as batch:
        batch.create_index(
            batch.f("ix_mediation_party_mediation_id"), ["mediation_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("mediation_party")
