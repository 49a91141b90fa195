"""The allow-list per event type: what of each event may reach analytics, and in what form.

Only the fields listed here pass; everything else is dropped. Ids become keyed
pseudonyms, dates become months (reports need the year; the month is kept for
trends within a year), and every kept value must be a code, a flag or a count,
so that a name slipped into a field by mistake is refused rather than forwarded.

One exception, by design: a systemic-issue register entry the chief has marked
publishable carries the office's own texts for the annual report (title,
observation, recommendation, management's response). They are about patterns
across cases, never about a case, and publishing them is the chief's act
(docs/cases.md); here they pass only as bounded plain text, on that event alone.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from gateway.events import durations
from gateway.events.pseudonym import Pseudonymizer
from ombuds_shared.events import EVENTS, Decision, Event, Shape, decisions

_CODE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


class Refused(ValueError):
    """An event the projection will not forward (unknown type, or a field out of shape)."""


Transform = Callable[[Any, Pseudonymizer], Any]


def _code(value: Any, _: Pseudonymizer) -> str:
    if not isinstance(value, str) or not _CODE.match(value):
        raise Refused("a code field holds something other than a code")
    return value


def _codes(value: Any, pseudonym: Pseudonymizer) -> list[str]:
    if not isinstance(value, list) or len(value) > 50:
        raise Refused("a list of codes is expected")
    return [_code(item, pseudonym) for item in value]


def _flag(value: Any, _: Pseudonymizer) -> bool:
    if not isinstance(value, bool):
        raise Refused("a flag must be true or false")
    return value


def _count(value: Any, _: Pseudonymizer) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100_000:
        raise Refused("a count must be a whole number")
    return value


def _year(value: Any, _: Pseudonymizer) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1990 <= value <= 2100:
        raise Refused("a year must be a whole number between 1990 and 2100")
    return value


def _text(limit: int) -> Transform:
    """Plain text of the chief-approved register entry: bounded, no control characters."""

    def transform(value: Any, _: Pseudonymizer) -> str:
        if not isinstance(value, str) or len(value) > limit:
            raise Refused("a register text must be a string within its length")
        if any(ord(c) < 32 and c not in "\n\t" for c in value):
            raise Refused("a register text may not hold control characters")
        return value

    return transform


def _statuses(value: Any, pseudonym: Pseudonymizer) -> list[dict[str, Any]]:
    if not isinstance(value, list) or len(value) > 100:
        raise Refused("a list of statuses by year is expected")
    statuses = []
    for item in value:
        if not isinstance(item, dict) or set(item) != {"year", "status"}:
            raise Refused("a status by year holds a year and a status, nothing else")
        statuses.append(
            {"year": _year(item["year"], pseudonym), "status": _code(item["status"], pseudonym)}
        )
    return statuses


def _month(value: Any, _: Pseudonymizer) -> str:
    try:
        day = dt.date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise Refused("a date must be YYYY-MM-DD") from exc
    return f"{day.year:04d}-{day.month:02d}"


def _pseudonym(kind: str) -> Transform:
    def transform(value: Any, pseudonym: Pseudonymizer) -> str:
        if not isinstance(value, str) or not 0 < len(value) <= 64:
            raise Refused("an id must be a short string")
        return pseudonym(kind, value)

    return transform


@dataclass(frozen=True)
class Field:
    """One allowed field: its name in analytics and how its value is projected."""

    name: str
    transform: Transform


# How each shape of ombuds_shared.events passes; a shape missing here fails at import.
_TRANSFORMS: Mapping[Shape, Callable[[Decision], Transform]] = {
    Shape.KEY: lambda d: _pseudonym(d.kind),
    Shape.MONTH: lambda _: _month,
    Shape.CODE: lambda _: _code,
    Shape.CODES: lambda _: _codes,
    Shape.FLAG: lambda _: _flag,
    Shape.COUNT: lambda _: _count,
    # Coarsened after (DURATIONS): exact, with the two months it would pin the days.
    Shape.DURATION: lambda _: _count,
    Shape.YEAR: lambda _: _year,
    Shape.TEXT: lambda d: _text(d.limit),
    Shape.STATUSES: lambda _: _statuses,
}


def allow_list(events: Mapping[str, type[Event]]) -> dict[str, dict[str, Field]]:
    """event type -> source field -> how it passes, from the decision each event field
    carries; a field without one raises ombuds_shared.events.Undecided."""
    table: dict[str, dict[str, Field]] = {}
    for event_type, model in events.items():
        table[event_type] = {
            source: Field(decision.name or source, _TRANSFORMS[decision.shape](decision))
            for source, decision in decisions(model).items()
            if decision.shape is not Shape.DROPPED
        }
    return table


def durations_of(events: Mapping[str, type[Event]]) -> dict[str, tuple[str, tuple[str, ...]]]:
    """event type -> (the date its durations end on, the duration fields)."""
    table: dict[str, tuple[str, tuple[str, ...]]] = {}
    for event_type, model in events.items():
        found = {s: d for s, d in decisions(model).items() if d.shape is Shape.DURATION}
        if found:
            (ends,) = {d.ends for d in found.values()}
            table[event_type] = (ends, tuple(found))
    return table


# The whole projection, derived from the events' models (docs/events.md).
ALLOW_LIST: Mapping[str, Mapping[str, Field]] = allow_list(EVENTS)

# Durations that end on the event's own date, coarsened with the months analytics holds in
# view (gateway.events.durations) so that no value pins a case to its days.
DURATIONS: Mapping[str, tuple[str, tuple[str, ...]]] = durations_of(EVENTS)

# Which producer may speak of which events: a service cannot forge another's facts.
PRODUCERS: Mapping[str, tuple[str, ...]] = {
    "cases": ("case.", "systemic_issue."),
    "mediation": ("mediation.",),
}


def project(
    *, producer: str, event_id: str, event_type: str, payload: Mapping[str, Any],
    pseudonym: Pseudonymizer,
) -> dict[str, Any]:  # fmt: skip
    """The event as analytics may see it; raises Refused when it cannot pass."""
    allowed = ALLOW_LIST.get(event_type)
    if allowed is None:
        raise Refused("unknown event type")
    if not event_type.startswith(PRODUCERS.get(producer, ("\x00",))):
        raise Refused("this service does not produce this event type")
    projected: dict[str, Any] = {}
    for source, field in allowed.items():
        if source in payload:
            projected[field.name] = field.transform(payload[source], pseudonym)
    if event_type in DURATIONS:
        _coarsen_durations(payload, projected, *DURATIONS[event_type])
    return {
        # The producer's event id is pseudonymized too: it would link back to the outbox row.
        "event_id": pseudonym("event", event_id),
        "event_type": event_type,
        "payload": projected,
    }


def _coarsen_durations(
    payload: Mapping[str, Any], projected: dict[str, Any], ends: str, fields: tuple[str, ...]
) -> None:
    present = [name for name in fields if projected.get(name) is not None]
    if not present:
        return
    try:
        ends_on = dt.date.fromisoformat(str(payload.get(ends))[:10])
    except ValueError as exc:
        raise Refused("a duration needs the date it ends on") from exc
    for name in present:
        if projected[name] > ends_on.toordinal() - 1:
            raise Refused("a duration cannot start before the calendar does")
        projected[name] = durations.coarsen(projected[name], ends_on)
