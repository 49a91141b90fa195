"""Intake requests: submission (idempotent), reading, and triage by the office."""

from __future__ import annotations

import datetime as dt
import hmac
import re
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, Row, Table, and_, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from intake.audit import service as audit
from intake.office.models import Office
from intake.receipt import codes as receipt_codes
from intake.request.fingerprint import fingerprint as keyed_fingerprint
from intake.request.models import IntakeRequest, RequestConflict, WebhookOutbox
from intake.request.schemas import (
    DeclineBody,
    IntakeCreate,
    IntakeRead,
    RequestStatus,
)
from intake.request.submitter import submitter_key as derive_submitter_key
from intake.request.submitter import submitter_tag
from intake.vault import service as vault
from intake.vault.models import Visitor
from intake.vault.schemas import VisitorIdentity
from ombuds_shared.crypto import Envelope, KeyDestroyed
from ombuds_shared.db import GroupedInserts, core_connection, utcnow
from ombuds_shared.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    IdempotencyConflict,
    ValidationFailed,
)
from ombuds_shared.events import RequestReceived, event_row_of
from ombuds_shared.pagination import decode_cursor, encode_cursor
from ombuds_shared.tokens import Actor
from ombuds_shared.vocabulary import Channel

# Crockford's base32 without look-alikes, so a reference survives being read aloud.
_REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_PATTERN = re.compile(r"^OMB-[0-9A-Z]{4}-[0-9A-Z]{4}$")
_OFFICE_ROLES = ("ombudsman", "chief")

OpenCase = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


def new_reference() -> str:
    # Eight characters of five bits each from one draw of randomness (the alphabet has
    # 32 letters, so each is uniform); a draw per character was 3% of a submission.
    bits = secrets.randbits(40)
    chars = "".join(_REFERENCE_ALPHABET[(bits >> (5 * n)) & 31] for n in range(8))
    return f"OMB-{chars[:4]}-{chars[4:]}"


def channel_of(actor: Actor) -> Channel:
    """The channel a submission arrives through follows from the submitter's role."""
    for channel in (Channel.VISITOR, Channel.HR_PORTAL, Channel.REFERRING_OFFICE):
        if actor.has_any(channel.value):
            return channel
    raise Forbidden("Only visitors, HR portals and referring offices submit requests.")


# Channels through which an ombudsman records a visitor who reached them directly.
WALK_IN_CHANNELS = frozenset({Channel.IN_PERSON, Channel.PHONE, Channel.EMAIL})


def _check_channel_rules(channel: Channel, data: IntakeCreate, idempotency_key: str | None) -> None:
    on_behalf = channel is not Channel.VISITOR
    integration = channel in (Channel.HR_PORTAL, Channel.REFERRING_OFFICE)
    if data.anonymous and integration:
        raise ValidationFailed(
            "A request made on someone's behalf names them (visitor); only a visitor, or an "
            "ombudsman recording a walk-in, may leave the identity out.",
            field="visitor",
        )
    if on_behalf and not data.anonymous and not data.consent_to_contact:
        raise ValidationFailed(
            "A request made on someone's behalf needs their consent to be contacted "
            "(consent_to_contact: true)."
        )
    if integration and not idempotency_key:
        raise BadRequest("Integrations must send an Idempotency-Key header with each submission.")
    if channel is Channel.REFERRING_OFFICE and data.referring_unit is None:
        raise ValidationFailed("A referring office must say which unit refers (referring_unit).")
    if channel is not Channel.REFERRING_OFFICE and data.referring_unit is not None:
        raise ValidationFailed("referring_unit is for referring offices only.")


@dataclass(frozen=True)
class Submitted:
    """What a submitter is told: the reference, and whether this was a replay."""

    reference: str
    status: str
    submitted_at: dt.datetime
    replayed: bool
    # An anonymous request's receipt code: in this answer only, never stored or replayed.
    receipt_code: str | None = None


_VISITOR = cast(Table, Visitor.__table__)
_REQUEST = cast(Table, IntakeRequest.__table__)
_WEBHOOK = cast(Table, WebhookOutbox.__table__)

