"""Reference vocabulary every service speaks (see DOMAIN.md); the fixed vocabularies
themselves live in `ombuds_shared.vocabulary`.

Pillars, duty-station locations and occupational groups are fixed by the
office's reporting; offices are data (they open, move and close, in intake's
directory: docs/administration.md), so only their initial list lives here, for
each service's first migration to seed.
"""

from __future__ import annotations

from enum import StrEnum

# Defined once in the vocabulary module; re-exported here for the many imports of this path.
from ombuds_shared.vocabulary import Location, OccupationalGroup, Pillar, Tribunal


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
    # The office system's administrator: offices, the staff roster, history imports.
    ADMINISTRATOR = "administrator"


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

__all__ = [
    "INITIAL_OFFICES",
    "Location",
    "OccupationalGroup",
    "Pillar",
    "Role",
    "Tribunal",
]
