"""The deadline ledger: each clock a mediation touches, and every start, stop and resumption.

Functions here add to the caller's transaction; the caller commits, so a
transition and the ledger lines it causes commit together.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mediation.case.models import Mediation
from mediation.config import MediationSettings
from mediation.deadline.models import ClockEntry, DeadlineClock, Extension
from mediation.deadline.schemas import (
    ClockAction,
    ClockCreate,
    ClockEntryRead,
    ClockKind,
    ClockRead,
    ClockReason,
    ClockState,
    ExtensionCreate,
    ExtensionDecision,
    ExtensionRead,
    ExtensionStatus,
    LedgerRead,
)
from mediation.outbox import OutboxEvent
from ombuds_shared.dates import check_step_date
from ombuds_shared.db import utcnow
from ombuds_shared.errors import Conflict, ValidationFailed
from ombuds_shared.events import MediationExtensionGranted, emit_event

# Filing periods stop while the parties mediate and run again if it breaks down.
_PAUSABLE = (ClockKind.FILING_PERIOD.value, ClockKind.MANAGEMENT_EVALUATION.value)


def _days(day: int) -> dt.timedelta:
    return dt.timedelta(days=day)


def _log(
    clock: DeadlineClock,
    action: ClockAction,
    on: dt.date,
    reason: ClockReason,
    days: int | None = None,
) -> None:
    clock.entries.append(
        ClockEntry(
            seq=len(clock.entries) + 1,
            action=action.value,
            happened_on=on,
            reason=reason.value,
            days=days,
        )
    )


def _new_clock(
    session: AsyncSession,
    mediation: Mediation,
    kind: ClockKind,
    started_on: dt.date,
    period_days: int,
    reason: ClockReason,
) -> DeadlineClock:
    clock = DeadlineClock(
        mediation_id=mediation.id,
        kind=kind.value,
        state=ClockState.RUNNING.value,
        started_on=started_on,
        period_days=period_days,
        due_on=started_on + _days(period_days),
        entries=[],
    )
    _log(clock, ClockAction.STARTED, started_on, reason, period_days)
    session.add(clock)
    return clock


async def clocks_of(session: AsyncSession, mediation_id: str) -> list[DeadlineClock]:
    """The mediation's clocks, oldest first."""
    result = await session.execute(
        select(DeadlineClock)
        .where(DeadlineClock.mediation_id == mediation_id)
        .order_by(DeadlineClock.started_on, DeadlineClock.id)
    )
    return list(result.scalars())


async def extensions_of(session: AsyncSession, mediation_id: str) -> list[Extension]:
    """The extensions asked for on a mediation, oldest first."""
    result = await session.execute(
        select(Extension)
        .where(Extension.mediation_id == mediation_id)
        .order_by(Extension.requested_on, Extension.id)
    )
    return list(result.scalars())


def on_referral_accepted(
    *, session: AsyncSession, mediation: Mediation, settings: MediationSettings, on: dt.date
) -> None:
    """A tribunal's proceedings are suspended once the office accepts its referral."""
    if mediation.tribunal is not None:
        _new_clock(
            session,
            mediation,
            ClockKind.TRIBUNAL_SUSPENSION,
            on,
            settings.tribunal_suspension_days,
            ClockReason.REFERRAL_ACCEPTED,
        )


async def on_all_parties_agreed(
    *, session: AsyncSession, mediation: Mediation, on: dt.date
) -> None:
    """Consent to mediate stops the filing clocks; the days left are kept."""
    for clock in await clocks_of(session, mediation.id):
        if clock.kind in _PAUSABLE and clock.state == ClockState.RUNNING and clock.due_on:
            clock.days_remaining = max(0, (clock.due_on - on).days)
            clock.due_on = None
            clock.state = ClockState.STOPPED.value
            _log(clock, ClockAction.STOPPED, on, ClockReason.PARTIES_CONSENTED_TO_MEDIATION)


async def on_closed(
    *,
    session: AsyncSession,
    mediation: Mediation,
    settings: MediationSettings,
    on: dt.date,
    breakdown: bool,
) -> None:
    """Closing ends the suspension, resumes filing clocks on a breakdown, opens enforcement."""
    for clock in await clocks_of(session, mediation.id):
        if clock.kind == ClockKind.TRIBUNAL_SUSPENSION and clock.state != ClockState.ENDED:
            clock.state = ClockState.ENDED.value
            _log(clock, ClockAction.ENDED, on, ClockReason.MEDIATION_ENDED)
        elif clock.kind in _PAUSABLE and clock.state == ClockState.STOPPED and breakdown:
            remaining = clock.days_remaining or 0
            clock.state = ClockState.RUNNING.value
            clock.due_on = on + _days(remaining)
            clock.days_remaining = None
            _log(clock, ClockAction.RESUMED, on, ClockReason.MEDIATION_BROKE_DOWN, remaining)
    if mediation.settlement_signed_on is not None:
        # Enforcement runs from the implementation deadline, or else a set time after signature.
        opens = mediation.settlement_implementation_deadline or (
            mediation.settlement_signed_on + _days(settings.settlement_default_implementation_days)
        )
        _new_clock(
            session,
            mediation,
            ClockKind.ENFORCEMENT_WINDOW,
            opens,
            settings.enforcement_window_days,
            ClockReason.SETTLEMENT_SIGNED,
        )


