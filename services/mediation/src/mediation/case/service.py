"""Mediation cases: opening, parties and their agreement, assignment, sessions, closure.

Every change and the outbox event that reports it commit in one transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from mediation.audit import service as audit
from mediation.case import states
from mediation.case.models import (
    ConflictDeclaration,
    Mediation,
    MediationIssue,
    MediationSession,
    Party,
    SessionChange,
    new_id,
)
from mediation.case.schemas import (
    Agreement,
    AgreementRecord,
    CloseBody,
    MediationCreate,
    MediationFromCase,
    MediationOrder,
    MediationRead,
    MediationStatus,
    PartyRead,
    ReferralAcceptance,
    SessionChangeKind,
    SessionChangeReason,
    SessionRead,
    SessionStatus,
    SettlementRead,
    StartBasis,
    StartBody,
    TribunalReferenceRead,
)
from mediation.config import MediationSettings
from mediation.deadline import service as ledger
from mediation.deadline.models import DeadlineClock
from mediation.office.models import Office, StaffMember
from mediation.outbox import OutboxEvent
from mediation.reference.models import IssueCode
from ombuds_shared import events
from ombuds_shared.dates import check_step_date, invalid_date
from ombuds_shared.db import utcnow
from ombuds_shared.directory import check_assignable
from ombuds_shared.errors import Conflict, Forbidden, ValidationFailed
from ombuds_shared.events import emit_event
from ombuds_shared.pagination import decode_time_cursor, encode_time_cursor
from ombuds_shared.taxonomy import TAXONOMY_VERSION
from ombuds_shared.tokens import Actor
from ombuds_shared.vocabulary import Outcome, SessionMode

_MAX_PARTIES = 50
# Who cancels the sessions still planned when a mediation closes.
RETIRED_BY_CLOSURE = "system:mediation-closed"
# A settlement implemented later than this is not plausible (and dates must stay in range).
_SETTLEMENT_HORIZON = dt.timedelta(days=3653)


def _today() -> dt.date:
    return utcnow().date()


def _not_in_future(day: dt.date, what: str) -> None:
    if day > _today():
        raise ValidationFailed(f"{what} cannot be in the future.")


def _event(session: AsyncSession, event: events.MediationEvent) -> None:
    emit_event(session, OutboxEvent, event)


async def commit(session: AsyncSession) -> None:
    """Commits; a concurrent change to the same mediation makes this one a 409."""
    try:
        await session.commit()
    except (StaleDataError, IntegrityError) as exc:
        # IntegrityError: a concurrent twin (the same party added twice) committed first.
        await session.rollback()
        raise Conflict("The mediation changed meanwhile; read it again and retry.") from exc


async def get(*, session: AsyncSession, mediation_id: str) -> Mediation | None:
    """Gets a mediation by its id (ids are UUIDs; anything else names none)."""
    try:
        uuid.UUID(mediation_id)
    except ValueError:
        return None
    return await session.get(Mediation, mediation_id)


def may_work_on(actor: Actor, mediation: Mediation) -> bool:
    """Mediators work the mediations of their office, and its chief oversees them; the
    mediators and chief of any other office reach none of them."""
    return actor.has_any("mediator", "chief") and actor.office == mediation.office


async def _check_office(session: AsyncSession, office_code: str) -> None:
    office = await session.get(Office, office_code)
    if office is None or office.closed_on is not None:
        raise ValidationFailed(f"{office_code!r} is not an open office.", field="office")


async def _issues(session: AsyncSession, codes: list[str]) -> list[MediationIssue]:
    wanted = sorted(set(codes))
    if not wanted:
        return []
    known = set(
        (
            await session.execute(
                select(IssueCode.code).where(
                    IssueCode.version == TAXONOMY_VERSION, IssueCode.code.in_(wanted)
                )
            )
        ).scalars()
    )
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise ValidationFailed(
            f"Unknown issue codes for {TAXONOMY_VERSION}: {', '.join(unknown)}.",
            field="issue_codes",
        )
    return [MediationIssue(code=c, taxonomy_version=TAXONOMY_VERSION) for c in wanted]


def _opened_event(session: AsyncSession, mediation: Mediation) -> None:
    _event(
        session,
        events.MediationOpened(
            mediation_id=mediation.id,
            opened_on=mediation.opened_at.date(),
            pillar=mediation.pillar,
            office=mediation.office,
            referral_source=mediation.referral_source,
            is_group=mediation.is_group,
            participant_count=mediation.participant_count,
            issue_codes=[i.code for i in mediation.issues],
            from_case=mediation.source_case_id is not None,
        ),
    )


async def open_mediation(
    *, session: AsyncSession, data: MediationCreate, actor: Actor
) -> Mediation:
    """Opens a mediation on a referral; it starts out as `referred`."""
    if actor.office != data.office:
        raise ValidationFailed(
            "Mediators and the chief open mediations of their own office.", field="office"
        )
    await _check_office(session, data.office)
    if data.source_case_id is not None:
        await _no_mediation_yet(session, data.source_case_id)
    reference = data.tribunal_reference
    if reference is not None:
        check_step_date(reference.referral_date, field=("tribunal_reference", "referral_date"))
    mediation = Mediation(
        id=str(uuid.uuid4()),
        pillar=data.pillar.value,
        office=data.office,
        referral_source=data.referral_source.value,
        tribunal=reference.tribunal.value if reference else None,
        tribunal_case_number=reference.case_number if reference else None,
        referral_date=reference.referral_date if reference else None,
        tribunal_deadline=reference.deadline if reference else None,
        source_case_id=data.source_case_id,
        is_group=data.is_group,
        participant_count=data.participant_count,
        status=MediationStatus.REFERRED.value,
        opened_by=actor.subject,
        opened_at=utcnow(),
        issues=await _issues(session, data.issue_codes),
        parties=[
            Party(
                id=new_id(),
                reference=p.reference,
                represents_administration=p.represents_administration,
            )
            for p in data.parties
            if p.reference is not None
        ],
        sessions=[],
    )
    session.add(mediation)
    _opened_event(session, mediation)
    try:
        await session.flush()  # a twin opened from the same case shows here, before the log
        for party in mediation.parties:
            await _party_bound(session, mediation, party, actor)
        await session.commit()
    except IntegrityError as exc:
        await session.rollback()
        raise Conflict("A mediation for this ombudsman case already exists.") from exc
    return mediation


async def _no_mediation_yet(session: AsyncSession, source_case_id: str) -> None:
    if await by_source_case(session=session, source_case_id=source_case_id) is not None:
        raise Conflict("A mediation for this ombudsman case already exists.")


async def by_source_case(*, session: AsyncSession, source_case_id: str) -> Mediation | None:
    """The mediation opened from an ombudsman case, if any."""
    result = await session.execute(
        select(Mediation).where(Mediation.source_case_id == source_case_id)
    )
    return result.scalar_one_or_none()


async def open_from_case(
    *, session: AsyncSession, data: MediationFromCase, opened_by: str
) -> tuple[Mediation, bool]:
    """Opens the mediation of an ombudsman case, once; returns (mediation, created)."""
    existing = await by_source_case(session=session, source_case_id=data.source_case_id)
    if existing is not None:
        return existing, False
    await _check_office(session, data.office)
    mediation = Mediation(
        id=str(uuid.uuid4()),
        pillar=data.pillar.value,
        office=data.office,
        referral_source=data.referral_source.value,
        source_case_id=data.source_case_id,
        is_group=data.is_group,
        participant_count=data.participant_count,
        status=MediationStatus.REFERRED.value,
        opened_by=opened_by,
        opened_at=utcnow(),
        issues=await _issues(session, data.issue_codes),
        parties=[],
        sessions=[],
    )
    session.add(mediation)
    _opened_event(session, mediation)
    try:
        await session.commit()
    except IntegrityError:
        # A concurrent retry of the same referral won the race: answer with its mediation.
        await session.rollback()
        winner = await by_source_case(session=session, source_case_id=data.source_case_id)
        if winner is None:
            raise
        return winner, False
    return mediation, True


async def list_mediations(
    *,
    session: AsyncSession,
    actor: Actor,
    status: MediationStatus | None,
    due_within_days: int | None,
    order: MediationOrder = MediationOrder.NEWEST_FIRST,
    cursor: str | None,
    limit: int,
) -> tuple[list[Mediation], str | None]:
    """The mediations this actor works on, newest or oldest first; optionally those running out."""
    query = select(Mediation).where(Mediation.office == (actor.office or ""))
    if status is not None:
        query = query.where(Mediation.status == status.value)
    if due_within_days is not None:
        horizon = _today() + dt.timedelta(days=due_within_days)
        query = query.where(
            exists().where(
                DeadlineClock.mediation_id == Mediation.id,
                DeadlineClock.state == "running",
                DeadlineClock.due_on <= horizon,
            )
        )
    oldest_first = order is MediationOrder.OLDEST_FIRST
    if cursor:
        after, mediation_id = decode_time_cursor(cursor, oldest_first=oldest_first)
        if oldest_first:
            query = query.where(
                (Mediation.opened_at > after)
                | ((Mediation.opened_at == after) & (Mediation.id > mediation_id))
            )
        else:
            query = query.where(
                (Mediation.opened_at < after)
                | ((Mediation.opened_at == after) & (Mediation.id < mediation_id))
            )
    if oldest_first:
        query = query.order_by(Mediation.opened_at, Mediation.id)
    else:
        query = query.order_by(Mediation.opened_at.desc(), Mediation.id.desc())
    rows = list((await session.execute(query.limit(limit + 1))).scalars())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_time_cursor(last.opened_at, last.id, oldest_first=oldest_first)
    return rows, next_cursor


async def accept_referral(
    *,
    session: AsyncSession,
    mediation: Mediation,
    data: ReferralAcceptance,
    settings: MediationSettings,
    actor: Actor,
) -> Mediation:
    """The office accepts the referral on the day given: the tribunal's suspension runs from
    that day, not from the day it was entered; now the parties' agreement is sought."""
    states.require(mediation.status, {states.REFERRED}, "accept the referral")
    check_step_date(
        data.accepted_on,
        field="accepted_on",
        not_before=mediation.received_on(),
        before_what="the referral was received",
    )
    mediation.status = MediationStatus.AGREEMENT_PENDING.value
    mediation.accepted_on = data.accepted_on
    ledger.on_referral_accepted(
        session=session, mediation=mediation, settings=settings, on=data.accepted_on
    )
    await audit.record(session, actor=actor, action="referral.accept", mediation_id=mediation.id)
    await commit(session)
    return mediation