# Offices are reference data that changes a few times a year; a submission
# should not pay a query for them. A new or closed office shows within a minute.
_OFFICE_CACHE_SECONDS = 60.0
_open_offices_cache: dict[str, tuple[float, frozenset[str]]] = {}


def forget_open_offices() -> None:
    """Drops the cached office codes: the directory has just changed one."""
    _open_offices_cache.clear()


async def open_offices(engine: AsyncEngine) -> frozenset[str]:
    """Codes of the offices open today (cached briefly per database)."""
    key = str(engine.url)
    cached = _open_offices_cache.get(key)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    async with core_connection(engine) as connection:
        rows = await connection.execute(select(Office.code).where(Office.closed_on.is_(None)))
        codes = frozenset(rows.scalars())
    _open_offices_cache[key] = (time.monotonic() + _OFFICE_CACHE_SECONDS, codes)
    return codes


async def submit(
    *,
    engine: AsyncEngine,
    inserts: GroupedInserts,
    envelope: Envelope | None,
    fingerprint_key: bytes,
    actor: Actor,
    data: IntakeCreate,
    idempotency_key: str | None,
    channel: Channel | None = None,
) -> Submitted:
    """Records a request with its sealed identity, once per idempotency key.

    The channel follows from the submitter's role, unless an ombudsman records a
    walk-in (`channel` given). The busiest write: the visitor and the request are
    inserted together, with the submissions arriving with them (one transaction;
    see GroupedInserts), and no ORM session."""
    channel = channel or channel_of(actor)
    _check_channel_rules(channel, data, idempotency_key)
    if data.office not in await open_offices(engine):
        raise ValidationFailed(f"{data.office!r} is not an open office.", field="office")
    # Keyed (see intake.request.fingerprint): nobody can test a guess against it.
    fingerprint = keyed_fingerprint(fingerprint_key, channel.value, data.model_dump_json())
    receipt_key = receipt_codes.receipt_key(fingerprint_key)
    # Never the login itself: an anonymous request must not name its visitor's account.
    submitted_by = submitter_tag(derive_submitter_key(fingerprint_key), actor.subject)
    for _attempt in range(5):  # a fresh reference (and code) on the rare collision
        visitor = await vault.sealed_visitor(envelope=envelope, identity=data.visitor)
        code = receipt_codes.new_code() if data.anonymous else None
        submitted_at = utcnow()
        reference = new_reference()
        request = {
            "id": str(uuid.uuid4()),
            "reference": reference,
            "channel": channel.value,
            "submitted_by": submitted_by,
            "referring_unit": data.referring_unit,
            "visitor_id": visitor["id"],
            "pillar": data.pillar,
            "office": data.office,
            "location": data.location,
            "occupational_group": data.occupational_group,
            # Nobody to contact without an identity: the holder of the code comes back.
            "consent_to_contact": not data.anonymous
            and (data.consent_to_contact or channel is Channel.VISITOR),
            "receipt_hash": None if code is None else receipt_codes.code_hash(receipt_key, code),
            "status": RequestStatus.SUBMITTED.value,
            "idempotency_key": idempotency_key,
            "request_hash": fingerprint,
            "submitted_at": submitted_at,
        }
        try:
            # The desk's webhook (docs/webhooks.md), in the same statement as the request.
            received = event_row_of(
                RequestReceived(
                    request_reference=reference,
                    office=data.office,
                    received_on=submitted_at.date(),
                ),
                submitted_at,
            )
            await inserts.insert([(_VISITOR, visitor), (_REQUEST, request), (_WEBHOOK, received)])
            return Submitted(reference, RequestStatus.SUBMITTED.value, submitted_at, False, code)
        except IntegrityError:
            if idempotency_key:
                # The same submission was made before (or concurrently): answer as it was.
                earlier = await _by_idempotency_key(engine, submitted_by, idempotency_key)
                if earlier is not None:
                    _replay(earlier, fingerprint)
                    return Submitted(earlier.reference, earlier.status, earlier.submitted_at, True)
    raise Conflict("Could not allocate a request reference; try again.")


