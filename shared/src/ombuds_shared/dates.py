"""The dates of workflow steps: never in the future, never before the record's opening.

Offices sit in every time zone and enter the local date, while the services keep
UTC. So "the future" starts after today's date in the first zone to reach it
(UTC+14), and a record opened at an instant was opened, somewhere, on that
instant's date in the last zone (UTC-12): no office is refused a true local date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from ombuds_shared.errors import ValidationFailed

_FIRST_ZONE = dt.timezone(dt.timedelta(hours=14))
_LAST_ZONE = dt.timezone(dt.timedelta(hours=-12))


def latest_today() -> dt.date:
    """The latest date any place on Earth has reached."""
    return dt.datetime.now(_FIRST_ZONE).date()


def earliest_day_of(moment: dt.datetime) -> dt.date:
    """The earliest local date an instant falls on anywhere."""
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(_LAST_ZONE).date()


def invalid_date(field: str | Sequence[str | int], detail: str, kind: str) -> ValidationFailed:
    """The 422 naming the body field whose date is wrong, as request validation does."""
    loc = [field] if isinstance(field, str) else list(field)
    return ValidationFailed(
        detail,
        field=".".join(str(part) for part in loc),
        errors=[{"loc": ["body", *loc], "msg": detail, "type": kind}],
    )


def check_step_date(
    day: dt.date,
    *,
    field: str | Sequence[str | int],
    not_before: dt.date | None = None,
    before_what: str = "the record was opened",
) -> None:
    """A step's date: not in the future and, if a floor is given, not before it."""
    if day > latest_today():
        raise invalid_date(field, f"{_name(field)} cannot be in the future.", "date_in_future")
    if not_before is not None and day < not_before:
        raise invalid_date(
            field,
            f"{_name(field)} cannot be before {before_what} ({not_before.isoformat()}).",
            "date_too_early",
        )


def _name(field: str | Sequence[str | int]) -> str:
    last = field if isinstance(field, str) else str(list(field)[-1])
    return f"`{last}`"


__all__ = [
    "check_step_date",
    "earliest_day_of",
    "invalid_date",
    "latest_today",
]