async def _party_bound(
    session: AsyncSession, mediation: Mediation, party: Party, actor: Actor | None
) -> None:
    """Records in the audit log that a party (its reference) was bound to the mediation."""
    await audit.record(
        session,
        actor=actor,
        action="party.add",
        mediation_id=mediation.id,
        record_type="party",
        record_id=party.id,
    )


def require_room_for_party(mediation: Mediation, reference: str | None) -> None:
    """A party joins only before mediation starts (each must agree to it), once, within limits."""
    states.require(mediation.status, {states.REFERRED, states.PENDING}, "add a party")
    if reference is not None and any(p.reference == reference for p in mediation.parties):
        raise Conflict("This party is already on the mediation.")
    if len(mediation.parties) >= _MAX_PARTIES:
        raise Conflict(f"A mediation has at most {_MAX_PARTIES} parties.")


async def add_party(
    *,
    session: AsyncSession,
    mediation: Mediation,
    reference: str,
    represents_administration: bool,
    actor: Actor | None,
    has_identity: bool = False,
) -> Party:
    """Adds a party by its reference (the vault's, when its identity is sealed there)."""
    require_room_for_party(mediation, reference)
    party = Party(
        id=new_id(),
        reference=reference,
        represents_administration=represents_administration,
        has_identity=has_identity,
    )
    mediation.parties.append(party)
    await _party_bound(session, mediation, party, actor)
    await commit(session)
    return party


