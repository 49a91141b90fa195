"""Staff headcounts, outreach activities and anonymous survey responses.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 16:58:53.324847
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "exit_survey_response",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("helpful", sa.SmallInteger(), nullable=False),
        sa.Column("respected", sa.SmallInteger(), nullable=False),
        sa.Column("would_recommend", sa.Boolean(), nullable=False),
        sa.Column("matter_resolved", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exit_survey_response")),
    )
    with op.batch_alter_table("exit_survey_response", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exit_survey_response_year"), ["year"], unique=False)

    op.create_table(
        "outreach_activity",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("activity_type", sa.String(length=40), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("office", sa.String(length=40), nullable=False),
        sa.Column("pillar", sa.String(length=40), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_activity")),
    )
    with op.batch_alter_table("outreach_activity", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outreach_activity_year_type", ["year", "activity_type"], unique=False
        )

    op.create_table(
        "staff_headcount",
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("pillar", sa.String(length=40), nullable=False),
        sa.Column("international", sa.Integer(), nullable=False),
        sa.Column("national", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", "pillar", name=op.f("pk_staff_headcount")),
    )
    op.create_table(
        "workplace_survey_response",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("pillar", sa.String(length=40), nullable=False),
        sa.Column("office", sa.String(length=40), nullable=False),
        sa.Column("conflict", sa.Boolean(), nullable=False),
        sa.Column("stressed", sa.Boolean(), nullable=False),
        sa.Column("hours_on_conflict", sa.Float(), nullable=False),
        sa.Column("workload", sa.Boolean(), nullable=True),
        sa.Column("role_clarity", sa.Boolean(), nullable=True),
        sa.Column("supervisor_support", sa.Boolean(), nullable=True),
        sa.Column("colleague_relations", sa.Boolean(), nullable=True),
        sa.Column("recognition", sa.Boolean(), nullable=True),
        sa.Column("fairness", sa.Boolean(), nullable=True),
        sa.Column("communication", sa.Boolean(), nullable=True),
        sa.Column("change_management", sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workplace_survey_response")),
    )
    with op.batch_alter_table("workplace_survey_response", schema=None) as batch_op:
        batch_op.create_index(
            "ix_workplace_survey_response_year", ["year", "pillar", "office"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("workplace_survey_response", schema=None) as batch_op:
        batch_op.drop_index("ix_workplace_survey_response_year")

    op.drop_table("workplace_survey_response")
    op.drop_table("staff_headcount")
    with op.batch_alter_table("outreach_activity", schema=None) as batch_op:
        batch_op.drop_index("ix_outreach_activity_year_type")

    op.drop_table("outreach_activity")
    with op.batch_alter_table("exit_survey_response", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exit_survey_response_year"))

    op.drop_table("exit_survey_response")
