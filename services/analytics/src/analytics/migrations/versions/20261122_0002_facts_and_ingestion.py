"""De-identified facts, their rollup, and the ledger of ingested events.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 16:53:28.889529
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_count",
        sa.Column("dimension", sa.String(length=40), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("pillar", sa.String(length=40), nullable=False),
        sa.Column("office", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=40), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "dimension", "year", "pillar", "office", "value", name=op.f("pk_case_count")
        ),
    )
    op.create_table(
        "case_fact",
        sa.Column("case_key", sa.String(length=40), nullable=False),
        sa.Column("opened_year", sa.SmallInteger(), nullable=False),
        sa.Column("opened_month", sa.SmallInteger(), nullable=False),
        sa.Column("pillar", sa.String(length=40), nullable=False),
        sa.Column("office", sa.String(length=40), nullable=False),
        sa.Column("location", sa.String(length=40), nullable=False),
        sa.Column("occupational_group", sa.String(length=40), nullable=False),
        sa.Column("intake_channel", sa.String(length=40), nullable=False),
        sa.Column("is_group", sa.Boolean(), nullable=False),
        sa.Column("participant_count", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("closed_year", sa.SmallInteger(), nullable=True),
        sa.Column("closure_reason", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("case_key", name=op.f("pk_case_fact")),
    )
    with op.batch_alter_table("case_fact", schema=None) as batch_op:
        batch_op.create_index(
            "ix_case_fact_year_pillar_office", ["opened_year", "pillar", "office"], unique=False
        )

    op.create_table(
        "case_issue",
        sa.Column("case_key", sa.String(length=40), nullable=False),
        sa.Column("issue_code", sa.String(length=40), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("case_key", "issue_code", name=op.f("pk_case_issue")),
    )
    op.create_table(
        "case_tag",
        sa.Column("case_key", sa.String(length=40), nullable=False),
        sa.Column("systemic_issue", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("case_key", "systemic_issue", name=op.f("pk_case_tag")),
    )
    data_version = op.create_table(
        "data_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_version")),
    )
    op.create_table(
        "ingested_event",
        sa.Column("event_id", sa.String(length=40), nullable=False),
        sa.Column("event_type", sa.String(length=60), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_ingested_event")),
    )
    op.create_table(
        "mediation_fact",
        sa.Column("mediation_key", sa.String(length=40), nullable=False),
        sa.Column("opened_year", sa.SmallInteger(), nullable=False),
        sa.Column("opened_month", sa.SmallInteger(), nullable=False),
        sa.Column("pillar", sa.String(length=40), nullable=False),
        sa.Column("office", sa.String(length=40), nullable=False),
        sa.Column("referral_source", sa.String(length=40), nullable=False),
        sa.Column("is_group", sa.Boolean(), nullable=False),
        sa.Column("participant_count", sa.Integer(), nullable=True),
        sa.Column("from_case", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        sa.Column("sessions", sa.Integer(), nullable=False),
        sa.Column("extensions", sa.Integer(), nullable=False),
        sa.Column("closed_year", sa.SmallInteger(), nullable=True),
        sa.PrimaryKeyConstraint("mediation_key", name=op.f("pk_mediation_fact")),
    )
    with op.batch_alter_table("mediation_fact", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mediation_fact_year_pillar_office",
            ["opened_year", "pillar", "office", "outcome", "referral_source"],
            unique=False,
        )

    op.bulk_insert(data_version, [{"id": 1, "version": 0}])


def downgrade() -> None:
    with op.batch_alter_table("mediation_fact", schema=None) as batch_op:
        batch_op.drop_index("ix_mediation_fact_year_pillar_office")

    op.drop_table("mediation_fact")
    op.drop_table("ingested_event")
    op.drop_table("data_version")
    op.drop_table("case_tag")
    op.drop_table("case_issue")
    with op.batch_alter_table("case_fact", schema=None) as batch_op:
        batch_op.drop_index("ix_case_fact_year_pillar_office")

    op.drop_table("case_fact")
    op.drop_table("case_count")
