"""Anonymous requests: the keyed hash of a request's receipt code.

Revision ID: 20261208_an1
Revises: 20261207_k1
Create Date: 2026-12-08 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261208_an1"
down_revision: str | None = "20261207_k1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("intake_request") as batch:
        batch.add_column(sa.Column("receipt_hash", sa.String(64), nullable=True))
        batch.create_unique_constraint("uq_intake_request_receipt_hash", ["receipt_hash"])


def downgrade() -> None:
    with op.batch_alter_table("intake_request") as batch:
        batch.drop_constraint("uq_intake_request_receipt_hash", type_="unique")
        batch.drop_column("receipt_hash")
