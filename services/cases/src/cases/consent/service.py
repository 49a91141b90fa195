"""Consents (P2), the actions they allow, and break-glass disclosures (P4).

The terms of a consent and the reason for a disclosure may name people, so
they are sealed under the case's data key and go with it at destruction.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import load_only

from cases import audited_records
from cases.audit import service as audit
from cases.case.models import CaseRow
from cases.case.service import case_context, require_envelope
from cases.consent.models import Consent, ConsentedAction, Disclosure
from cases.consent.schemas import (
    ActionCreate,
    ConsentCreate,
    ConsentRead,
    ConsentScope,
    DisclosureCreate,
)
from ombuds_shared.crypto import Envelope, KeyDestroyed
from ombuds_shared.db import utcnow
from ombuds_shared.errors import Conflict, Forbidden, NotFound
from ombuds_shared.tokens import Actor


async def data_key(session: AsyncSession, envelope: Envelope | None, case_id: str) -> bytes:
    """The case's data key, unwrapped (the case must not have been destroyed)."""
    envelope = require_envelope(envelope)
    try:
        return await envelope.data_key(case_context(case_id))
    except KeyDestroyed as exc:
        raise Conflict("This case's content was destroyed.") from exc


def seal(key: bytes, case_id: str, kind: str, record_id: str, text: str) -> bytes:
    return Envelope.seal(key, text, f"{case_context(case_id)}:{kind}:{record_id}")


def unseal(key: bytes, case_id: str, kind: str, record_id: str, sealed: bytes | None) -> str | None:
    if sealed is None:
        return None
    try:
        return Envelope.open(key, sealed, f"{case_context(case_id)}:{kind}:{record_id}")
    except KeyDestroyed:
        return None


async def give(
    *,
    session: AsyncSession,
    envelope: Envelope | None,
    case: CaseRow,
    actor: Actor,
    data: ConsentCreate,
) -> ConsentRead:
    """Records a consent the visitor gave."""
    key = await data_key(session, envelope, case.id)
    consent = Consent(
        id=str(uuid.uuid4()),
        case_id=case.id,
        scope=data.scope.value,
        with_office=data.with_office,
        recorded_by=actor.subject,
        given_at=utcnow(),
    )
    if data.details:
        consent.details_sealed = seal(key, case.id, "consent", consent.id, data.details)
    session.add(consent)
    await audited_records.commit_with_audit(
        session, actor, "consent.give", case.id, "consent", consent
    )
    return _read(consent, data.details)


async def revoke(
    *, session: AsyncSession, case: CaseRow, actor: Actor, consent_id: str
) -> ConsentRead:
    """Revokes a consent; actions under its scope are refused from now on."""
    consent = await session.get(Consent, consent_id) if _is_uuid(consent_id) else None
    if consent is None or consent.case_id != case.id:
        raise NotFound("No such consent.")
    if consent.revoked_at is None:
        consent.revoked_at = utcnow()
        await audited_records.commit_with_audit(
            session, actor, "consent.revoke", case.id, "consent", consent
        )
    else:
        await session.commit()
    return _read(consent, None)


async def list_consents(
    *, session: AsyncSession, envelope: Envelope | None, case: CaseRow, actor: Actor
) -> list[ConsentRead]:
    """The case's consents with their terms (the assigned ombudsman only; audited)."""
    key = await data_key(session, envelope, case.id)
    rows = await audited_records.list_rows(
        session=session, model=Consent, case=case, actor=actor, what="consent"
    )
    return [
        _read(consent, unseal(key, case.id, "consent", consent.id, consent.details_sealed))
        for consent in rows
    ]


def _read(consent: Consent, details: str | None) -> ConsentRead:
    return ConsentRead(
        id=consent.id,
        scope=consent.scope,
        with_office=consent.with_office,
        details=details,
        given_at=consent.given_at,
        revoked_at=consent.revoked_at,
        live=consent.revoked_at is None,
    )


async def act(
    *, session: AsyncSession, case: CaseRow, actor: Actor, data: ActionCreate
) -> ConsentedAction:
    """Takes an action that needs consent: refused unless a live consent of its scope exists."""
    query = select(Consent).where(
        Consent.case_id == case.id,
        Consent.scope == data.action.value,
        Consent.revoked_at.is_(None),
    )
    if data.action == ConsentScope.SHARE_IDENTITY:
        query = query.where(Consent.with_office == data.with_office)
    consent = (await session.execute(query.limit(1))).scalar_one_or_none()
    if consent is None:
        await audit.record(
            session, actor=actor, action=f"action.refused.{data.action.value}", case_id=case.id
        )
        await session.commit()
        raise Forbidden(
            f"The visitor has given no live consent for {data.action.value}"
            + (f" with {data.with_office}." if data.with_office else ".")
        )
    action = ConsentedAction(
        case_id=case.id,
        consent_id=consent.id,
        action=data.action.value,
        with_office=data.with_office,
        taken_by=actor.subject,
        taken_at=utcnow(),
    )
    session.add(action)
    await audited_records.commit_with_audit(
        session, actor, f"action.{data.action.value}", case.id, "consented_action", action
    )
    return action


async def disclose(
    *,
    session: AsyncSession,
    envelope: Envelope | None,
    case: CaseRow,
    actor: Actor,
    data: DisclosureCreate,
) -> Disclosure:
    """Records a break-glass disclosure with its sealed justification; always allowed."""
    key = await data_key(session, envelope, case.id)
    disclosure = Disclosure(
        id=str(uuid.uuid4()),
        case_id=case.id,
        office=case.office,
        disclosed_to=data.disclosed_to,
        made_by=actor.subject,
        made_at=utcnow(),
    )
    disclosure.justification_sealed = seal(
        key, case.id, "disclosure", disclosure.id, data.justification
    )
    session.add(disclosure)
    await audited_records.commit_with_audit(
        session, actor, "disclosure.break_glass", case.id, "disclosure", disclosure
    )
    return disclosure


async def oversight(
    *, session: AsyncSession, actor: Actor
) -> tuple[list[Disclosure], dict[str, int]]:
    """The office's break-glass disclosures, newest first, and their count per month."""
    # The oversight sees who disclosed what to whom and when, never the sealed justification.
    rows = list(
        await session.scalars(
            select(Disclosure)
            .options(
                load_only(
                    Disclosure.id, Disclosure.disclosed_to, Disclosure.made_by, Disclosure.made_at
                )
            )
            .where(Disclosure.office == (actor.office or ""))
            .order_by(Disclosure.made_at.desc())
        )
    )
    per_month: dict[str, int] = {}
    for row in rows:
        month = row.made_at.astimezone(dt.UTC).strftime("%Y-%m")
        per_month[month] = per_month.get(month, 0) + 1
    await audit.record_read(
        session,
        actor=actor,
        action="oversight.disclosures.read",
        case_id=actor.office or "",
        record_type="office",
    )
    return rows, per_month


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