def all_agreed(mediation: Mediation) -> bool:
    """Every party, and at least two, has agreed to mediate (P12)."""
    parties = mediation.parties
    return len(parties) >= 2 and all(p.agreement == Agreement.AGREED for p in parties)


async def record_agreement(
    *,
    session: AsyncSession,
    mediation: Mediation,
    party: Party,
    data: AgreementRecord,
    settings: MediationSettings,
    actor: Actor,
) -> Mediation:
    """Records a party's agreement, or their refusal, which ends the mediation."""
    states.require(mediation.status, {states.PENDING}, "record a party's agreement")
    check_step_date(
        data.on,
        field="on",
        not_before=mediation.accepted_floor(),
        before_what="the referral was accepted",
    )
    if party.agreement != Agreement.PENDING:
        raise Conflict(f"This party has already {party.agreement}; a response is recorded once.")
    party.responded_on = data.on
    if data.agrees:
        party.agreement = Agreement.AGREED.value
        agreed = sum(p.agreement == Agreement.AGREED for p in mediation.parties)
        _event(
            session,
            events.MediationAgreementRecorded(
                mediation_id=mediation.id,
                recorded_on=data.on,
                parties_agreed=agreed,
                parties_total=len(mediation.parties),
            ),
        )
        if all_agreed(mediation):
            await ledger.on_all_parties_agreed(session=session, mediation=mediation, on=data.on)
    else:
        party.agreement = Agreement.DECLINED.value
        _event(
            session, events.MediationPartyDeclined(mediation_id=mediation.id, declined_on=data.on)
        )
        await _close(session, mediation, settings, Outcome.PARTY_DECLINED, data.on)
    await audit.record(
        session,
        actor=actor,
        action="party.agreement",
        mediation_id=mediation.id,
        record_type="party",
        record_id=party.id,
    )
    await commit(session)
    return mediation