def register_clock(
    *,
    session: AsyncSession,
    mediation: Mediation,
    settings: MediationSettings,
    data: ClockCreate,
    all_agreed: bool,
) -> DeadlineClock:
    """Registers a filing period; it is stopped at once if the parties already consented."""
    if data.kind not in (ClockKind.FILING_PERIOD, ClockKind.MANAGEMENT_EVALUATION):
        raise ValidationFailed("Only filing periods are registered by hand; the others follow.")
    period = data.period_days
    if period is None:
        if data.kind is not ClockKind.MANAGEMENT_EVALUATION:
            raise ValidationFailed("A filing period needs its period_days.")
        period = settings.management_evaluation_days
    clock = _new_clock(
        session, mediation, data.kind, data.started_on, period, ClockReason.PERIOD_REGISTERED
    )
    if all_agreed and mediation.status != "closed" and clock.due_on is not None:
        today = max(data.started_on, utcnow().date())
        clock.days_remaining = max(0, (clock.due_on - today).days)
        clock.due_on = None
        clock.state = ClockState.STOPPED.value
        _log(clock, ClockAction.STOPPED, today, ClockReason.PARTIES_CONSENTED_TO_MEDIATION)
    return clock


async def decide_extension(
    *, session: AsyncSession, mediation: Mediation, extension: Extension, data: ExtensionDecision
) -> bool:
    """Grants or refuses a requested extension; a grant moves the suspension's due date."""
    if extension.status != ExtensionStatus.REQUESTED:
        raise Conflict(f"This extension was already {extension.status}.")
    extension.decided_on = data.decided_on
    if not data.granted:
        extension.status = ExtensionStatus.REFUSED.value
        return False
    suspension = next(
        (
            c
            for c in await clocks_of(session, mediation.id)
            if c.kind == ClockKind.TRIBUNAL_SUSPENSION and c.state == ClockState.RUNNING
        ),
        None,
    )
    if suspension is None or suspension.due_on is None:
        raise Conflict("No tribunal suspension is running; there is nothing to extend.")
    days = data.days or extension.requested_days
    extension.status = ExtensionStatus.GRANTED.value
    extension.granted_days = days
    suspension.due_on = suspension.due_on + _days(days)
    suspension.period_days += days
    _log(suspension, ClockAction.EXTENDED, data.decided_on, ClockReason.EXTENSION_GRANTED, days)
    return True


async def ledger_of(*, session: AsyncSession, mediation: Mediation) -> LedgerRead:
    """Every clock of the mediation with its history, and its extensions."""
    clocks = await clocks_of(session, mediation.id)
    extensions = await extensions_of(session, mediation.id)
    return LedgerRead(
        clocks=[
            ClockRead(
                id=c.id,
                kind=c.kind,
                state=c.state,
                started_on=c.started_on,
                period_days=c.period_days,
                due_on=c.due_on,
                days_remaining=c.days_remaining,
                entries=[
                    ClockEntryRead(
                        action=e.action,
                        on=e.happened_on,
                        reason=e.reason,
                        days=e.days,
                    )
                    for e in c.entries
                ],
            )
            for c in clocks
        ],
        extensions=[ExtensionRead.model_validate(e, from_attributes=True) for e in extensions],
    )


async def request_extension(
    *, session: AsyncSession, mediation: Mediation, data: ExtensionCreate
) -> Extension:
    """Records a request to extend the tribunal's suspension (decided later)."""
    if mediation.tribunal is None:
        raise Conflict("Only a tribunal-referred mediation has a suspension to extend.")
    if mediation.status not in ("agreement_pending", "in_mediation"):
        raise Conflict(f"Cannot ask for an extension while the mediation is {mediation.status}.")
    check_step_date(
        data.requested_on,
        field="requested_on",
        not_before=mediation.accepted_floor(),
        before_what="the referral was accepted",
    )
    extension = Extension(
        mediation_id=mediation.id,
        requested_on=data.requested_on,
        requested_days=data.requested_days,
        status=ExtensionStatus.REQUESTED.value,
    )
    session.add(extension)
    await session.commit()
    return extension


async def get_extension(
    *, session: AsyncSession, mediation: Mediation, extension_id: str
) -> Extension | None:
    """An extension of this mediation, or None."""
    extension = await session.get(Extension, extension_id)
    if extension is None or extension.mediation_id != mediation.id:
        return None
    return extension


async def decide(
    *, session: AsyncSession, mediation: Mediation, extension: Extension, data: ExtensionDecision
) -> Extension:
    """Decides an extension; a grant is reported to analytics in the same transaction."""
    check_step_date(
        data.decided_on,
        field="decided_on",
        not_before=extension.requested_on,
        before_what="the extension was requested",
    )
    if await decide_extension(session=session, mediation=mediation, extension=extension, data=data):
        granted = MediationExtensionGranted(
            mediation_id=mediation.id, granted_on=data.decided_on, days=extension.granted_days
        )
        emit_event(session, OutboxEvent, granted)
    await session.commit()
    return extension


async def add_clock(
    *,
    session: AsyncSession,
    mediation: Mediation,
    settings: MediationSettings,
    data: ClockCreate,
    all_agreed: bool,
) -> None:
    """Registers a filing period on the ledger."""
    if mediation.status == "closed":
        raise Conflict("Cannot register a clock: the mediation is closed.")
    # A filing period may well have started before the referral: no floor but today.
    check_step_date(data.started_on, field="started_on")
    register_clock(
        session=session, mediation=mediation, settings=settings, data=data, all_agreed=all_agreed
    )
    await session.commit()
