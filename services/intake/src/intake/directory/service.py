"""Offices and the staff roster: intake's directory, the one source of truth.

Every change is audited (ids only) and written to the directory outbox in the same
transaction, one row per receiving service, holding the whole new state of the office
or roster entry; the relay (intake.directory.relay) pushes the rows to cases,
mediation and analytics, which upsert their own copies.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from intake.audit import service as audit
from intake.directory.models import DirectoryChange, StaffMember
from intake.directory.schemas import SUBJECT_PATTERN, OfficeCreate, OfficeUpdate, StaffCreate
from intake.office.models import Office
from intake.request import service as request_service
from intake.vault.service import require_envelope
from ombuds_shared.crypto import Envelope
from ombuds_shared.db import utcnow
from ombuds_shared.directory import (
    OFFICE_RECEIVERS,
    STAFF_RECEIVERS,
    OfficeSnapshot,
    StaffSnapshot,
)
from ombuds_shared.errors import Conflict, NotFound, ValidationFailed
from ombuds_shared.outbox import emit
from ombuds_shared.tokens import Actor

SUBJECT = re.compile(SUBJECT_PATTERN)
OFFICE_CHANGED = "directory.office"
STAFF_CHANGED = "directory.staff"


async def list_offices(*, session: AsyncSession) -> list[Office]:
    """Every office, open or closed (a closed office's history stays readable)."""
    return list((await session.scalars(select(Office).order_by(Office.code))).all())


async def get_office(*, session: AsyncSession, code: str) -> Office:
    office = await session.get(Office, code)
    if office is None:
        raise NotFound(f"No office {code!r}.")
    return office


def _date_not_in_future(value: dt.date | None, field: str) -> dt.date:
    today = utcnow().date()
    if value is None:
        return today
    if value > today:
        raise ValidationFailed(f"{field} cannot be in the future.", field=field)
    return value


async def open_office(*, session: AsyncSession, actor: Actor, data: OfficeCreate) -> Office:
    """Opens a new office; it takes requests as soon as intake has it."""
    if await session.get(Office, data.code) is not None:
        raise Conflict(f"An office {data.code!r} exists already.", field="code")
    office = Office(
        code=data.code,
        name=data.name,
        city=data.city,
        pillar=data.pillar.value,
        opened_on=_date_not_in_future(data.opened_on, "opened_on"),
        closed_on=None,
    )
    session.add(office)
    await _office_changed(session, actor, office, "office.open")
    return office


async def update_office(
    *, session: AsyncSession, actor: Actor, code: str, data: OfficeUpdate
) -> Office:
    """Renames or moves an office (its code, and so its history, stay)."""
    office = await get_office(session=session, code=code)
    changes = data.model_dump(exclude_none=True)
    if not changes:
        raise ValidationFailed("Give a name, a city or a pillar.", field="name")
    if office.closed_on is not None:
        raise Conflict(f"Office {code!r} is closed.")
    for name, value in changes.items():
        setattr(office, name, str(value))
    await _office_changed(session, actor, office, "office.change")
    return office


async def close_office(
    *, session: AsyncSession, actor: Actor, code: str, closed_on: dt.date | None
) -> Office:
    """Closes an office: it takes no new requests or cases; what it holds stays."""
    office = await get_office(session=session, code=code)
    if office.closed_on is not None:
        raise Conflict(f"Office {code!r} is closed already.")
    closing = _date_not_in_future(closed_on, "closed_on")
    if closing < office.opened_on:
        raise ValidationFailed("closed_on is before the office opened.", field="closed_on")
    office.closed_on = closing
    await _office_changed(session, actor, office, "office.close")
    return office


async def _office_changed(session: AsyncSession, actor: Actor, office: Office, action: str) -> None:
    snapshot = OfficeSnapshot.model_validate(office, from_attributes=True).model_dump(mode="json")
    _push(session, OFFICE_CHANGED, OFFICE_RECEIVERS, snapshot)
    await audit.record(
        session, actor=actor, action=action, context_id=office.code, record_type="office"
    )
    await session.commit()
    # This replica refuses a closed office's requests at once; others within their cache.
    request_service.forget_open_offices()


def _staff_context(subject: str) -> str:
    return f"staff:{subject}"


async def _seal_name(envelope: Envelope | None, member: StaffMember, display_name: str) -> None:
    context = _staff_context(member.subject)
    data_key = await require_envelope(envelope).data_key_or_new(context)
    member.display_name_sealed = Envelope.seal(data_key, display_name, f"{context}:display_name")


async def readable(*, envelope: Envelope | None, member: StaffMember) -> dict[str, Any]:
    """The roster entry with its display name opened (for the administrator or its chief)."""
    context = _staff_context(member.subject)
    data_key = await require_envelope(envelope).data_key(context)
    name = Envelope.open(data_key, member.display_name_sealed, f"{context}:display_name")
    return {
        "subject": member.subject,
        "display_name": name,
        "office": member.office,
        "role": member.role,
        "active": member.active,
        "added_at": member.added_at,
        "changed_at": member.changed_at,
    }


async def list_staff(*, session: AsyncSession, actor: Actor, office: str | None) -> list[Any]:
    """The roster: an administrator's of any office, a chief's of their own office only."""
    if not actor.has_any("administrator"):
        office = actor.office  # a chief reads their own office's roster, whatever they ask
    query = select(StaffMember).order_by(StaffMember.office, StaffMember.subject)
    if office is not None:
        query = query.where(StaffMember.office == office)
    members = list((await session.scalars(query)).all())
    # Display names are staff identities: their reading goes on record.
    await audit.record(
        session,
        actor=actor,
        action="staff.read",
        context_id=office or "*",
        record_type="staff_roster",
    )
    await session.commit()
    return members


async def add_staff(
    *, session: AsyncSession, envelope: Envelope | None, actor: Actor, data: StaffCreate
) -> StaffMember:
    """Adds a member to an open office's roster, or brings a departed one back."""
    office = await session.get(Office, data.office)
    if office is None or office.closed_on is not None:
        raise ValidationFailed(f"{data.office!r} is not an open office.", field="office")
    now = utcnow()
    member = await session.get(StaffMember, data.subject)
    if member is not None and member.active:
        raise Conflict(f"{data.subject!r} is on the roster already.", field="subject")
    if member is None:
        member = StaffMember(subject=data.subject, added_at=now)
        session.add(member)
    await _seal_name(envelope, member, data.display_name)
    member.office = data.office
    member.role = data.role
    member.active = True
    member.changed_at = now
    await _staff_changed(session, actor, member, "staff.add")
    return member


async def first_sign_in(
    *,
    session: AsyncSession,
    envelope: Envelope | None,
    actor: Actor,
    role: str,
    display_name: str,
) -> str:
    """Adds a staff member signing in for the first time (the gateway's claims sync); says
    what happened. An entry that exists stays as it is: the administrator's word, or a
    departure, outranks a token."""
    if await session.get(StaffMember, actor.subject) is not None:
        return "known"
    office = await session.get(Office, actor.office) if actor.office else None
    if office is None or office.closed_on is not None or not actor.has_any(role):
        return "skipped"
    if not SUBJECT.match(actor.subject):
        return "skipped"  # not addressable by the roster's routes; the administrator decides
    now = utcnow()
    member = StaffMember(
        subject=actor.subject,
        office=office.code,
        role=role,
        active=True,
        added_at=now,
        changed_at=now,
    )
    await _seal_name(envelope, member, display_name)
    session.add(member)
    await _staff_changed(session, actor, member, "staff.sign_in")
    return "added"


async def deactivate_staff(*, session: AsyncSession, actor: Actor, subject: str) -> StaffMember:
    """Marks a member as departed: no new assignment; their open cases await reassignment."""
    member = await session.get(StaffMember, subject)
    if member is None:
        raise NotFound("No such member of the staff.")
    if not member.active:
        raise Conflict("This member is inactive already.")
    member.active = False
    member.changed_at = utcnow()
    await _staff_changed(session, actor, member, "staff.deactivate")
    return member


async def _staff_changed(
    session: AsyncSession, actor: Actor, member: StaffMember, action: str
) -> None:
    snapshot = StaffSnapshot(
        subject=member.subject,
        office=member.office,
        role=member.role,
        active=member.active,
    ).model_dump(mode="json")
    _push(session, STAFF_CHANGED, STAFF_RECEIVERS, snapshot)
    await audit.record(
        session,
        actor=actor,
        action=action,
        context_id=member.office,
        record_type="staff_member",
        record_id=member.subject,
    )
    await session.commit()


def _push(
    session: AsyncSession, event_type: str, receivers: tuple[str, ...], snapshot: dict[str, Any]
) -> None:
    for receiver in receivers:
        emit(
            session,
            DirectoryChange,
            event_type=event_type,
            aggregate_id=receiver,
            payload=snapshot,
        )