async def declare(
    *, session: AsyncSession, mediation: Mediation, actor: Actor, has_conflict: bool
) -> ConflictDeclaration:
    """Records the calling mediator's declaration on a conflict of interest (P10).

    A declared conflict stands: its author cannot declare it away (as in cases), or the
    mediator it took off the mediation could take it back, with its notes and parties."""
    states.require(
        mediation.status,
        {states.REFERRED, states.PENDING, states.IN_MEDIATION},
        "declare on a conflict of interest",
    )
    if not has_conflict and await has_declared_conflict(
        session, mediation_id=mediation.id, mediator=actor.subject
    ):
        raise Conflict(
            "You declared a conflict of interest on this mediation; it cannot be withdrawn."
        )
    declaration = ConflictDeclaration(
        mediation_id=mediation.id, mediator=actor.subject, has_conflict=has_conflict
    )
    session.add(declaration)
    if has_conflict and mediation.mediator == actor.subject:
        # A conflict that comes to light later takes the mediator off the mediation.
        mediation.mediator = None
        mediation.assigned_at = None
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="conflict.declare",
        mediation_id=mediation.id,
        record_type="conflict_declaration",
        record_id=declaration.id,
    )
    await commit(session)
    return declaration


async def has_declared_conflict(session: AsyncSession, *, mediation_id: str, mediator: str) -> bool:
    """Whether this mediator ever declared a conflict on this mediation: it shuts them out."""
    found = await session.scalar(
        select(ConflictDeclaration.id)
        .where(
            ConflictDeclaration.mediation_id == mediation_id,
            ConflictDeclaration.mediator == mediator,
            ConflictDeclaration.has_conflict.is_(True),
        )
        .limit(1)
    )
    return found is not None


