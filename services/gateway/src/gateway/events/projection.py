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


CASE = Field("case_key", _pseudonym("case"))
MEDIATION = Field("mediation_key", _pseudonym("mediation"))
REGISTER_ENTRY = Field("entry_key", _pseudonym("systemic_entry"))


def _month_as(name: str) -> Field:
    return Field(name, _month)


def _kept(name: str, transform: Transform = _code) -> Field:
    return Field(name, transform)


# event type -> source field -> how it passes. This table is the whole projection.
ALLOW_LIST: Mapping[str, Mapping[str, Field]] = {
    "case.opened": {
        "case_id": CASE,
        "opened_on": _month_as("opened_month"),
        "pillar": _kept("pillar"),
        "office": _kept("office"),
        "location": _kept("location"),
        "occupational_group": _kept("occupational_group"),
        "intake_channel": _kept("intake_channel"),
        "is_group": _kept("is_group", _flag),
        "participant_count": _kept("participant_count", _count),
    },
    "case.issue_recorded": {
        "case_id": CASE,
        "issue_code": _kept("issue_code"),
        "category": _kept("category"),
        "taxonomy_version": _kept("taxonomy_version"),
        "recorded_on": _month_as("recorded_month"),
    },
    "case.service_given": {
        "case_id": CASE,
        "service": _kept("service"),
        "given_on": _month_as("given_month"),
    },
    "case.status_changed": {
        "case_id": CASE,
        "status": _kept("status"),
        "changed_on": _month_as("changed_month"),
    },
    "case.closed": {
        "case_id": CASE,
        "closed_on": _month_as("closed_month"),
        "closure_reason": _kept("closure_reason"),
        # Coarsened below (DURATIONS): exact, with the two months it would pin the days.
        "days_open": _kept("days_open", _count),
    },
    "case.systemic_issue_tagged": {
        "case_id": CASE,
        "systemic_issue": _kept("systemic_issue"),
        "tagged_on": _month_as("tagged_month"),
    },
    "case.referral_made": {
        "case_id": CASE,
        "formal_channel": _kept("formal_channel"),
        "referred_on": _month_as("referred_month"),
    },
    "case.contact_logged": {
        "case_id": CASE,
        "contacted_on": _month_as("contacted_month"),
        "medium": _kept("medium"),
        "duration_minutes": _kept("duration_minutes", _count),
        "participants": _kept("participants", _codes),
    },
    "mediation.opened": {
        "mediation_id": MEDIATION,
        "opened_on": _month_as("opened_month"),
        "pillar": _kept("pillar"),
        "office": _kept("office"),
        "referral_source": _kept("referral_source"),
        "is_group": _kept("is_group", _flag),
        "participant_count": _kept("participant_count", _count),
        "issue_codes": _kept("issue_codes", _codes),
        "from_case": _kept("from_case", _flag),
    },
    "mediation.agreement_recorded": {
        "mediation_id": MEDIATION,
        "recorded_on": _month_as("recorded_month"),
        "parties_agreed": _kept("parties_agreed", _count),
        "parties_total": _kept("parties_total", _count),
    },
    "mediation.party_declined": {
        "mediation_id": MEDIATION,
        "declined_on": _month_as("declined_month"),
    },
    "mediation.started": {
        "mediation_id": MEDIATION,
        "started_on": _month_as("started_month"),
    },
    "mediation.session_held": {
        "mediation_id": MEDIATION,
        "held_on": _month_as("held_month"),
        "mode": _kept("mode"),
    },
    "mediation.extension_granted": {
        "mediation_id": MEDIATION,
        "granted_on": _month_as("granted_month"),
        "days": _kept("days", _count),
    },
    "mediation.closed": {
        "mediation_id": MEDIATION,
        "closed_on": _month_as("closed_month"),
        "outcome": _kept("outcome"),
        "days_open": _kept("days_open", _count),
        "days_since_start": _kept("days_since_start", _count),
    },
    "mediation.contact_logged": {
        "mediation_id": MEDIATION,
        "contacted_on": _month_as("contacted_month"),
        "medium": _kept("medium"),
        "duration_minutes": _kept("duration_minutes", _count),
        "participants": _kept("participants", _codes),
    },
    # The register entry the chief approved for the annual report, and its withdrawal.
    "systemic_issue.published": {
        "entry_id": REGISTER_ENTRY,
        "published_on": _month_as("published_month"),
        "title": _kept("title", _text(200)),
        "observation": _kept("observation", _text(4000)),
        "category": _kept("category"),
        "offices": _kept("offices", _codes),
        "pillars": _kept("pillars", _codes),
        "first_reported_year": _kept("first_reported_year", _year),
        "recommendation": _kept("recommendation", _text(4000)),
        "management_response": _kept("management_response", _text(4000)),
        "status_by_year": _kept("status_by_year", _statuses),
    },
    "systemic_issue.withdrawn": {
        "entry_id": REGISTER_ENTRY,
        "withdrawn_on": _month_as("withdrawn_month"),
    },
}

# Durations that end on the event's own date, coarsened with the months analytics holds in
# view (gateway.events.durations) so that no value pins a case to its days:
# event type -> (the date they end on, the duration fields).
DURATIONS: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "case.closed": ("closed_on", ("days_open",)),
    "mediation.closed": ("closed_on", ("days_open", "days_since_start")),
}

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
