"""The issue taxonomy (IOA Uniform Reporting Categories, version 2, October 2007)
and the register of systemic issues, as seed data for the services' migrations.

A revision of the taxonomy is a new TAXONOMY_VERSION with its own rows: cases
keep the version their issues were coded in, so history is never rewritten.
Descriptions are the project's own short wording.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

__all__ = [
    "CATEGORIES",
    "SUBCATEGORIES",
    "SYSTEMIC_ISSUES",
    "TAXONOMY_VERSION",
    "IssueCodeColumns",
    "SystemicIssueStatus",
    "category_of",
    "issue_rows",
]

TAXONOMY_VERSION = "ioa-urc-2007-v2"

# code -> (IOA label, the label the office's reports use)
CATEGORIES: dict[str, tuple[str, str]] = {
    "1": ("Compensation & Benefits", "Compensation and benefits"),
    "2": ("Evaluative Relationships", "Evaluative relationships"),
    "3": ("Peer and Colleague Relationships", "Peer and colleague relationships"),
    "4": ("Career Progression and Development", "Job and career"),
    "5": ("Legal, Regulatory, Financial and Compliance", "Legal, regulatory, financial and compliance"),  # noqa: E501
    "6": ("Safety, Health, and Physical Environment", "Safety, health, well-being and physical environment"),  # noqa: E501
    "7": ("Services/Administrative Issues", "Services and administrative issues"),
    "8": ("Organizational, Strategic, and Mission Related", "Leadership and management"),
    "9": ("Values, Ethics, and Standards", "Values, ethics and standards"),
}  # fmt: skip

SUBCATEGORIES: dict[str, str] = {
    "1.a": "Compensation", "1.b": "Payroll", "1.c": "Benefits", "1.d": "Retirement, Pension",
    "1.e": "Other",
    "2.a": "Priorities, Values, Beliefs", "2.b": "Respect/Treatment", "2.c": "Trust/Integrity",
    "2.d": "Reputation", "2.e": "Communication", "2.f": "Bullying, Mobbing",
    "2.g": "Diversity-Related", "2.h": "Retaliation", "2.i": "Physical Violence",
    "2.j": "Assignments/Schedules", "2.k": "Feedback", "2.l": "Consultation",
    "2.m": "Performance Appraisal/Grading", "2.n": "Departmental Climate",
    "2.o": "Supervisory Effectiveness", "2.p": "Insubordination", "2.q": "Discipline",
    "2.r": "Equity of Treatment", "2.s": "Other",
    "3.a": "Priorities, Values, Beliefs", "3.b": "Respect/Treatment", "3.c": "Trust/Integrity",
    "3.d": "Reputation", "3.e": "Communication", "3.f": "Bullying, Mobbing",
    "3.g": "Diversity-Related", "3.h": "Retaliation", "3.i": "Physical Violence", "3.j": "Other",
    "4.a": "Job Application/Selection and Recruitment Processes",
    "4.b": "Job Classification and Description",
    "4.c": "Involuntary Transfer/Change of Assignment",
    "4.d": "Tenure/Position Security/Ambiguity", "4.e": "Career Progression",
    "4.f": "Rotation and Duration of Assignment", "4.g": "Resignation",
    "4.h": "Termination/Non-Renewal", "4.i": "Re-employment of Former or Retired Staff",
    "4.j": "Position Elimination", "4.k": "Career Development, Coaching, Mentoring",
    "4.l": "Other",
    "5.a": "Criminal Activity", "5.b": "Business and Financial Practices", "5.c": "Harassment",
    "5.d": "Discrimination",
    "5.e": "Disability, Temporary or Permanent, Reasonable Accommodation",
    "5.f": "Accessibility", "5.g": "Intellectual Property Rights",
    "5.h": "Privacy and Security of Information", "5.i": "Property Damage", "5.j": "Other",
    "6.a": "Safety", "6.b": "Physical Working/Living Conditions", "6.c": "Ergonomics",
    "6.d": "Cleanliness", "6.e": "Security", "6.f": "Telework/Flexplace",
    "6.g": "Safety Equipment", "6.h": "Environmental Policies",
    "6.i": "Work Related Stress and Work-Life Balance", "6.j": "Other",
    "7.a": "Quality of Services", "7.b": "Responsiveness/Timeliness",
    "7.c": "Administrative Decisions and Interpretation/Application of Rules",
    "7.d": "Behavior of Service Provider(s)", "7.e": "Other",
    "8.a": "Strategic and Mission-Related/Strategic and Technical Management",
    "8.b": "Leadership and Management", "8.c": "Use of Positional Power/Authority",
    "8.d": "Communication", "8.e": "Restructuring and Relocation",
    "8.f": "Organizational Climate", "8.g": "Change Management",
    "8.h": "Priority Setting and/or Funding", "8.i": "Data, Methodology, Interpretation of Results",
    "8.j": "Interdepartment/Interorganization Work/Territory", "8.k": "Other",
    "9.a": "Standards of Conduct", "9.b": "Values and Culture",
    "9.c": "Scientific Conduct/Integrity",
    "9.d": "Policies and Procedures Not Covered in Categories 1 to 8", "9.e": "Other",
}  # fmt: skip

# The office's register of systemic issues: code -> label.
SYSTEMIC_ISSUES: dict[str, str] = {
    "performance_management": "Performance management",
    "behaviour_management_accountability": "Behaviour management and accountability",
    "fear_of_speaking_out": "Fear of speaking out",
    "duty_of_care": "Duty of care",
    "mental_health": "Mental health",
    "partial_medical_clearances": "Partial medical clearances",
    "sick_leave_administration": "Sick-leave administration",
    "entitlements_and_benefits": "Entitlements and benefits",
    "selection_and_recruitment": "Selection and recruitment",
    "leadership": "Leadership",
    "organizational_reform_change_management": "Organizational reform and change management",
    "investigation": "Investigation",
    "gender_equality": "Gender equality",
    "diversity": "Diversity",
    "administration": "Administration",
}


class SystemicIssueStatus(StrEnum):
    """Where a register entry stands with leadership, followed over the years."""

    OPEN = "open"
    RECOMMENDATION_MADE = "recommendation_made"
    RESPONSE_RECEIVED = "response_received"
    IMPLEMENTED = "implemented"
    CLOSED = "closed"


def category_of(code: str) -> str:
    """The major category of a sub-category code ('2.b' -> '2')."""
    return code.split(".", 1)[0]


class IssueCodeColumns:
    """Columns of a service's `issue_code` table (mix into a declarative class): the
    taxonomy per version, seeded from `issue_rows()`; a revision adds rows and never
    rewrites old ones."""

    version: Mapped[str] = mapped_column(String(40), primary_key=True)
    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    parent: Mapped[str] = mapped_column(String(10))
    label: Mapped[str] = mapped_column(String(200))
    report_label: Mapped[str] = mapped_column(String(200))


def issue_rows() -> list[dict[str, str]]:
    """Seed rows for an `issue_code` table: every category and sub-category, versioned."""
    rows = [
        {"version": TAXONOMY_VERSION, "code": code, "parent": "", "label": ioa,
         "report_label": report}
        for code, (ioa, report) in CATEGORIES.items()
    ]  # fmt: skip
    rows += [
        {"version": TAXONOMY_VERSION, "code": code, "parent": category_of(code), "label": label,
         "report_label": label}
        for code, label in SUBCATEGORIES.items()
    ]  # fmt: skip
    return rows