def _replay(earlier: Row[Any, Any, Any, Any], fingerprint: str) -> Row[Any, Any, Any, Any]:
    if earlier.request_hash != fingerprint:
        raise IdempotencyConflict("This Idempotency-Key was already used for a different request.")
    return earlier


async def _by_idempotency_key(
    engine: AsyncEngine, submitted_by: str, key: str
) -> Row[Any, Any, Any, Any] | None:
    table = _REQUEST
    async with core_connection(engine) as connection:
        result = await connection.execute(
            select(table.c.reference, table.c.status, table.c.submitted_at, table.c.request_hash)
            .where(table.c.submitted_by == submitted_by, table.c.idempotency_key == key)
        )  # fmt: skip
        return result.one_or_none()


async def get_by_reference(*, session: AsyncSession, reference: str) -> IntakeRequest | None:
    """Gets a request by its human-readable reference."""
    if not REFERENCE_PATTERN.match(reference.upper()):
        return None
    result = await session.execute(
        select(IntakeRequest).where(IntakeRequest.reference == reference.upper())
    )
    return result.scalar_one_or_none()


def may_read(actor: Actor, request: IntakeRequest, submitter_key: bytes) -> bool:
    """A visitor reads their own requests; the receiving office reads its own."""
    if actor.has_any("visitor") and is_own(actor, request, submitter_key):
        return True
    return actor.has_any(*_OFFICE_ROLES) and actor.office == request.office


def is_own(actor: Actor, request: IntakeRequest, submitter_key: bytes) -> bool:
    """Whether this visitor submitted the request (compared through the keyed tag)."""
    return request.channel == Channel.VISITOR and hmac.compare_digest(
        request.submitted_by or "", submitter_tag(submitter_key, actor.subject)
    )


async def list_requests(
    *,
    session: AsyncSession,
    actor: Actor,
    status: RequestStatus | None,
    cursor: str | None,
    limit: int,
    submitter_key: bytes,
) -> tuple[list[IntakeRequest], str | None]:
    """A visitor's own requests, or the receiving office's queue; newest first."""
    query = select(IntakeRequest)
    if actor.has_any(*_OFFICE_ROLES):
        query = query.where(IntakeRequest.office == (actor.office or ""))
    else:
        query = query.where(
            IntakeRequest.channel == Channel.VISITOR,
            IntakeRequest.submitted_by == submitter_tag(submitter_key, actor.subject),
        )
    if status is not None:
        query = query.where(IntakeRequest.status == status)
    if cursor:
        submitted_at, request_id = decode_cursor(cursor, 2)
        try:
            after = dt.datetime.fromisoformat(submitted_at)
        except (TypeError, ValueError) as exc:
            raise ValidationFailed("The cursor is not valid.") from exc
        query = query.where(
            (IntakeRequest.submitted_at < after)
            | ((IntakeRequest.submitted_at == after) & (IntakeRequest.id < request_id))
        )
    query = query.order_by(IntakeRequest.submitted_at.desc(), IntakeRequest.id.desc())
    rows = list((await session.execute(query.limit(limit + 1))).scalars())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(rows[-1].submitted_at.isoformat(), rows[-1].id)
    return rows, next_cursor


async def conflicted(*, session: AsyncSession, request: IntakeRequest) -> frozenset[str]:
    """Who declared a conflict of interest with this request."""
    rows = await session.scalars(
        select(RequestConflict.ombudsman).where(RequestConflict.request_id == request.id)
    )
    return frozenset(rows)


def _office_view(actor: Actor, request: IntakeRequest) -> bool:
    return actor.has_any(*_OFFICE_ROLES) and actor.office == request.office


def sees_identity(
    actor: Actor, request: IntakeRequest, conflicts: frozenset[str], submitter_key: bytes
) -> bool:
    """Whether this actor, reading this one request, needs the visitor's identity.

    The visitor sees their own. Before triage, the receiving office's ombudsmen who
    declared no conflict see it, to triage; after triage, nobody here: the case's
    handler reads it through the case, which the vault binds it to. Chiefs, never.
    """
    if is_own(actor, request, submitter_key):
        return True
    return (
        actor.has_any("ombudsman")
        and _office_view(actor, request)
        and request.status == RequestStatus.SUBMITTED
        and actor.subject not in conflicts
    )


