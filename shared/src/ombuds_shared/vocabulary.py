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

from ombuds_shared.i18n import N_
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


class CaseStatus(StrEnum):
    OPENED = "opened"
    IN_PROGRESS = "in_progress"
    ON_HOLD = "on_hold"
    CLOSED = "closed"


class Outcome(StrEnum):
    """How a mediation ended."""

    SETTLED = "settled"
    NOT_SETTLED = "not_settled"
    PARTY_DECLINED = "party_declined"
    RESOLVED_BEFORE_MEDIATION = "resolved_before_mediation"
    WITHDRAWN = "withdrawn"


class ContactChannel(StrEnum):
    """How a visitor or a party wishes to be reached (kept in intake's vault only)."""

    EMAIL = "email"
    PHONE = "phone"
    VIDEO_CALL = "video_call"
    IN_PERSON = "in_person"


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


class ExitSurveyQuestion(StrEnum):
    """What a visitor's exit survey asks (analytics' ExitAnswer has one field per question)."""

    HELPFUL = "helpful"
    RESPECTED = "respected"
    WOULD_RECOMMEND = "would_recommend"
    MATTER_RESOLVED = "matter_resolved"


# Labels that the code's own spelling would render wrongly; every other label is the code
# with its underscores as spaces and a capital first letter.
_LABELS: dict[StrEnum, str] = {
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


# What visitors and parties read: labels spelled out and marked for translation (N_), in
# the six languages through ombuds_shared.i18n. The reference routes translate these
# vocabularies' labels and titles; staff-facing ones stay English.
_READER_LABELS: dict[StrEnum, str] = {
    Pillar.SECRETARIAT: N_("Secretariat"),
    Pillar.FUNDS_AND_PROGRAMMES: N_("Funds and Programmes"),
    Pillar.UNHCR: N_("UNHCR"),
    Location.HEADQUARTERS: N_("Headquarters"),
    Location.OFFICE_AWAY_FROM_HEADQUARTERS: N_("Office away from Headquarters"),
    Location.FIELD_MISSION: N_("Field mission"),
    OccupationalGroup.INTERNATIONAL_PROFESSIONAL: N_("International professional"),
    OccupationalGroup.NATIONAL_OFFICER: N_("National officer"),
    OccupationalGroup.DIRECTOR_AND_ABOVE: N_("Director and above"),
    OccupationalGroup.GENERAL_SERVICE: N_("General service"),
    OccupationalGroup.FIELD_SERVICE: N_("Field service"),
    OccupationalGroup.FORMER_STAFF_OR_RETIREE: N_("Former staff or retiree"),
    OccupationalGroup.NON_STAFF: N_("Non-staff"),
    OccupationalGroup.UNKNOWN: N_("Unknown"),
    DeclineReason.OUTSIDE_MANDATE: N_("Outside mandate"),
    DeclineReason.CONFLICT_OF_INTEREST: N_("Conflict of interest"),
    DeclineReason.FORMAL_PROCESS_MORE_SUITABLE: N_("Formal process more suitable"),
    DeclineReason.DUPLICATE_REQUEST: N_("Duplicate request"),
    DeclineReason.VISITOR_UNREACHABLE: N_("Visitor unreachable"),
    DeclineReason.OTHER: N_("Other"),
    SurveyDimension.WORKLOAD: N_("Workload"),
    SurveyDimension.ROLE_CLARITY: N_("Role clarity"),
    SurveyDimension.SUPERVISOR_SUPPORT: N_("Supervisor support"),
    SurveyDimension.COLLEAGUE_RELATIONS: N_("Colleague relations"),
    SurveyDimension.RECOGNITION: N_("Recognition"),
    SurveyDimension.FAIRNESS: N_("Fairness"),
    SurveyDimension.COMMUNICATION: N_("Communication"),
    SurveyDimension.CHANGE_MANAGEMENT: N_("Change management"),
    ExitSurveyQuestion.HELPFUL: N_("How helpful was the Office to you? (1 = not at all, 5 = very)"),
    ExitSurveyQuestion.RESPECTED: N_(
        "Did you feel listened to and treated with respect? (1 = not at all, 5 = fully)"
    ),
    ExitSurveyQuestion.WOULD_RECOMMEND: N_("Would you recommend the Office to a colleague?"),
    ExitSurveyQuestion.MATTER_RESOLVED: N_("Is the matter you came with resolved?"),
}
_LABELS.update(_READER_LABELS)

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
        _of("decline_reasons", N_("Why a request for help was declined"), DeclineReason),
        _of("referral_sources", "Who referred a case to mediation", ReferralSource),
        _of("formal_channels", "Formal channels a visitor is referred to", FormalChannel),
        _of("tribunals", "Tribunals that refer cases to mediation", Tribunal),
        _of("survey_dimensions", N_("Workplace survey dimensions"), SurveyDimension),
        _of("exit_survey_questions", N_("Questions of the exit survey"), ExitSurveyQuestion),
        _of("pillars", N_("Pillars the office serves"), Pillar),
        _of("locations", N_("Kinds of duty station"), Location),
        _of("occupational_groups", N_("Occupational groups of visitors"), OccupationalGroup),
        _of("session_modes", "How a mediation session is held", SessionMode),
    )
}

# The vocabularies visitors and parties read: their labels and titles are translated.
READER_VOCABULARIES = frozenset(
    {
        "decline_reasons",
        "survey_dimensions",
        "exit_survey_questions",
        "pillars",
        "locations",
        "occupational_groups",
    }
)

__all__ = [
    "READER_VOCABULARIES",
    "TRIBUNAL_REFERRAL_SOURCES",
    "VOCABULARIES",
    "CaseStatus",
    "Channel",
    "ClosureReason",
    "ContactChannel",
    "DeclineReason",
    "ExitSurveyQuestion",
    "FormalChannel",
    "Location",
    "OccupationalGroup",
    "Outcome",
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
