"""The directory as GraphQL types: offices (reference data) and the staff roster."""

from __future__ import annotations

import datetime as dt

import strawberry

from gateway.graphql.types.common import PillarEnum
from ombuds_shared.directory import StaffRead


@strawberry.type(description="An office of the Ombudsman; a closed one keeps its history.")
class Office:
    code: str
    name: str
    city: str
    pillar: PillarEnum
    opened_on: dt.date
    closed_on: dt.date | None
    open: bool


@strawberry.experimental.pydantic.type(
    model=StaffRead,
    all_fields=True,
    description="A member of an office's staff. The display name is a staff identity: "
    "the administrator and the office's chief only.",
)
class StaffMember:
    pass


@strawberry.type(description="An open case of your office whose ombudsman has left.")
class CaseReassignment:
    case_id: str
    assigned_to: str
    status: str
    opened_at: dt.datetime


@strawberry.type(description="An open mediation of your office whose mediator has left.")
class MediationReassignment:
    mediation_id: str
    mediator: str
    status: str
    opened_at: dt.datetime


@strawberry.input(description="An office to open.")
class OfficeInput:
    code: str
    name: str
    city: str
    pillar: PillarEnum
    opened_on: dt.date | None = None


@strawberry.input(description="A member of an office's staff, by identity-provider subject.")
class StaffMemberInput:
    subject: str
    display_name: str
    office: str
    role: str
