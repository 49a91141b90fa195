"""The date the office accepted a referral, as given (the tribunal's suspension runs from it).

Mediations accepted before keep the start of their tribunal suspension, which was
the day of acceptance; others accepted without a tribunal stay unknown (NULL).

Revision ID: 20261208_rf1
Revises: 20261208_of3
Create Date: 2026-12-08 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261208_rf1"
down_revision: str | None = "20261208_of3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("mediation", sa.Column("accepted_on", sa.Date(), nullable=True))
    op.execute(
        "UPDATE mediation SET accepted_on = (SELECT MIN(c.started_on) FROM deadline_clock c "
        "WHERE c.mediation_id = mediation.id AND c.kind = 'tribunal_suspension')"
    )


def downgrade() -> None:
    op.drop_column("mediation", "accepted_on")
