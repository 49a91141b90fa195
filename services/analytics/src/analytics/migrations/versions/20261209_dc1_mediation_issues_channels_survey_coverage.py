"""Mediation issues, the intake channel in the rollup, and the survey's coverage.

- `mediation_issue`: the issue codes a mediation raised when it opened (the events carried
  them; analytics dropped them). Mediations ingested before keep none: their codes are gone.
- `case_count` gains the dimension `intake_channel`, rebuilt here from the case facts; a
  code outside the office's channels is filed as `other` (a frozen copy of the list below).
- `workplace_survey_response` gains the surveyed `unit` and its `country` (optional).

Revision ID: 20261209_dc1
Revises: 20261208_fb1
Create Date: 2026-12-09 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261209_dc1"
down_revision: str | None = "20261208_fb1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A copy, frozen with this revision, of ombuds_shared.vocabulary.Channel.
_CHANNELS = ("visitor", "hr_portal", "referring_office", "in_person", "phone", "email")


def upgrade() -> None:
    op.create_table(
        "mediation_issue",
        sa.Column("mediation_key", sa.String(length=40), nullable=False),
        sa.Column("issue_code", sa.String(length=40), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("mediation_key", "issue_code", name=op.f("pk_mediation_issue")),
    )
    with op.batch_alter_table("workplace_survey_response") as batch_op:
        batch_op.add_column(sa.Column("unit", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("country", sa.String(length=2), nullable=True))
    # The channel list is a constant of this file, bound as parameters.
    channels: sa.BindParameter[list[str]] = sa.bindparam(
        "channels", value=list(_CHANNELS), expanding=True
    )
    op.get_bind().execute(
        sa.text(
            "INSERT INTO case_count (dimension, year, pillar, office, value, count) "
            "SELECT 'intake_channel', opened_year, pillar, office, channel, COUNT(*) FROM ("
            "  SELECT opened_year, pillar, office, CASE WHEN intake_channel IN :channels "
            "  THEN intake_channel ELSE 'other' END AS channel FROM case_fact"
            ") AS filed GROUP BY opened_year, pillar, office, channel"
        ).bindparams(channels)
    )
    op.execute("UPDATE data_version SET version = version + 1")


def downgrade() -> None:
    op.execute("DELETE FROM case_count WHERE dimension = 'intake_channel'")
    with op.batch_alter_table("workplace_survey_response") as batch_op:
        batch_op.drop_column("country")
        batch_op.drop_column("unit")
    op.drop_table("mediation_issue")
