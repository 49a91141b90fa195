"""Need-to-know identity: each identity bound to the one case it belongs to, conflicts
declared on a request before triage, and intake's own hash-chained audit log.

Existing identities of accepted requests are bound to the case their request opened,
so nothing already stored becomes unreadable to its rightful handler.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 20:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ombuds_shared.audit import head_rows

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("visitor") as batch:
        batch.add_column(sa.Column("bound_kind", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("bound_id", sa.String(length=36), nullable=True))
        batch.add_column(sa.Column("bound_office", sa.String(length=40), nullable=True))
        batch.create_index("ix_visitor_bound", ["bound_kind", "bound_id"], unique=False)
    op.execute(
        "UPDATE visitor SET bound_kind = 'case', "
        "bound_id = (SELECT r.case_id FROM intake_request r WHERE r.visitor_id = visitor.id), "
        "bound_office = (SELECT r.office FROM intake_request r WHERE r.visitor_id = visitor.id) "
        "WHERE EXISTS (SELECT 1 FROM intake_request r "
        "WHERE r.visitor_id = visitor.id AND r.case_id IS NOT NULL)"
    )
    op.create_table(
        "request_conflict",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("ombudsman", sa.String(length=200), nullable=False),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["intake_request.id"],
            name=op.f("fk_request_conflict_request_id_intake_request"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_conflict")),
        sa.UniqueConstraint("request_id", "ombudsman", name=op.f("uq_request_conflict_request_id")),
    )
    op.create_table(
        "audit_event",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("chain", sa.Integer(), nullable=False),
        sa.Column("seq", _BIG_ID, nullable=False),
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
    with op.batch_alter_table("audit_event") as batch:
        batch.create_index(batch.f("ix_audit_event_record_id"), ["record_id"], unique=False)
        batch.create_index(batch.f("ix_audit_event_context_id"), ["context_id"], unique=False)
    audit_head = op.create_table(
        "audit_head",
        sa.Column("chain", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", _BIG_ID, nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("chain", name=op.f("pk_audit_head")),
    )
    op.bulk_insert(audit_head, head_rows())


def downgrade() -> None:
    op.drop_table("audit_head")
    op.drop_table("audit_event")
    op.drop_table("request_conflict")
    with op.batch_alter_table("visitor") as batch:
        batch.drop_index("ix_visitor_bound")
        batch.drop_column("bound_office")
        batch.drop_column("bound_id")
        batch.drop_column("bound_kind")
