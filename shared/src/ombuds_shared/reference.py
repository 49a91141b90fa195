"""Reference vocabulary every service speaks (see DOMAIN.md).

Pillars, duty-station locations and occupational groups are fixed by the
office's reporting; offices are data (they open, move and close), so only
their initial list lives here, for each service's first migration to seed.
"""

from __future__ import annotations

from enum import StrEnum


class Pillar(StrEnum):
    SECRETARIAT = "secretariat"
    FUNDS_AND_PROGRAMMES = "funds_and_programmes"
    UNHCR = "unhcr"


class Location(StrEnum):
    HEADQUARTERS = "headquarters"
    OFFICE_AWAY_FROM_HEADQUARTERS = "office_away_from_headquarters"
    FIELD_MISSION = "field_mission"


class OccupationalGroup(StrEnum):
    INTERNATIONAL_PROFESSIONAL = "international_professional"
    NATIONAL_OFFICER = "national_officer"
    DIRECTOR_AND_ABOVE = "director_and_above"
    GENERAL_SERVICE = "general_service"
    FIELD_SERVICE = "field_service"
    FORMER_STAFF_OR_RETIREE = "former_staff_or_retiree"
    NON_STAFF = "non_staff"
    UNKNOWN = "unknown"


class Role(StrEnum):
    VISITOR = "visitor"
    OMBUDSMAN = "ombudsman"
    MEDIATOR = "mediator"
    CHIEF = "chief"
    HR_PORTAL = "hr_portal"
    REFERRING_OFFICE = "referring_office"
    REGISTRY = "registry"
    ANALYST = "analyst"
    AUDITOR = "auditor"
    # Runs the office's reference data and brings in its history (docs/import.md).
    ADMINISTRATOR = "administrator"


class Tribunal(StrEnum):
    """The tribunals that refer cases to mediation; a registry account serves one of them."""

    DISPUTE_TRIBUNAL = "dispute_tribunal"
    APPEALS_TRIBUNAL = "appeals_tribunal"


# code, name, city, pillar served, opened (ISO date)
INITIAL_OFFICES: tuple[tuple[str, str, str, str, str], ...] = (
    ("new-york", "Headquarters, New York", "New York", "secretariat", "2008-01-01"),
    ("mediation-service", "Mediation Service, New York", "New York", "secretariat", "2008-01-01"),
    (
        "funds-programmes",
        "Funds and Programmes Ombudsman",
        "New York",
        "funds_and_programmes",
        "2008-01-01",
    ),
    ("unhcr", "UNHCR Ombudsman", "Geneva", "unhcr", "2008-01-01"),
    ("bangkok", "Regional branch, Bangkok", "Bangkok", "secretariat", "2010-01-01"),
    ("entebbe", "Regional branch, Entebbe", "Entebbe", "secretariat", "2010-01-01"),
    ("geneva", "Regional branch, Geneva", "Geneva", "secretariat", "2010-01-01"),
    ("goma", "Regional branch, Goma", "Goma", "secretariat", "2012-01-01"),
    ("nairobi", "Regional branch, Nairobi", "Nairobi", "secretariat", "2010-01-01"),
    ("santiago", "Regional branch, Santiago", "Santiago", "secretariat", "2010-01-01"),
    ("vienna", "Regional branch, Vienna", "Vienna", "secretariat", "2010-01-01"),
)
