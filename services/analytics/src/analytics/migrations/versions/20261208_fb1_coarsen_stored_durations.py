"""Durations stored before the gateway coarsened them become the first day of their class.

An exact day count with the opening month pinned some cases to their days (finding A3);
the gateway now sends each duration as the first day of its class (weeks, cut also after
30, 90 and 180 days; docs/events.md). The days already held are classed the same way here.
The gateway's merge at the months' extremes needs the closing month, which analytics never
stored (it keeps the closing year), so rows stored earlier are classed but not merged.
Not reversible: the exact days are gone, which is the point.

Revision ID: 20261208_fb1
Revises: 20261208_sy2
Create Date: 2026-12-08 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261208_fb1"
down_revision: str | None = "20261208_sy2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A copy, frozen with this revision, of ombuds_shared.durations.class_start.
_THRESHOLD_STARTS = (31, 91, 181)


def _class_start(days: int) -> int:
    return max(7 * (days // 7), *(t for t in _THRESHOLD_STARTS if t <= days), 0)


def upgrade() -> None:
    bind = op.get_bind()
    for table, column in (
        ("case_fact", "days_open"),
        ("mediation_fact", "days_open"),
        ("mediation_fact", "days_since_start"),
    ):
        held = sa.table(table, sa.column(column, sa.Integer()))
        values = bind.execute(
            sa.select(held.c[column]).where(held.c[column].is_not(None)).distinct()
        ).scalars()
        # One update per distinct day count: a few hundred at most (days are bounded).
        for days in list(values):
            if _class_start(days) != days:
                bind.execute(
                    held.update().where(held.c[column] == days).values({column: _class_start(days)})
                )


def downgrade() -> None:
    pass  # the exact days are not kept anywhere to bring back