async def reveal_for_read(
    *,
    session: AsyncSession,
    request: IntakeRequest,
    actor: Actor,
    envelope: Envelope | None,
    submitter_key: bytes,
) -> IntakeRead:
    """One request as this actor may see it; a reveal to the office is audited first."""
    conflicts = await conflicted(session=session, request=request)
    identity = None
    # An anonymous request has nothing to reveal, so nothing to record as revealed.
    own = is_own(actor, request, submitter_key)
    if sees_identity(actor, request, conflicts, submitter_key) and not vault.is_anonymous(
        request.visitor
    ):
        if own:
            await session.commit()
        else:  # the reveal is on record (committed) before the identity leaves
            await audit.record_read(
                session,
                actor=actor,
                action="visitor.reveal",
                context_id=request.id,
                record_type="visitor",
                record_id=request.visitor_id,
            )
        identity = await vault.reveal(envelope=envelope, visitor=request.visitor)
    return await to_read(
        request=request, actor=actor, envelope=envelope, identity=identity, conflicts=conflicts,
        own=own,
    )  # fmt: skip


async def to_read(
    *,
    request: IntakeRequest,
    actor: Actor,
    envelope: Envelope | None,
    own: bool,
    identity: VisitorIdentity | None = None,
    conflicts: frozenset[str] = frozenset(),
) -> IntakeRead:
    """The request as this actor may see it; the identity only where the caller decided
    (and whether it is the caller's own request: `is_own`, which needs intake's key)."""
    office_view = _office_view(actor, request)
    own_view = own
    note = None
    if request.decline_note_sealed is not None and (
        own_view or (office_view and actor.subject not in conflicts)
    ):
        note = await _open_note(envelope, request)
    # Which case a request became: for the chief's oversight and the one who accepted it.
    sees_case = office_view and (actor.has_any("chief") or request.triaged_by == actor.subject)
    return IntakeRead(
        reference=request.reference,
        status=RequestStatus(request.status),
        channel=Channel(request.channel),
        pillar=request.pillar,
        office=request.office,
        location=request.location,
        occupational_group=request.occupational_group,
        consent_to_contact=request.consent_to_contact,
        referring_unit=request.referring_unit,
        anonymous=vault.is_anonymous(request.visitor),
        submitted_at=request.submitted_at,
        triaged_at=request.triaged_at,
        decline_reason=request.decline_reason,
        decline_note=note,
        case_id=request.case_id if sees_case else None,
        visitor=identity,
    )


async def declare_conflict(
    *, session: AsyncSession, request: IntakeRequest, actor: Actor
) -> RequestConflict:
    """Records an ombudsman's conflict with a request (once; it cannot be withdrawn)."""
    existing = await session.scalar(
        select(RequestConflict).where(
            RequestConflict.request_id == request.id, RequestConflict.ombudsman == actor.subject
        )
    )
    if existing is not None:
        await session.commit()
        return existing
    declaration = RequestConflict(
        id=str(uuid.uuid4()), request_id=request.id, ombudsman=actor.subject, declared_at=utcnow()
    )
    session.add(declaration)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="conflict.declare",
        context_id=request.id,
        record_type="request_conflict",
        record_id=declaration.id,
    )
    await session.commit()
    return declaration


async def refuse_if_conflicted(
    *, session: AsyncSession, request: IntakeRequest, actor: Actor
) -> frozenset[str]:
    """Who is conflicted with the request; the actor must not be one of them to triage it."""
    conflicts = await conflicted(session=session, request=request)
    if actor.subject in conflicts:
        raise Forbidden("You declared a conflict of interest with this request.")
    return conflicts


def _note_context(request: IntakeRequest) -> tuple[str, str]:
    context = vault.visitor_context(request.visitor.id)
    return context, f"{context}:decline_note:{request.id}"


async def decline_note(envelope: Envelope | None, request: IntakeRequest) -> str | None:
    """The office's explanation of a decline, for the visitor (None if none, or destroyed)."""
    return await _open_note(envelope, request)


