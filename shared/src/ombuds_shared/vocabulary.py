"""The fixed vocabularies of Ombuds, defined once, with the labels frontends show.

Producers (intake, cases, mediation) and consumers (analytics, the gateway's
reference routes) import these enums from here; the older homes of each enum
re-export it, so a value added here is known everywhere at once.

Offices are not here: they are data (they open, move and close), administered
by the services, not fixed by code.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ombuds_shared.taxonomy import (
    CATEGORIES,
    SUBCATEGORIES,
    SYSTEMIC_ISSUES,
    TAXONOMY_VERSION,
    category_of,
)


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


class Tribunal(StrEnum):
    """The tribunals that refer cases to mediation; a registry account serves one of them."""

    DISPUTE_TRIBUNAL = "dispute_tribunal"
    APPEALS_TRIBUNAL = "appeals_tribunal"
    ILO_ADMINISTRATIVE_TRIBUNAL = "ilo_administrative_tribunal"
    WORLD_BANK_ADMINISTRATIVE_TRIBUNAL = "world_bank_administrative_tribunal"


class ServiceKind(StrEnum):
    """The kinds of service an ombudsman gives on a case."""

    CONSULTATION = "consultation"
    OPTIONS = "options"
    COACHING = "coaching"
    FACILITATION = "facilitation"
    PROBLEM_SOLVING = "problem_solving"
    SHUTTLE_DIPLOMACY = "shuttle_diplomacy"
    MEDIATION = "mediation"
    GROUP_PROCESS = "group_process"
    REFERRAL = "referral"


class Channel(StrEnum):
    """How a request for help reached the office."""

    VISITOR = "visitor"
    HR_PORTAL = "hr_portal"
    REFERRING_OFFICE = "referring_office"
    # An ombudsman recording a visitor who came to the office on their own behalf.
    IN_PERSON = "in_person"
    PHONE = "phone"
    EMAIL = "email"


class ClosureReason(StrEnum):
    RESOLVED = "resolved"
    OPTIONS_PROVIDED = "options_provided"
    REFERRED = "referred"
    VISITOR_WITHDREW = "visitor_withdrew"
    NOT_AMENABLE = "not_amenable"
    NO_FURTHER_CONTACT = "no_further_contact"


class DeclineReason(StrEnum):
    """Why the office declined a request for help."""

    OUTSIDE_MANDATE = "outside_mandate"
    CONFLICT_OF_INTEREST = "conflict_of_interest"
    FORMAL_PROCESS_MORE_SUITABLE = "formal_process_more_suitable"
    DUPLICATE_REQUEST = "duplicate_request"
    VISITOR_UNREACHABLE = "visitor_unreachable"
    OTHER = "other"


class ReferralSource(StrEnum):
    """Who referred a case to mediation; each tribunal is also a referral source."""

    DISPUTE_TRIBUNAL = "dispute_tribunal"
    APPEALS_TRIBUNAL = "appeals_tribunal"
    ILO_ADMINISTRATIVE_TRIBUNAL = "ilo_administrative_tribunal"
    WORLD_BANK_ADMINISTRATIVE_TRIBUNAL = "world_bank_administrative_tribunal"
    MANAGEMENT_EVALUATION_UNIT = "management_evaluation_unit"
    STAFF_LEGAL_ASSISTANCE = "staff_legal_assistance"
    OMBUDSMAN = "ombudsman"
    ADMINISTRATION = "administration"
    SELF_REFERRAL = "self_referral"
    OTHER = "other"


class FormalChannel(StrEnum):
    """The formal channels an ombudsman refers a visitor to (P8)."""

    STAFF_LEGAL_ASSISTANCE = "staff_legal_assistance"
    MANAGEMENT_EVALUATION = "management_evaluation"
    ETHICS_OFFICE = "ethics_office"
    INVESTIGATIONS = "investigations"
    MEDICAL_OR_STAFF_COUNSELLING = "medical_or_staff_counselling"
    VICTIMS_RIGHTS_ADVOCATE = "victims_rights_advocate"
    CONDUCT_AND_DISCIPLINE = "conduct_and_discipline"
    SPEAK_UP_HELPLINE = "speak_up_helpline"


class SessionMode(StrEnum):
    IN_PERSON = "in_person"
    REMOTE = "remote"  # remote, not said how (sessions recorded before video and phone)
    VIDEO = "video"
    PHONE = "phone"


class SurveyDimension(StrEnum):
    """Workplace dimensions a pre-intervention survey asks about."""

    WORKLOAD = "workload"
    ROLE_CLARITY = "role_clarity"
    SUPERVISOR_SUPPORT = "supervisor_support"
    COLLEAGUE_RELATIONS = "colleague_relations"
    RECOGNITION = "recognition"
    FAIRNESS = "fairness"
    COMMUNICATION = "communication"
    CHANGE_MANAGEMENT = "change_management"


# Labels that the code's own spelling would render wrongly; every other label is the code
# with its underscores as spaces and a capital first letter.
_LABELS: dict[StrEnum, str] = {
    Pillar.FUNDS_AND_PROGRAMMES: "Funds and Programmes",
    Pillar.UNHCR: "UNHCR",
    Location.OFFICE_AWAY_FROM_HEADQUARTERS: "Office away from Headquarters",
    OccupationalGroup.DIRECTOR_AND_ABOVE: "Director and above",
    OccupationalGroup.FORMER_STAFF_OR_RETIREE: "Former staff or retiree",
    OccupationalGroup.NON_STAFF: "Non-staff",
    Tribunal.DISPUTE_TRIBUNAL: "United Nations Dispute Tribunal (UNDT)",
    Tribunal.APPEALS_TRIBUNAL: "United Nations Appeals Tribunal (UNAT)",
    Tribunal.ILO_ADMINISTRATIVE_TRIBUNAL: "ILO Administrative Tribunal (ILOAT)",
    Tribunal.WORLD_BANK_ADMINISTRATIVE_TRIBUNAL: "World Bank Administrative Tribunal (WBAT)",
    ServiceKind.OPTIONS: "Exploring options",
    Channel.VISITOR: "The visitor, online",
    Channel.HR_PORTAL: "HR portal",
    Channel.IN_PERSON: "In person (walk-in)",
    Channel.EMAIL: "E-mail",
    ReferralSource.DISPUTE_TRIBUNAL: "United Nations Dispute Tribunal (UNDT)",
    ReferralSource.APPEALS_TRIBUNAL: "United Nations Appeals Tribunal (UNAT)",
    ReferralSource.ILO_ADMINISTRATIVE_TRIBUNAL: "ILO Administrative Tribunal (ILOAT)",
    ReferralSource.WORLD_BANK_ADMINISTRATIVE_TRIBUNAL: "World Bank Administrative Tribunal (WBAT)",
    ReferralSource.OMBUDSMAN: "An ombudsman",
    ReferralSource.SELF_REFERRAL: "Self-referral",
    FormalChannel.STAFF_LEGAL_ASSISTANCE: "Office of Staff Legal Assistance",
    FormalChannel.ETHICS_OFFICE: "Ethics Office",
    FormalChannel.INVESTIGATIONS: "Investigations",
    FormalChannel.MEDICAL_OR_STAFF_COUNSELLING: "Medical service or staff counselling",
    FormalChannel.VICTIMS_RIGHTS_ADVOCATE: "Victims' rights advocate",
    FormalChannel.SPEAK_UP_HELPLINE: "Speak-up helpline",
}


# The referral sources that are tribunals: such a referral names the tribunal's case.
TRIBUNAL_REFERRAL_SOURCES = frozenset(ReferralSource(t.value) for t in Tribunal)


def label_of(term: StrEnum) -> str:
    """The English label of a term."""
    return _LABELS.get(term) or term.value.replace("_", " ").capitalize()


@dataclass(frozen=True, slots=True)
class Term:
    code: str
    label: str
    # A taxonomy sub-category's major category; a category's own report label.
    parent: str | None = None
    report_label: str | None = None
    version: str | None = None


@dataclass(frozen=True, slots=True)
class Vocabulary:
    name: str
    title: str
    terms: tuple[Term, ...]


def _of(name: str, title: str, enum: type[StrEnum]) -> Vocabulary:
    return Vocabulary(name, title, tuple(Term(m.value, label_of(m)) for m in enum))


def _taxonomy() -> Vocabulary:
    # Every version's codes, each labelled in its own version: a case coded in an older
    # version keeps showing that version's words.
    categories = tuple(
        Term(code, ioa, report_label=report, version=TAXONOMY_VERSION)
        for code, (ioa, report) in CATEGORIES.items()
    )
    subcategories = tuple(
        Term(code, label, parent=category_of(code), version=TAXONOMY_VERSION)
        for code, label in SUBCATEGORIES.items()
    )
    return Vocabulary(
        "taxonomy",
        "IOA Uniform Reporting Categories: categories and sub-categories, per version",
        categories + subcategories,
    )


VOCABULARIES: dict[str, Vocabulary] = {
    v.name: v
    for v in (
        _taxonomy(),
        Vocabulary(
            "systemic_issues",
            "The office's register of systemic issues",
            tuple(Term(code, label) for code, label in SYSTEMIC_ISSUES.items()),
        ),
        _of("services", "Kinds of service given on a case", ServiceKind),
        _of("channels", "How a request for help reached the office", Channel),
        _of("closure_reasons", "Why a case was closed", ClosureReason),
        _of("decline_reasons", "Why a request for help was declined", DeclineReason),
        _of("referral_sources", "Who referred a case to mediation", ReferralSource),
        _of("formal_channels", "Formal channels a visitor is referred to", FormalChannel),
        _of("tribunals", "Tribunals that refer cases to mediation", Tribunal),
        _of("survey_dimensions", "Workplace survey dimensions", SurveyDimension),
        _of("pillars", "Pillars the office serves", Pillar),
        _of("locations", "Kinds of duty station", Location),
        _of("occupational_groups", "Occupational groups of visitors", OccupationalGroup),
        _of("session_modes", "How a mediation session is held", SessionMode),
    )
}

__all__ = [
    "TRIBUNAL_REFERRAL_SOURCES",
    "VOCABULARIES",
    "Channel",
    "ClosureReason",
    "DeclineReason",
    "FormalChannel",
    "Location",
    "OccupationalGroup",
    "Pillar",
    "ReferralSource",
    "ServiceKind",
    "SessionMode",
    "SurveyDimension",
    "Term",
    "Tribunal",
    "Vocabulary",
    "label_of",
]