async def assign(
    *, session: AsyncSession, mediation: Mediation, actor: Actor, mediator: str | None
) -> Mediation:
    """Assigns a mediator whose latest declaration on this mediation is: no conflict.

    The chief assigns anyone; a mediator takes a mediation nobody has, never a
    colleague's (its notes would follow), so only the chief reassigns.
    """
    subject = mediator or actor.subject
    if not actor.has_any("chief"):
        if subject != actor.subject:
            raise Forbidden("Only the chief assigns someone else; a mediator takes it themselves.")
        if mediation.mediator not in (None, actor.subject):
            raise Forbidden("This mediation is a colleague's; only the chief reassigns it.")
    states.require(
        mediation.status,
        {states.REFERRED, states.PENDING, states.IN_MEDIATION},
        "assign a mediator",
    )
    await check_assignable(
        session,
        StaffMember,
        subject=subject,
        office=mediation.office,
        role="mediator",
        field="mediator",
    )
    result = await session.execute(
        select(ConflictDeclaration.has_conflict)
        .where(
            ConflictDeclaration.mediation_id == mediation.id,
            ConflictDeclaration.mediator == subject,
        )
        .order_by(ConflictDeclaration.declared_at.desc(), ConflictDeclaration.id.desc())
        .limit(1)
    )
    latest = result.scalar_one_or_none()
    if latest is None:
        raise Conflict("The mediator must first declare that they have no conflict of interest.")
    if latest or await has_declared_conflict(session, mediation_id=mediation.id, mediator=subject):
        raise Conflict("The mediator declared a conflict of interest; they cannot be assigned.")
    mediation.mediator = subject
    mediation.assigned_at = utcnow()
    # Who is assigned decides who reads the notes and the parties' identities.
    await audit.record(
        session,
        actor=actor,
        action="mediator.assign",
        mediation_id=mediation.id,
        record_type="mediator",
        record_id=subject,
    )
    await commit(session)
    return mediation


async def start(
    *, session: AsyncSession, mediation: Mediation, data: StartBody, actor: Actor
) -> Mediation:
    """Starts the mediation: only once every party has agreed and a mediator is assigned."""
    states.require(mediation.status, {states.PENDING}, "start the mediation")
    if not all_agreed(mediation):
        pending = sum(p.agreement != Agreement.AGREED for p in mediation.parties)
        raise Conflict(
            "Mediation is voluntary: it starts only when every party (two or more) has agreed; "
            f"{len(mediation.parties)} parties, {pending} not yet agreed.",
        )
    if mediation.mediator is None:
        raise Conflict("Assign a mediator before the mediation starts.")
    agreed_on = max(p.responded_on for p in mediation.parties if p.responded_on)
    check_step_date(
        data.started_on,
        field="started_on",
        not_before=agreed_on,
        before_what="every party agreed to it",
    )
    mediation.status = MediationStatus.IN_MEDIATION.value
    mediation.started_on = data.started_on
    mediation.start_basis = data.basis.value
    _event(session, events.MediationStarted(mediation_id=mediation.id, started_on=data.started_on))
    if data.basis is StartBasis.FIRST_SESSION:
        assert data.mode is not None
        planned = next(
            (
                s
                for s in mediation.sessions
                if s.status == SessionStatus.PLANNED and s.held_on == data.started_on
            ),
            None,
        )
        if planned is None:
            _session_held(session, mediation, data.started_on, data.mode, actor)
        else:  # the first session was in the diary: it is the one held, not a second
            planned_session_held(session, mediation, planned, data.mode, actor)
    await commit(session)
    return mediation


