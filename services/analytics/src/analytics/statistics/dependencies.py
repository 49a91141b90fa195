import datetime as dt
from typing import Annotated

from fastapi import Depends, Query, Request

from analytics.config import AnalyticsSettings
from analytics.state import analytics_state
from analytics.statistics.service import Filters, Reader
from ombuds_shared.dependencies import SessionDep, settings_of
from ombuds_shared.errors import ValidationFailed
from ombuds_shared.reference import Pillar
from ombuds_shared.taxonomy import SUBCATEGORIES

MAX_YEARS = 50


def published_through(settings: AnalyticsSettings) -> int | None:
    """The last year whose figures are published: the last closed one, by default."""
    if settings.publish_open_period:
        return None
    return dt.datetime.now(dt.UTC).year - 1


def asked(
    request: Request,
    from_year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    to_year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    pillar: Pillar | None = None,
    office: Annotated[str | None, Query(pattern=r"^[a-z][a-z0-9-]{0,39}$")] = None,
    codes: Annotated[
        str | None,
        Query(max_length=1000, description="Sub-category codes, comma-separated (e.g. 2.b,4.a)"),
    ] = None,
) -> Filters:
    """The slice asked for; by default the ten years up to the last complete one (also
    when the open year is published: a trend into a year half over drops to zero)."""
    last = to_year or dt.datetime.now(dt.UTC).year - 1
    first = from_year or last - 9
    if first > last:
        raise ValidationFailed("from_year comes after to_year.")
    if last - first >= MAX_YEARS:
        raise ValidationFailed(f"At most {MAX_YEARS} years at once.")
    chosen = tuple(c.strip() for c in codes.split(",") if c.strip()) if codes else ()
    unknown = [c for c in chosen if c not in SUBCATEGORIES]
    if unknown:
        raise ValidationFailed(f"Unknown sub-category codes: {', '.join(unknown[:5])}.")
    return Filters(first, last, pillar, office, tuple(dict.fromkeys(chosen)))


def reader(request: Request, session: SessionDep) -> Reader:
    """A reader of protected statistics, sharing the app's cache of protected cubes."""
    settings = settings_of(request.app, AnalyticsSettings)
    return Reader(
        session,
        analytics_state(request.app).statistics_cache,
        settings.suppression_threshold,
        published_through(settings),
        settings.suppression_thresholds,
    )


ReaderDep = Annotated[Reader, Depends(reader)]


def filters(f: Annotated[Filters, Depends(asked)], reader: ReaderDep) -> Filters:
    """The slice asked for, cut back to the periods that are closed."""
    return reader.closed(f)


FiltersDep = Annotated[Filters, Depends(filters)]
