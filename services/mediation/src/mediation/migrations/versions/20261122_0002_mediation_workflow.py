"""Mediation workflow: cases, parties, sessions, deadline ledger, notes, certificates.

Also seeds the shared issue taxonomy (versioned by TAXONOMY_VERSION) and adds the outbox.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 16:49:24.488667
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ombuds_shared.taxonomy import issue_rows

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "certificate_request",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tribunal", sa.String(length=40), nullable=False),
        sa.Column("tribunal_case_number", sa.String(length=60), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decline_reason", sa.String(length=40), nullable=True),
        sa.Column("certificate_id", sa.String(length=36), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_request")),
    )
    with op.batch_alter_table("certificate_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certificate_request_requested_at"), ["requested_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_certificate_request_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_certificate_request_tribunal_case_number"),
            ["tribunal_case_number"],
            unique=False,
        )

    issue_code = op.create_table(
        "issue_code",
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("parent", sa.String(length=10), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("report_label", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("version", "code", name=op.f("pk_issue_code")),
    )
    op.bulk_insert(issue_code, issue_rows())
    op.create_table(
        "outbox_event",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("event_type", sa.String(length=60), nullable=False),
        sa.Column("aggregate_id", sa.String(length=36), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_event")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_event_event_id")),
    )
    with op.batch_alter_table("outbox_event", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_event_pending", ["delivered_at", "id"], unique=False)

    op.create_table(
        "mediation",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("pillar", sa.String(length=40), nullable=False),
        sa.Column("office", sa.String(length=40), nullable=False),
        sa.Column("referral_source", sa.String(length=40), nullable=False),
        sa.Column("tribunal", sa.String(length=40), nullable=True),
        sa.Column("tribunal_case_number", sa.String(length=60), nullable=True),
        sa.Column("referral_date", sa.Date(), nullable=True),
        sa.Column("tribunal_deadline", sa.Date(), nullable=True),
        sa.Column("source_case_id", sa.String(length=36), nullable=True),
        sa.Column("is_group", sa.Boolean(), nullable=False),
        sa.Column("participant_count", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=True),
        sa.Column("start_basis", sa.String(length=30), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("settlement_signed_on", sa.Date(), nullable=True),
        sa.Column("settlement_implementation_deadline", sa.Date(), nullable=True),
        sa.Column("mediator", sa.String(length=200), nullable=True),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notes_wrapped_key", sa.LargeBinary(), nullable=True),
        sa.Column("opened_by", sa.String(length=200), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["office"], ["office.code"], name=op.f("fk_mediation_office_office")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mediation")),
        sa.UniqueConstraint("source_case_id", name=op.f("uq_mediation_source_case_id")),
    )
    with op.batch_alter_table("mediation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mediation_mediator"), ["mediator"], unique=False)
        batch_op.create_index(batch_op.f("ix_mediation_office"), ["office"], unique=False)
        batch_op.create_index(batch_op.f("ix_mediation_opened_at"), ["opened_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_mediation_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_mediation_tribunal_case_number"), ["tribunal_case_number"], unique=False
        )

    op.create_table(
        "certificate",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("mediation_id", sa.String(length=36), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=True),
        sa.Column("tribunal", sa.String(length=40), nullable=False),
        sa.Column("tribunal_case_number", sa.String(length=60), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("issuing_office", sa.String(length=40), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.String(length=200), nullable=False),
        sa.Column("kid", sa.String(length=100), nullable=False),
        sa.Column("jws", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revocation_reason", sa.String(length=40), nullable=True),
        sa.Column("superseded_by", sa.String(length=36), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["mediation_id"], ["mediation.id"], name=op.f("fk_certificate_mediation_id_mediation")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["certificate_request.id"],
            name=op.f("fk_certificate_request_id_certificate_request"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate")),
    )
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certificate_mediation_id"), ["mediation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_certificate_tribunal_case_number"),
            ["tribunal_case_number"],
            unique=False,
        )

    op.create_table(
        "conflict_declaration",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("mediation_id", sa.String(length=36), nullable=False),
        sa.Column("mediator", sa.String(length=200), nullable=False),
        sa.Column("has_conflict", sa.Boolean(), nullable=False),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["mediation_id"],
            ["mediation.id"],
            name=op.f("fk_conflict_declaration_mediation_id_mediation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conflict_declaration")),
    )
    with op.batch_alter_table("conflict_declaration", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conflict_declaration_mediation_id"), ["mediation_id"], unique=False
        )

    op.create_table(
        "deadline_clock",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("mediation_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("period_days", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("days_remaining", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["mediation_id"],
            ["mediation.id"],
            name=op.f("fk_deadline_clock_mediation_id_mediation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadline_clock")),
    )
    with op.batch_alter_table("deadline_clock", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deadline_clock_due_on"), ["due_on"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_deadline_clock_mediation_id"), ["mediation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_deadline_clock_state"), ["state"], unique=False)

    op.create_table(
        "deadline_extension",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("mediation_id", sa.String(length=36), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("requested_days", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("granted_days", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["mediation_id"],
            ["mediation.id"],
            name=op.f("fk_deadline_extension_mediation_id_mediation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadline_extension")),
    )
    with op.batch_alter_table("deadline_extension", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_deadline_extension_mediation_id"), ["mediation_id"], unique=False
        )

    op.create_table(
        "mediation_issue",
        sa.Column("mediation_id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("taxonomy_version", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["mediation_id"],
            ["mediation.id"],
            name=op.f("fk_mediation_issue_mediation_id_mediation"),
        ),
        sa.ForeignKeyConstraint(
            ["taxonomy_version", "code"],
            ["issue_code.version", "issue_code.code"],
            name=op.f("fk_mediation_issue_taxonomy_version_issue_code"),
        ),
        sa.PrimaryKeyConstraint("mediation_id", "code", name=op.f("pk_mediation_issue")),
    )
    op.create_table(
        "mediation_note",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("mediation_id", sa.String(length=36), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("body_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["mediation_id"],
            ["mediation.id"],
            name=op.f("fk_mediation_note_mediation_id_mediation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mediation_note")),
    )
    with op.batch_alter_table("mediation_note", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mediation_note_mediation_id"), ["mediation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_mediation_note_written_at"), ["written_at"], unique=False
        )

    op.create_table(
        "mediation_party",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("mediation_id", sa.String(length=36), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("represents_administration", sa.Boolean(), nullable=False),
        sa.Column("agreement", sa.String(length=20), nullable=False),
        sa.Column("responded_on", sa.Date(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["mediation_id"],
            ["mediation.id"],
            name=op.f("fk_mediation_party_mediation_id_mediation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mediation_party")),
        sa.UniqueConstraint(
            "mediation_id", "reference", name=op.f("uq_mediation_party_mediation_id_reference")
        ),
    )
    with op.batch_alter_table("mediation_party", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mediation_party_mediation_id"), ["mediation_id"], unique=False
        )

    op.create_table(
        "mediation_session",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("mediation_id", sa.String(length=36), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["mediation_id"],
            ["mediation.id"],
            name=op.f("fk_mediation_session_mediation_id_mediation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mediation_session")),
    )
    with op.batch_alter_table("mediation_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mediation_session_mediation_id"), ["mediation_id"], unique=False
        )

    op.create_table(
        "deadline_clock_entry",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("clock_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("happened_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=60), nullable=False),
        sa.Column("days", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["clock_id"],
            ["deadline_clock.id"],
            name=op.f("fk_deadline_clock_entry_clock_id_deadline_clock"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadline_clock_entry")),
    )
    with op.batch_alter_table("deadline_clock_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_deadline_clock_entry_clock_id"), ["clock_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("deadline_clock_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deadline_clock_entry_clock_id"))

    op.drop_table("deadline_clock_entry")
    with op.batch_alter_table("mediation_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mediation_session_mediation_id"))

    op.drop_table("mediation_session")
    with op.batch_alter_table("mediation_party", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mediation_party_mediation_id"))

    op.drop_table("mediation_party")
    with op.batch_alter_table("mediation_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mediation_note_written_at"))
        batch_op.drop_index(batch_op.f("ix_mediation_note_mediation_id"))

    op.drop_table("mediation_note")
    op.drop_table("mediation_issue")
    with op.batch_alter_table("deadline_extension", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deadline_extension_mediation_id"))

    op.drop_table("deadline_extension")
    with op.batch_alter_table("deadline_clock", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deadline_clock_state"))
        batch_op.drop_index(batch_op.f("ix_deadline_clock_mediation_id"))
        batch_op.drop_index(batch_op.f("ix_deadline_clock_due_on"))

    op.drop_table("deadline_clock")
    with op.batch_alter_table("conflict_declaration", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conflict_declaration_mediation_id"))

    op.drop_table("conflict_declaration")
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_tribunal_case_number"))
        batch_op.drop_index(batch_op.f("ix_certificate_mediation_id"))

    op.drop_table("certificate")
    with op.batch_alter_table("mediation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mediation_tribunal_case_number"))
        batch_op.drop_index(batch_op.f("ix_mediation_status"))
        batch_op.drop_index(batch_op.f("ix_mediation_opened_at"))
        batch_op.drop_index(batch_op.f("ix_mediation_office"))
        batch_op.drop_index(batch_op.f("ix_mediation_mediator"))

    op.drop_table("mediation")
    with op.batch_alter_table("outbox_event", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_event_pending")

    op.drop_table("outbox_event")
    op.drop_table("issue_code")
    with op.batch_alter_table("certificate_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_request_tribunal_case_number"))
        batch_op.drop_index(batch_op.f("ix_certificate_request_status"))
        batch_op.drop_index(batch_op.f("ix_certificate_request_requested_at"))

    op.drop_table("certificate_request")
