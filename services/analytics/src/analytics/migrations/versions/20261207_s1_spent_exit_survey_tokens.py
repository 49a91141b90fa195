"""Exit-survey tokens spent: a keyed hash each, nothing else.

Revision ID: 20261207_s1
Revises: 0003
Create Date: 2026-12-07 00:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_s1"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "exit_survey_token_spent",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_exit_survey_token_spent")),
    )


def downgrade() -> None:
    op.drop_table("exit_survey_token_spent")