async def _open_note(envelope: Envelope | None, request: IntakeRequest) -> str | None:
    context, field = _note_context(request)
    sealed = request.decline_note_sealed
    if sealed is None:
        return None
    try:
        data_key = await vault.require_envelope(envelope).data_key(context)
        return Envelope.open(data_key, sealed, field) if sealed else None
    except KeyDestroyed:
        return None


def refuse_if_destroyed(request: IntakeRequest) -> None:
    """A request withdrawn by its visitor, or whose identity went under the retention
    schedule, is triaged no more."""
    if request.status == RequestStatus.WITHDRAWN:
        raise Conflict("The visitor withdrew this request; it cannot be triaged.")
    if request.destroyed_at is not None:
        raise Conflict(
            "This request was destroyed under the retention schedule; it cannot be triaged."
        )


# How long an accept holds off declines: longer than it can take to open the case,
# the call to the cases service and its retries included, even when that call fails.
ACCEPT_HOLD = dt.timedelta(minutes=2)


async def accept(
    *, session: AsyncSession, request: IntakeRequest, actor: Actor, open_case: OpenCase
) -> IntakeRequest:
    """Accepts a request: the cases service opens the case, then the request records it.

    The case is opened first, idempotently keyed by this request, so a failure
    between the two steps is repaired by simply accepting again. Before it is
    opened, the request is marked as being accepted, which holds off a decline
    (see `decline`): otherwise a decline landing while the case is opened would
    leave a case behind a declined request.
    """
    conflicts = await refuse_if_conflicted(session=session, request=request, actor=actor)
    if request.status == RequestStatus.ACCEPTED:
        return request
    refuse_if_destroyed(request)
    if request.status == RequestStatus.DECLINED:
        raise Conflict("This request was declined; it cannot be accepted.")
    marked = await session.execute(
        update(IntakeRequest)
        .where(
            IntakeRequest.id == request.id,
            IntakeRequest.status == RequestStatus.SUBMITTED,
            IntakeRequest.destroyed_at.is_(None),
        )
        .values(accept_started_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    await session.commit()  # visible to declines, and no transaction open while we wait
    if marked.rowcount == 0:  # type: ignore[attr-defined]
        await session.refresh(request)
        if request.status == RequestStatus.ACCEPTED:
            return request
        refuse_if_destroyed(request)
        raise Conflict(f"This request was {request.status} meanwhile.")
    case = await open_case(
        {
            "intake_request_id": request.id,
            "visitor_ref": request.visitor.ref,
            "pillar": request.pillar,
            "office": request.office,
            "location": request.location,
            "occupational_group": request.occupational_group,
            "channel": request.channel,
            "conflicted": sorted(conflicts),
        }
    )
    case_id = str(case["id"])
    # The identity now belongs to that case alone: the vault reveals it through no other.
    vault.bind(visitor=request.visitor, kind="case", bound_id=case_id, office=request.office)
    await audit.record(
        session,
        actor=actor,
        action="request.accept",
        context_id=request.id,
        record_type="case",
        record_id=case_id,
    )
    return await _settle(
        session,
        request,
        RequestStatus.ACCEPTED,
        case_id=case_id,
        triaged_by=actor.subject,
        triaged_at=utcnow(),
    )


async def decline(
    *,
    session: AsyncSession,
    envelope: Envelope | None,
    request: IntakeRequest,
    actor: Actor,
    body: DeclineBody,
) -> IntakeRequest:
    """Declines a request with a recorded reason (the office's discretion, P11)."""
    await refuse_if_conflicted(session=session, request=request, actor=actor)
    if request.status == RequestStatus.DECLINED:
        return request
    if request.status == RequestStatus.ACCEPTED:
        raise Conflict("This request was accepted; it cannot be declined.")
    refuse_if_destroyed(request)
    sealed_note = None
    if body.note:
        context, field = _note_context(request)
        try:
            data_key = await vault.require_envelope(envelope).data_key(context)
        except KeyDestroyed as exc:
            raise Conflict("This visitor's identity was destroyed.") from exc
        sealed_note = Envelope.seal(data_key, body.note, field)
    # Not while an accept may still be opening the case (a failed one holds off for a while).
    accept_settled = or_(
        IntakeRequest.accept_started_at.is_(None),
        IntakeRequest.accept_started_at < utcnow() - ACCEPT_HOLD,
    )
    await audit.record(session, actor=actor, action="request.decline", context_id=request.id)
    return await _settle(
        session,
        request,
        RequestStatus.DECLINED,
        only_if=accept_settled,
        decline_reason=body.reason.value,
        decline_note_sealed=sealed_note,
        triaged_by=actor.subject,
        triaged_at=utcnow(),
    )


async def _settle(
    session: AsyncSession,
    request: IntakeRequest,
    status: RequestStatus,
    *,
    only_if: ColumnElement[bool] | None = None,
    **values: Any,
) -> IntakeRequest:
    """Moves a submitted request to its final status, once, whoever races for it."""
    # A request destroyed under the retention schedule is triaged no more.
    still_submitted = and_(
        IntakeRequest.status == RequestStatus.SUBMITTED, IntakeRequest.destroyed_at.is_(None)
    )
    result = await session.execute(
        update(IntakeRequest)
        .where(IntakeRequest.id == request.id, still_submitted)
        .where(only_if if only_if is not None else true())
        .values(status=status.value, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        await session.rollback()  # nothing of this attempt stays: no binding, no audit entry
    else:
        await session.commit()
    await session.refresh(request)
    if result.rowcount == 0 and request.status != status:  # type: ignore[attr-defined]
        refuse_if_destroyed(request)
        if request.status == RequestStatus.SUBMITTED:
            raise Conflict(
                "An accept of this request began moments ago and may still open its case; "
                "accept it again, or decline it in a few minutes if that accept failed."
            )
        raise Conflict(f"This request was {request.status} meanwhile.")
    return request


async def withdraw(
    *, session: AsyncSession, envelope: Envelope | None, request: IntakeRequest, actor: Actor
) -> IntakeRequest:
    """The visitor takes back a request not yet triaged: it leaves the office's queue and
    its identity is destroyed at once, as retention would (intake.retention.service).

    One guarded UPDATE decides against a racing accept or decline: it moves only a request
    still submitted, not destroyed and with no accept under way (an accept that began may
    be opening the case right now, see `accept`), so a withdrawn request never has a case
    and an accepted one is never withdrawn. What stays is de-identified (docs/retention.md).
    """
    if request.status == RequestStatus.ACCEPTED:
        raise Conflict("This request was accepted; ask for its erasure once the case is closed.")
    if request.status != RequestStatus.SUBMITTED:
        raise Conflict(f"This request was {request.status}; it cannot be withdrawn.")
    refuse_if_destroyed(request)
    now = utcnow()
    accept_settled = or_(
        IntakeRequest.accept_started_at.is_(None),
        IntakeRequest.accept_started_at < now - ACCEPT_HOLD,
    )
    claimed = await session.execute(
        update(IntakeRequest)
        .where(
            IntakeRequest.id == request.id,
            IntakeRequest.status == RequestStatus.SUBMITTED,
            IntakeRequest.destroyed_at.is_(None),
            accept_settled,
        )
        .values(status=RequestStatus.WITHDRAWN.value, withdrawn_at=now, destroyed_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        await session.rollback()
        await session.refresh(request)
        if request.status == RequestStatus.SUBMITTED and request.destroyed_at is None:
            raise Conflict(
                "The office is accepting this request right now; it cannot be withdrawn."
            )
        raise Conflict(f"This request was {request.status} meanwhile; it cannot be withdrawn.")
    # The key leaves the key store in this step; the row's ciphertexts, the submitter's
    # subject, the Idempotency-Key and the fingerprint go in the transaction below.
    if request.visitor.destroyed_at is None:
        await vault.destroy(envelope=envelope, visitor=request.visitor)
    await vault.erase_requests(session=session, visitor_ids=[request.visitor_id])
    # On record as "a visitor", ids only: the append-only log must not keep the login
    # subject this step erases (see intake.own.dependencies.SELF).
    await audit.record(session, actor=actor, action="request.withdraw", context_id=request.id)
    await session.commit()
    await session.refresh(request)
    return request
