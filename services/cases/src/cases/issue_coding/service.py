"""Coding a case: its issues, the services given, referrals and systemic-issue tags.

Each change writes its `case.*` event and its audit entry in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cases import audited_records
from cases.case.models import CaseRow
from cases.issue_coding.models import CaseIssue, IssueCode, Referral, ServiceGiven, SystemicTag
from cases.issue_coding.schemas import IssueCreate, ReferralCreate, ServiceCreate, SystemicTagCreate
from cases.outbox import emit_case_event
from ombuds_shared import events
from ombuds_shared.dates import check_step_date, earliest_day_of
from ombuds_shared.db import utcnow
from ombuds_shared.errors import ValidationFailed
from ombuds_shared.taxonomy import TAXONOMY_VERSION, category_of
from ombuds_shared.tokens import Actor
from ombuds_shared.vocabulary import ServiceKind

OpenMediation = Callable[[dict[str, Any]], Awaitable[str]]


def _check_dated(case: CaseRow, day: dt.date, field: str) -> None:
    """A dated step of a case: not in the future, not before the case was opened."""
    check_step_date(
        day,
        field=field,
        not_before=earliest_day_of(case.opened_at),
        before_what="the case was opened",
    )


async def record_issue(
    *, session: AsyncSession, case: CaseRow, actor: Actor, data: IssueCreate
) -> CaseIssue:
    """Codes an issue in the taxonomy version in force."""
    known = await session.get(IssueCode, (TAXONOMY_VERSION, data.code))
    if known is None:
        raise ValidationFailed(f"{data.code!r} is not a code of taxonomy {TAXONOMY_VERSION}.")
    now = utcnow()
    issue = CaseIssue(
        case_id=case.id,
        taxonomy_version=TAXONOMY_VERSION,
        code=data.code,
        recorded_by=actor.subject,
        recorded_at=now,
    )
    session.add(issue)
    emit_case_event(
        session,
        events.CaseIssueRecorded(
            case_id=case.id,
            issue_code=data.code,
            category=category_of(data.code),
            taxonomy_version=TAXONOMY_VERSION,
            recorded_on=now.date(),
        ),
    )
    await audited_records.commit_with_audit(
        session,
        actor,
        "issue.record",
        case.id,
        "issue",
        issue,
        duplicate="This issue is already recorded for the case.",
    )
    return issue


async def give_service(
    *,
    session: AsyncSession,
    case: CaseRow,
    actor: Actor,
    data: ServiceCreate,
    issue_codes: list[str],
    open_mediation: OpenMediation,
) -> ServiceGiven:
    """Records a service given; mediation is opened in the mediation service first.

    The mediation service answers the same id for the same case, so if this
    transaction fails after it answered, recording the service again repairs it.
    """
    _check_dated(case, data.given_on, "given_on")
    mediation_id = None
    if data.service is ServiceKind.MEDIATION:
        await session.commit()  # end the read transaction before waiting on a peer
        mediation_id = await open_mediation(
            {
                "source_case_id": case.id,
                "pillar": case.pillar,
                "office": case.office,
                "issue_codes": issue_codes,
                "is_group": bool(case.is_group),
                "participant_count": int(case.participant_count),
                "referral_source": "ombudsman",
            }
        )
    given = ServiceGiven(
        case_id=case.id,
        service=data.service.value,
        given_on=data.given_on,
        mediation_id=mediation_id,
        recorded_by=actor.subject,
        recorded_at=utcnow(),
    )
    session.add(given)
    emit_case_event(
        session,
        events.CaseServiceGiven(case_id=case.id, service=data.service, given_on=data.given_on),
    )
    await audited_records.commit_with_audit(
        session, actor, "service.record", case.id, "service", given
    )
    return given


async def refer(
    *, session: AsyncSession, case: CaseRow, actor: Actor, data: ReferralCreate
) -> Referral:
    """Records a referral to a formal channel (P8)."""
    _check_dated(case, data.referred_on, "referred_on")
    referral = Referral(
        case_id=case.id,
        formal_channel=data.formal_channel.value,
        referred_on=data.referred_on,
        recorded_by=actor.subject,
        recorded_at=utcnow(),
    )
    session.add(referral)
    emit_case_event(
        session,
        events.CaseReferralMade(
            case_id=case.id, formal_channel=data.formal_channel, referred_on=data.referred_on
        ),
    )
    await audited_records.commit_with_audit(
        session, actor, "referral.record", case.id, "referral", referral
    )
    return referral


async def tag_systemic_issue(
    *, session: AsyncSession, case: CaseRow, actor: Actor, data: SystemicTagCreate
) -> SystemicTag:
    """Tags the case with a systemic issue of the register (once per issue)."""
    now = utcnow()
    tag = SystemicTag(
        case_id=case.id,
        systemic_issue=data.systemic_issue,
        tagged_by=actor.subject,
        tagged_at=now,
    )
    session.add(tag)
    emit_case_event(
        session,
        events.CaseSystemicIssueTagged(
            case_id=case.id, systemic_issue=data.systemic_issue, tagged_on=now.date()
        ),
    )
    await audited_records.commit_with_audit(
        session,
        actor,
        "systemic_issue.tag",
        case.id,
        "systemic_tag",
        tag,
        duplicate="The case already carries this tag.",
    )
    return tag


async def issue_codes(*, session: AsyncSession, case_id: str) -> list[str]:
    table = CaseIssue.__table__
    result = await session.execute(
        select(table.c.code).where(table.c.case_id == case_id).order_by(table.c.recorded_at)
    )
    return [str(code) for code in result.scalars()]
