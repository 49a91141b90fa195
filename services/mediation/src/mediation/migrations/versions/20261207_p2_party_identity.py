"""Parties with an identity: the vault's reference, and a flag that one is sealed there.

Parties added before this revision keep their opaque references and have no identity behind
them (`has_identity` false); a mediator who needs one adds the party again with its identity.

Revision ID: 20261207_p2
Revises: 20261207_a1
Create Date: 2026-12-07 00:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_p2"
down_revision: str | None = "20261207_a1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("mediation_party") as batch:
        batch.add_column(
            sa.Column("has_identity", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("mediation_party") as batch:
        batch.drop_column("has_identity")