def _session_held(
    session: AsyncSession, mediation: Mediation, held_on: dt.date, mode: SessionMode, actor: Actor
) -> MediationSession:
    """A session recorded as held after the fact (or as the mediation's first)."""
    record = MediationSession(
        id=new_id(),
        held_on=held_on,
        mode=mode.value,
        status=SessionStatus.HELD.value,
        recorded_by=actor.subject,
    )
    record.changes.append(
        SessionChange(
            sequence=1,
            change=SessionChangeKind.RECORDED.value,
            mode=mode.value,
            changed_by=actor.subject,
            changed_at=utcnow(),
        )
    )
    mediation.sessions.append(record)
    session_held_event(session, mediation, held_on, mode)
    return record


def planned_session_held(
    session: AsyncSession,
    mediation: Mediation,
    record: MediationSession,
    mode: SessionMode,
    actor: Actor,
) -> None:
    """A planned session took place (in this mode): its history says so, analytics hears."""
    record.status = SessionStatus.HELD.value
    record.mode = mode.value
    record_step(record, SessionChangeKind.HELD, actor)
    session_held_event(session, mediation, record.held_on, mode)


def record_step(
    record: MediationSession, change: SessionChangeKind, actor: Actor, reason: str | None = None
) -> None:
    """Adds the session's next step to its history, with its times and mode as they now are."""
    record.changes.append(
        SessionChange(
            id=new_id(),
            sequence=len(record.changes) + 1,
            change=change.value,
            reason=reason,
            starts_at=record.starts_at,
            ends_at=record.ends_at,
            time_zone=record.time_zone,
            mode=record.mode,
            changed_by=actor.subject,
            changed_at=utcnow(),
        )
    )


def session_held_event(
    session: AsyncSession, mediation: Mediation, held_on: dt.date, mode: SessionMode
) -> None:
    """The one fact analytics learns of a session: that it was held, in which month, in
    person or remotely (video and phone are remote there); never a planned or a cancelled
    session, its time or its venue."""
    coarse = SessionMode.IN_PERSON if mode is SessionMode.IN_PERSON else SessionMode.REMOTE
    _event(
        session,
        events.MediationSessionHeld(mediation_id=mediation.id, held_on=held_on, mode=coarse),
    )


async def add_session(
    *,
    session: AsyncSession,
    mediation: Mediation,
    held_on: dt.date,
    mode: SessionMode,
    actor: Actor,
) -> MediationSession:
    """Records a session of a mediation under way, held on a past day."""
    states.require(mediation.status, {states.IN_MEDIATION}, "record a session")
    _not_in_future(held_on, "A session's date")
    assert mediation.started_on is not None
    if held_on < mediation.started_on:
        raise ValidationFailed("A session cannot be held before the mediation started.")
    record = _session_held(session, mediation, held_on, mode, actor)
    await commit(session)
    return record


async def close(
    *,
    session: AsyncSession,
    mediation: Mediation,
    data: CloseBody,
    settings: MediationSettings,
) -> Mediation:
    """Closes the mediation with one of the outcomes its status allows."""
    if data.outcome is Outcome.PARTY_DECLINED:
        raise Conflict(
            "A refusal is recorded on the party's agreement, which closes the mediation."
        )
    states.require_closable(mediation.status, data.outcome)
    if mediation.started_on is not None:
        floor, what = mediation.started_on, "the mediation started"
    else:
        floor, what = mediation.accepted_floor(), "the referral was received or accepted"
    check_step_date(data.closed_on, field="closed_on", not_before=floor, before_what=what)
    if data.outcome is Outcome.SETTLED:
        if data.settlement_signed_on is None:
            raise ValidationFailed(
                "A settlement is recorded with the date its written agreement was signed."
            )
        assert mediation.started_on is not None
        if not mediation.started_on <= data.settlement_signed_on <= data.closed_on:
            raise invalid_date(
                "settlement_signed_on",
                "The settlement is signed between the start and the closing.",
                "date_out_of_range",
            )
        deadline = data.implementation_deadline
        if deadline is not None and not (
            data.settlement_signed_on <= deadline <= data.settlement_signed_on + _SETTLEMENT_HORIZON
        ):
            raise ValidationFailed(
                "The implementation deadline follows the signature, within ten years."
            )
        mediation.settlement_signed_on = data.settlement_signed_on
        mediation.settlement_implementation_deadline = data.implementation_deadline
    elif data.settlement_signed_on is not None or data.implementation_deadline is not None:
        raise ValidationFailed("Settlement dates belong to a settled mediation only.")
    await _close(session, mediation, settings, data.outcome, data.closed_on)
    await commit(session)
    return mediation


