"""Case handling: issues (seeded taxonomy), services, assignment, consents, notes, retention,
the audit log (hash-chained, heads seeded) and the outbox.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 16:50:00.680810
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ombuds_shared.audit import head_rows
from ombuds_shared.taxonomy import issue_rows

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_event",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("chain", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("roles", sa.String(length=200), nullable=False),
        sa.Column("peer", sa.String(length=40), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("record_type", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("context_id", sa.String(length=64), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
        sa.UniqueConstraint("chain", "seq", name=op.f("uq_audit_event_chain_seq")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_record_id"), ["record_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_context_id"), ["context_id"], unique=False)

    audit_head = op.create_table(
        "audit_head",
        sa.Column("chain", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("chain", name=op.f("pk_audit_head")),
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
        "case_assignment",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("assignee", sa.String(length=200), nullable=False),
        sa.Column("assigned_by", sa.String(length=200), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_case_assignment_case_id_case_file")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_assignment")),
    )
    with op.batch_alter_table("case_assignment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_assignment_case_id"), ["case_id"], unique=False)

    op.create_table(
        "case_issue",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("taxonomy_version", sa.String(length=40), nullable=False),
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_case_issue_case_id_case_file")
        ),
        sa.ForeignKeyConstraint(
            ["taxonomy_version", "code"],
            ["issue_code.version", "issue_code.code"],
            name=op.f("fk_case_issue_taxonomy_version_issue_code"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_issue")),
        sa.UniqueConstraint(
            "case_id",
            "taxonomy_version",
            "code",
            name=op.f("uq_case_issue_case_id_taxonomy_version_code"),
        ),
    )
    with op.batch_alter_table("case_issue", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_issue_case_id"), ["case_id"], unique=False)

    op.create_table(
        "case_note",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("body_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_case_note_case_id_case_file")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_note")),
    )
    with op.batch_alter_table("case_note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_note_case_id"), ["case_id"], unique=False)

    op.create_table(
        "case_referral",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("formal_channel", sa.String(length=40), nullable=False),
        sa.Column("referred_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_case_referral_case_id_case_file")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_referral")),
    )
    with op.batch_alter_table("case_referral", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_referral_case_id"), ["case_id"], unique=False)

    op.create_table(
        "case_service",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("service", sa.String(length=40), nullable=False),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.Column("mediation_id", sa.String(length=36), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_case_service_case_id_case_file")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_service")),
    )
    with op.batch_alter_table("case_service", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_service_case_id"), ["case_id"], unique=False)

    op.create_table(
        "case_status_change",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("closure_reason", sa.String(length=40), nullable=True),
        sa.Column("changed_by", sa.String(length=200), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_case_status_change_case_id_case_file")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_status_change")),
    )
    with op.batch_alter_table("case_status_change", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_case_status_change_case_id"), ["case_id"], unique=False
        )

    op.create_table(
        "case_systemic_tag",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("systemic_issue", sa.String(length=60), nullable=False),
        sa.Column("tagged_by", sa.String(length=200), nullable=False),
        sa.Column("tagged_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_case_systemic_tag_case_id_case_file")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_systemic_tag")),
        sa.UniqueConstraint(
            "case_id", "systemic_issue", name=op.f("uq_case_systemic_tag_case_id_systemic_issue")
        ),
    )
    with op.batch_alter_table("case_systemic_tag", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_systemic_tag_case_id"), ["case_id"], unique=False)

    op.create_table(
        "conflict_declaration",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("ombudsman", sa.String(length=200), nullable=False),
        sa.Column("has_conflict", sa.Boolean(), nullable=False),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_conflict_declaration_case_id_case_file")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conflict_declaration")),
    )
    with op.batch_alter_table("conflict_declaration", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conflict_declaration_case_id"), ["case_id"], unique=False
        )

    op.create_table(
        "consent",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("with_office", sa.String(length=60), nullable=True),
        sa.Column("details_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_consent_case_id_case_file")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent")),
    )
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consent_case_id"), ["case_id"], unique=False)

    op.create_table(
        "destruction_record",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("destroyed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("run_by", sa.String(length=200), nullable=False),
        sa.Column("notes", sa.Integer(), nullable=False),
        sa.Column("consents", sa.Integer(), nullable=False),
        sa.Column("disclosures", sa.Integer(), nullable=False),
        sa.Column("identity_destroyed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_destruction_record_case_id_case_file")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_destruction_record")),
        sa.UniqueConstraint("case_id", name=op.f("uq_destruction_record_case_id")),
    )
    op.create_table(
        "disclosure",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("office", sa.String(length=40), nullable=False),
        sa.Column("disclosed_to", sa.String(length=60), nullable=False),
        sa.Column("justification_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("made_by", sa.String(length=200), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_disclosure_case_id_case_file")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure")),
    )
    with op.batch_alter_table("disclosure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_disclosure_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_disclosure_office"), ["office"], unique=False)

    op.create_table(
        "consented_action",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("consent_id", sa.String(length=36), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("with_office", sa.String(length=60), nullable=True),
        sa.Column("taken_by", sa.String(length=200), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_consented_action_case_id_case_file")
        ),
        sa.ForeignKeyConstraint(
            ["consent_id"], ["consent.id"], name=op.f("fk_consented_action_consent_id_consent")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consented_action")),
    )
    with op.batch_alter_table("consented_action", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consented_action_case_id"), ["case_id"], unique=False)

    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closure_reason", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("assigned_to", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("wrapped_key", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("destroyed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column("visitor_ref", existing_type=sa.VARCHAR(length=64), nullable=True)
        batch_op.create_index(batch_op.f("ix_case_file_assigned_to"), ["assigned_to"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_file_opened_at"), ["opened_at"], unique=False)

    op.bulk_insert(issue_code, issue_rows())
    op.bulk_insert(audit_head, head_rows())


def downgrade() -> None:
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_file_opened_at"))
        batch_op.drop_index(batch_op.f("ix_case_file_assigned_to"))
        batch_op.alter_column("visitor_ref", existing_type=sa.VARCHAR(length=64), nullable=False)
        batch_op.drop_column("destroyed_at")
        batch_op.drop_column("wrapped_key")
        batch_op.drop_column("assigned_to")
        batch_op.drop_column("closure_reason")

    with op.batch_alter_table("consented_action", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consented_action_case_id"))

    op.drop_table("consented_action")
    with op.batch_alter_table("disclosure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disclosure_office"))
        batch_op.drop_index(batch_op.f("ix_disclosure_case_id"))

    op.drop_table("disclosure")
    op.drop_table("destruction_record")
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_case_id"))

    op.drop_table("consent")
    with op.batch_alter_table("conflict_declaration", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conflict_declaration_case_id"))

    op.drop_table("conflict_declaration")
    with op.batch_alter_table("case_systemic_tag", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_systemic_tag_case_id"))

    op.drop_table("case_systemic_tag")
    with op.batch_alter_table("case_status_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_status_change_case_id"))

    op.drop_table("case_status_change")
    with op.batch_alter_table("case_service", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_service_case_id"))

    op.drop_table("case_service")
    with op.batch_alter_table("case_referral", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_referral_case_id"))

    op.drop_table("case_referral")
    with op.batch_alter_table("case_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_note_case_id"))

    op.drop_table("case_note")
    with op.batch_alter_table("case_issue", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_issue_case_id"))

    op.drop_table("case_issue")
    with op.batch_alter_table("case_assignment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_assignment_case_id"))

    op.drop_table("case_assignment")
    with op.batch_alter_table("outbox_event", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_event_pending")

    op.drop_table("outbox_event")
    op.drop_table("issue_code")
    op.drop_table("audit_head")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_context_id"))
        batch_op.drop_index(batch_op.f("ix_audit_event_record_id"))

    op.drop_table("audit_event")
