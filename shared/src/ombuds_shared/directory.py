"""The directory's copies: offices and the staff roster, pushed by intake to each service.

Intake's directory is the one source of truth (see docs/administration.md). Every
change there is written to its outbox and delivered, at least once and in order per
receiving service, as a whole snapshot of the changed office or roster entry; a
receiver upserts it into its own table, so a repeated or late delivery changes
nothing more. Only intake may call these routes (its own service token).

A roster snapshot carries no display name: that is a staff identity, and it stays
with intake.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ombuds_shared.auth import require_peer
from ombuds_shared.dependencies import state_of
from ombuds_shared.errors import ValidationFailed
from ombuds_shared.tokens import Caller

__all__ = [
    "CODE_PATTERN",
    "OFFICE_PATH",
    "OFFICE_RECEIVERS",
    "STAFF_PATH",
    "STAFF_RECEIVERS",
    "OfficeSnapshot",
    "StaffRead",
    "StaffRole",
    "StaffSnapshot",
    "check_assignable",
    "directory_receiver",
]

OFFICE_PATH = "/v1/internal/directory/offices"
STAFF_PATH = "/v1/internal/directory/staff"
# Who receives what: analytics counts by office, but assigns nobody.
OFFICE_RECEIVERS = ("cases", "mediation", "analytics")
STAFF_RECEIVERS = ("cases", "mediation")
CODE_PATTERN = r"^[a-z0-9][a-z0-9-]{1,39}$"
# Roles a roster entry can hold: those an office assigns work to, and its head.
StaffRole = Literal["ombudsman", "mediator", "chief"]


class OfficeSnapshot(BaseModel):
    """An office as it stands after a change."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=CODE_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    city: str = Field(min_length=1, max_length=100)
    pillar: str = Field(max_length=40)
    opened_on: dt.date
    closed_on: dt.date | None = None


class StaffSnapshot(BaseModel):
    """A roster entry as the case services need it: subject, office, role, active."""

    model_config = ConfigDict(extra="forbid")

    subject: str = Field(min_length=1, max_length=200)
    office: str = Field(pattern=CODE_PATTERN)
    role: StaffRole
    active: bool


class StaffRead(BaseModel):
    # A roster entry as intake's staff routes answer it; the gateway's GraphQL mirrors it.
    # The display name is a staff identity: the administrator and the office's chief only.
    model_config = ConfigDict(from_attributes=True)

    subject: str
    display_name: str
    office: str
    role: str
    active: bool
    added_at: dt.datetime
    changed_at: dt.datetime


class Received(BaseModel):
    status: Literal["stored"] = "stored"


IntakePeerDep = Annotated[Caller, Depends(require_peer("intake"))]


def directory_receiver(office_model: Any, staff_model: Any | None = None) -> APIRouter:
    """The internal routes through which a service keeps its copy of the directory."""
    router = APIRouter(tags=["internal"])

    @router.post(OFFICE_PATH, response_model=Received, summary="Upsert an office (intake only)")
    async def receive_office(
        snapshot: OfficeSnapshot, request: Request, _caller: IntakePeerDep
    ) -> Received:
        await _upsert(request, office_model, snapshot.model_dump())
        return Received()

    if staff_model is not None:

        @router.post(
            STAFF_PATH, response_model=Received, summary="Upsert a roster entry (intake only)"
        )
        async def receive_staff(
            snapshot: StaffSnapshot, request: Request, _caller: IntakePeerDep
        ) -> Received:
            await _upsert(request, staff_model, snapshot.model_dump())
            return Received()

    return router


async def _upsert(request: Request, model: Any, values: dict[str, Any]) -> None:
    async with state_of(request.app).session_maker() as session, session.begin():
        await session.merge(model(**values))


async def check_assignable(
    session: AsyncSession,
    staff_model: Any,
    *,
    subject: str,
    office: str,
    role: str,
    field: str,
) -> None:
    """Refuses (422, naming `field`) an assignee who is not an active `role` of `office`.

    Enforced for an office once its roster has anyone on it: offices that have not
    registered their staff yet keep assigning by subject, as before the roster existed,
    and an office opts in by registering its staff (see docs/administration.md)."""
    roster = await session.execute(
        select(staff_model.subject, staff_model.role, staff_model.active).where(
            staff_model.office == office
        )
    )
    members = {row.subject: row for row in roster}
    if not members:
        return
    member = members.get(subject)
    if member is None or not member.active or member.role != role:
        raise ValidationFailed(
            f"{subject!r} is not an active {role} of office {office!r}.", field=field
        )
