"""No residue after destruction: requests record their destruction, the submitter's
subject may be erased, and the unkeyed fingerprints go.

The fingerprints stored so far were plain SHA-256 hashes of whole submissions,
identity included: anyone recomputing one from a guess could match it. They are
cleared here (a replay of such an old submission is then answered 409, the safe
side); new ones are keyed (intake.request.fingerprint). Requests whose identity
was already destroyed lose their submitter and Idempotency-Key as well.

Revision ID: 20261207_r1
Revises: 20261207_p1
Create Date: 2026-12-07 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_r1"
down_revision: str | None = "20261207_p1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("intake_request") as batch:
        batch.add_column(sa.Column("destroyed_at", sa.DateTime(timezone=True), nullable=True))
        batch.alter_column("submitted_by", existing_type=sa.String(length=200), nullable=True)
    op.execute("UPDATE intake_request SET request_hash = NULL")
    op.execute(
        "UPDATE intake_request SET submitted_by = NULL, idempotency_key = NULL, "
        "decline_note_sealed = NULL, "
        "destroyed_at = (SELECT v.destroyed_at FROM visitor v WHERE v.id = visitor_id) "
        "WHERE EXISTS (SELECT 1 FROM visitor v "
        "WHERE v.id = visitor_id AND v.destroyed_at IS NOT NULL)"
    )


def downgrade() -> None:
    op.execute("UPDATE intake_request SET submitted_by = '' WHERE submitted_by IS NULL")
    with op.batch_alter_table("intake_request") as batch:
        batch.alter_column("submitted_by", existing_type=sa.String(length=200), nullable=False)
        batch.drop_column("destroyed_at")
