"""Secure messages between a case's visitor and its assigned ombudsman (sealed).

Revision ID: 20261208_an2
Revises: 20261207_k2
Create Date: 2026-12-08 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261208_an2"
down_revision: str | None = "20261207_k2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_message",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("sender", sa.String(20), nullable=False),
        sa.Column("author", sa.String(200), nullable=True),
        sa.Column("body_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name="fk_case_message_case_id_case_file"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_case_message"),
    )
    op.create_index("ix_case_message_case_id", "case_message", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_case_message_case_id", table_name="case_message")
    op.drop_table("case_message")