async def _close(
    session: AsyncSession,
    mediation: Mediation,
    settings: MediationSettings,
    outcome: Outcome,
    closed_on: dt.date,
) -> None:
    mediation.status = MediationStatus.CLOSED.value
    mediation.outcome = outcome.value
    mediation.closed_at = utcnow()
    # The sessions still planned will not take place: off the mediator's diary and feeds.
    for planned in mediation.sessions:
        if planned.status == SessionStatus.PLANNED:
            planned.status = SessionStatus.CANCELLED.value
            planned.changes.append(
                SessionChange(
                    sequence=len(planned.changes) + 1,
                    change=SessionChangeKind.CANCELLED.value,
                    reason=SessionChangeReason.MEDIATION_CLOSED.value,
                    starts_at=planned.starts_at,
                    ends_at=planned.ends_at,
                    time_zone=planned.time_zone,
                    mode=planned.mode,
                    changed_by=RETIRED_BY_CLOSURE,
                    changed_at=utcnow(),
                )
            )
    if mediation.started_on is not None:
        mediation.ended_on = closed_on
    await ledger.on_closed(
        session=session,
        mediation=mediation,
        settings=settings,
        on=closed_on,
        breakdown=outcome in states.BREAKDOWNS,
    )
    _event(
        session,
        events.MediationClosed(
            mediation_id=mediation.id,
            closed_on=closed_on,
            outcome=outcome,
            # Time to resolution in days: analytics keeps dates as months only.
            days_open=max(0, (closed_on - mediation.opened_at.date()).days),
            days_since_start=(
                None if mediation.started_on is None else (closed_on - mediation.started_on).days
            ),
        ),
    )


def to_read(mediation: Mediation) -> MediationRead:
    """The mediation as its mediators and the chief see it."""
    tribunal = None
    if mediation.tribunal is not None and mediation.tribunal_case_number is not None:
        tribunal = TribunalReferenceRead(
            tribunal=mediation.tribunal,
            case_number=mediation.tribunal_case_number,
            referral_date=mediation.referral_date,
            deadline=mediation.tribunal_deadline,
        )
    settlement = None
    if mediation.settlement_signed_on is not None:
        settlement = SettlementRead(
            signed_on=mediation.settlement_signed_on,
            implementation_deadline=mediation.settlement_implementation_deadline,
        )
    return MediationRead(
        id=mediation.id,
        pillar=mediation.pillar,
        office=mediation.office,
        referral_source=mediation.referral_source,
        tribunal_reference=tribunal,
        source_case_id=mediation.source_case_id,
        issue_codes=[i.code for i in mediation.issues],
        is_group=mediation.is_group,
        participant_count=mediation.participant_count,
        status=mediation.status,
        accepted_on=mediation.accepted_on,
        outcome=mediation.outcome,
        start_basis=mediation.start_basis,
        started_on=mediation.started_on,
        ended_on=mediation.ended_on,
        settlement=settlement,
        mediator=mediation.mediator,
        parties=[PartyRead.model_validate(p, from_attributes=True) for p in mediation.parties],
        all_parties_agreed=all_agreed(mediation),
        sessions=[SessionRead.model_validate(s, from_attributes=True) for s in mediation.sessions],
        opened_at=mediation.opened_at,
        closed_at=mediation.closed_at,
    )
