"""Sessions planned ahead: a time in a time zone, a venue, a status and a history of changes.

Sessions recorded before this revision were all recorded after the fact: they become
`held`, with no time of day (only `held_on`), as they were.

Revision ID: 20261208_sc1
Revises: 20261208_rf1
Create Date: 2026-12-08 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261208_sc1"
down_revision: str | None = "20261208_rf1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("mediation_session") as batch:
        batch.add_column(sa.Column("status", sa.String(20), nullable=False, server_default="held"))
        batch.add_column(sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("time_zone", sa.String(64), nullable=True))
        batch.add_column(sa.Column("venue", sa.String(300), nullable=True))
        batch.add_column(
            sa.Column("venue_in_calendar", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.create_index("ix_mediation_session_status", ["status"])
        batch.create_index("ix_mediation_session_starts_at", ["starts_at"])
    op.create_table(
        "mediation_session_change",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "session_id",
            sa.String(36),
            sa.ForeignKey(
                "mediation_session.id",
                name="fk_mediation_session_change_session_id_mediation_session",
            ),
            nullable=False,
        ),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("change", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(40), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("time_zone", sa.String(64), nullable=True),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("changed_by", sa.String(200), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint(
            "session_id", "sequence", name="uq_mediation_session_change_session_id_sequence"
        ),
    )
    op.create_index(
        "ix_mediation_session_change_session_id", "mediation_session_change", ["session_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_mediation_session_change_session_id", "mediation_session_change")
    op.drop_table("mediation_session_change")
    with op.batch_alter_table("mediation_session") as batch:
        batch.drop_index("ix_mediation_session_starts_at")
        batch.drop_index("ix_mediation_session_status")
        for column in ("venue_in_calendar", "venue", "time_zone", "ends_at", "starts_at"):
            batch.drop_column(column)
        batch.drop_column("status")
