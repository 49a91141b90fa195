"""The mediation service's own hash-chained audit log (reads and writes of notes, party
bindings and agreements, certificates), as cases and intake keep theirs.

Revision ID: 20261207_a1
Revises: 0002
Create Date: 2026-12-07 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ombuds_shared.audit import head_rows

revision: str = "20261207_a1"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
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
