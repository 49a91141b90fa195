"""Initial schema: offices (seeded), the identity vault and intake requests.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 16:31:35.843405
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ombuds_shared.models import initial_office_rows

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    office = op.create_table(
        "office",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("pillar", sa.String(length=40), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_office")),
    )
    op.create_table(
        "visitor",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=True),
        sa.Column("name_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("email_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("phone_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("staff_index_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("preferred_contact_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("destroyed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visitor")),
        sa.UniqueConstraint("ref", name=op.f("uq_visitor_ref")),
    )
    op.create_table(
        "intake_request",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("submitted_by", sa.String(length=200), nullable=False),
        sa.Column("referring_unit", sa.String(length=40), nullable=True),
        sa.Column("visitor_id", sa.String(length=36), nullable=False),
        sa.Column("pillar", sa.String(length=40), nullable=False),
        sa.Column("office", sa.String(length=40), nullable=False),
        sa.Column("location", sa.String(length=40), nullable=False),
        sa.Column("occupational_group", sa.String(length=40), nullable=False),
        sa.Column("consent_to_contact", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decline_reason", sa.String(length=40), nullable=True),
        sa.Column("decline_note_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("case_id", sa.String(length=36), nullable=True),
        sa.Column("triaged_by", sa.String(length=200), nullable=True),
        sa.Column("triaged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("request_hash", sa.String(length=64), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["office"], ["office.code"], name=op.f("fk_intake_request_office_office")
        ),
        sa.ForeignKeyConstraint(
            ["visitor_id"], ["visitor.id"], name=op.f("fk_intake_request_visitor_id_visitor")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_request")),
        sa.UniqueConstraint("reference", name=op.f("uq_intake_request_reference")),
        sa.UniqueConstraint(
            "submitted_by",
            "idempotency_key",
            name=op.f("uq_intake_request_submitted_by_idempotency_key"),
        ),
    )
    with op.batch_alter_table("intake_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_intake_request_office"), ["office"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_intake_request_submitted_at"), ["submitted_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_intake_request_submitted_by"), ["submitted_by"], unique=False
        )

    op.bulk_insert(office, initial_office_rows())


def downgrade() -> None:
    with op.batch_alter_table("intake_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intake_request_submitted_by"))
        batch_op.drop_index(batch_op.f("ix_intake_request_submitted_at"))
        batch_op.drop_index(batch_op.f("ix_intake_request_office"))

    op.drop_table("intake_request")
    op.drop_table("visitor")
    op.drop_table("office")
