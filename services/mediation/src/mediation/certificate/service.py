"""Start/end certificates for tribunal registries (P7): requests, issue, revocation, lookups.

A certificate states the dates of a mediation and nothing else. Lookups are the
registry's hot path: they read rows with Core selects, never ORM entities.
"""

from __future__ import annotations

import datetime as dt
import html
import uuid
from collections.abc import Mapping
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from mediation.audit import service as audit
from mediation.case.models import Mediation
from mediation.certificate.models import Certificate, CertificateRequest
from mediation.certificate.schemas import (
    CertificateDeclineReason,
    CertificateLookup,
    CertificateRead,
    CertificateRequestCreate,
    CertificateRequestStatus,
    CertificateStatus,
    RevocationReason,
)
from mediation.certificate.signing import CertificateKeys
from mediation.webhook import service as webhooks
from ombuds_shared import metrics
from ombuds_shared.db import utcnow
from ombuds_shared.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ombuds_shared.events import CertificateIssued, CertificateRevoked
from ombuds_shared.tokens import Actor

ONGOING = "ongoing"
# The `service` label of this service's certificate counter.
METRICS_SERVICE = "mediation"

_READ_COLUMNS = (
    Certificate.id,
    Certificate.tribunal,
    Certificate.tribunal_case_number,
    Certificate.start_date,
    Certificate.end_date,
    Certificate.issuing_office,
    Certificate.issued_at,
    Certificate.status,
    Certificate.revoked_at,
    Certificate.revocation_reason,
    Certificate.superseded_by,
    Certificate.kid,
    Certificate.jws,
)


SelectT = TypeVar("SelectT", bound=Select[*tuple[Any, ...]])


class Scope(NamedTuple):
    """The certificates a reader reaches: a registry those of the tribunal its account
    serves; mediators and the chief those their own office issued."""

    tribunal: str | None
    office: str | None

    @classmethod
    def of(cls, actor: Actor) -> Scope:
        if actor.has_any("mediator", "chief"):
            return cls(None, actor.office or "")
        return cls(actor.tribunal or "", None)

    def where(self, query: SelectT) -> SelectT:
        if self.office is not None:
            return query.where(Certificate.issuing_office == self.office)
        return query.where(Certificate.tribunal == self.tribunal)


def answers_requests(actor: Actor, service_office: str) -> bool:
    """Registries address their requests to the Mediation Service: its own mediators and
    chief answer them, nobody of another office."""
    return actor.has_any("mediator", "chief") and actor.office == service_office


def _valid_id(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def certificate_payload(certificate: Certificate) -> dict[str, str]:
    """The signed statement: these seven facts of the certificate and nothing else."""
    return {
        "certificate_id": certificate.id,
        "tribunal": certificate.tribunal,
        "tribunal_case_number": certificate.tribunal_case_number,
        "start_date": certificate.start_date.isoformat(),
        "end_date": certificate.end_date.isoformat() if certificate.end_date else ONGOING,
        "issuing_office": certificate.issuing_office,
        "issued_at": certificate.issued_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


async def create_request(
    *, session: AsyncSession, actor: Actor, data: CertificateRequestCreate
) -> CertificateRequest:
    """Records a registry's request; it says nothing about whether a mediation exists."""
    if data.tribunal.value != actor.tribunal:
        raise Forbidden("A registry asks for certificates of its own tribunal's cases only.")
    request = CertificateRequest(
        tribunal=data.tribunal.value,
        tribunal_case_number=data.tribunal_case_number,
        requested_by=actor.subject,
        requested_at=utcnow(),
        status=CertificateRequestStatus.PENDING.value,
    )
    session.add(request)
    await session.commit()
    return request


def _sees_request(actor: Actor, request: CertificateRequest, service_office: str) -> bool:
    if answers_requests(actor, service_office):
        return True
    return (
        actor.has_any("registry")
        and request.requested_by == actor.subject
        and request.tribunal == actor.tribunal
    )


async def get_request(
    *, session: AsyncSession, actor: Actor, request_id: str, service_office: str
) -> CertificateRequest | None:
    """A request: a registry sees its own; the Mediation Service's mediators and chief all."""
    if not _valid_id(request_id):
        return None
    request = await session.get(CertificateRequest, request_id)
    if request is None or not _sees_request(actor, request, service_office):
        return None
    return request


async def list_requests(
    *,
    session: AsyncSession,
    actor: Actor,
    status: CertificateRequestStatus | None,
    limit: int,
    service_office: str,
) -> list[CertificateRequest]:
    """Requests, newest first: a registry's own, or all of them for the Mediation Service."""
    query = select(CertificateRequest)
    if not answers_requests(actor, service_office):
        if not actor.has_any("registry"):
            return []
        query = query.where(
            CertificateRequest.requested_by == actor.subject,
            CertificateRequest.tribunal == (actor.tribunal or ""),
        )
    if status is not None:
        query = query.where(CertificateRequest.status == status.value)
    query = query.order_by(CertificateRequest.requested_at.desc(), CertificateRequest.id.desc())
    return list((await session.execute(query.limit(limit))).scalars())


async def decline_request(
    *,
    session: AsyncSession,
    actor: Actor,
    request: CertificateRequest,
    reason: CertificateDeclineReason,
) -> CertificateRequest:
    """Declines a pending request, with a reason the registry sees."""
    if request.status != CertificateRequestStatus.PENDING:
        raise Conflict(f"This request was already {request.status}.")
    request.status = CertificateRequestStatus.DECLINED.value
    request.decline_reason = reason.value
    request.decided_by = actor.subject
    request.decided_at = utcnow()
    await session.commit()
    return request


async def issue(
    *,
    session: AsyncSession,
    keys: CertificateKeys,
    mediation: Mediation,
    actor: Actor,
    request_id: str | None,
    service_office: str,
) -> Certificate:
    """Signs a certificate of the mediation's dates; it replaces the previous current one."""
    if mediation.tribunal is None or mediation.tribunal_case_number is None:
        raise Conflict("Only a mediation with a tribunal reference has certificates.")
    if mediation.started_on is None:
        raise Conflict("This mediation never started: there is no start date to certify.")
    request = None
    if request_id is not None:
        request = (
            await session.get(CertificateRequest, request_id) if _valid_id(request_id) else None
        )
        if request is None or not answers_requests(actor, service_office):
            raise ValidationFailed("No such certificate request.", field="request_id")
        if request.status != CertificateRequestStatus.PENDING:
            raise Conflict(f"This request was already {request.status}.")
        if (request.tribunal, request.tribunal_case_number) != (
            mediation.tribunal,
            mediation.tribunal_case_number,
        ):
            raise Conflict("The request names another tribunal case than this mediation's.")
    certificate_id = str(uuid.uuid4())
    # Whole seconds, so the stored time and the signed one are the same instant.
    issued_at = utcnow().replace(microsecond=0)
    certificate = Certificate(
        id=certificate_id,
        mediation_id=mediation.id,
        request_id=request.id if request else None,
        tribunal=mediation.tribunal,
        tribunal_case_number=mediation.tribunal_case_number,
        start_date=mediation.started_on,
        end_date=mediation.ended_on,
        issuing_office=mediation.office,
        issued_at=issued_at,
        issued_by=actor.subject,
        status=CertificateStatus.CURRENT.value,
    )
    certificate.kid, certificate.jws = keys.sign(certificate_payload(certificate))
    # Claim the mediation's version first: two certificates issued at once for one
    # mediation would otherwise both become current.
    claimed = await session.execute(
        update(Mediation)
        .where(Mediation.id == mediation.id, Mediation.version == mediation.version)
        .values(version=mediation.version + 1)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        await session.rollback()
        raise Conflict("The mediation changed meanwhile; read it again and retry.")
    set_committed_value(mediation, "version", mediation.version + 1)
    superseded = await session.scalar(
        select(Certificate.id).where(
            Certificate.mediation_id == mediation.id,
            Certificate.status == CertificateStatus.CURRENT.value,
        )
    )
    await session.execute(
        update(Certificate)
        .where(
            Certificate.mediation_id == mediation.id,
            Certificate.status == CertificateStatus.CURRENT.value,
        )
        .values(
            status=CertificateStatus.REVOKED.value,
            revoked_at=issued_at,
            revocation_reason=RevocationReason.SUPERSEDED.value,
            superseded_by=certificate_id,
        )
        .execution_options(synchronize_session=False)
    )
    certificate.recorded_at = utcnow()
    session.add(certificate)
    if request is not None:
        request.status = CertificateRequestStatus.ISSUED.value
        request.certificate_id = certificate_id
        request.decided_by = actor.subject
        request.decided_at = issued_at
    if superseded is not None:
        await announce(
            session,
            CertificateRevoked(
                certificate_id=superseded,
                tribunal=mediation.tribunal,
                revoked_at=issued_at,
                revocation_reason=RevocationReason.SUPERSEDED.value,
                superseded_by=certificate_id,
            ),
        )
    await announce(
        session,
        CertificateIssued(
            certificate_id=certificate_id,
            tribunal=mediation.tribunal,
            tribunal_case_number=mediation.tribunal_case_number,
            start_date=mediation.started_on,
            end_date=mediation.ended_on,
            issued_at=issued_at,
        ),
    )
    await audit.record(
        session,
        actor=actor,
        action="certificate.issue",
        mediation_id=mediation.id,
        record_type="certificate",
        record_id=certificate_id,
    )
    await session.commit()
    # Counted once committed: a re-issue is an issue that replaced a current certificate.
    reissued = superseded is not None
    metrics.certificate(METRICS_SERVICE, "reissued" if reissued else "issued")
    return certificate


async def revoke(
    *, session: AsyncSession, certificate: Certificate, reason: RevocationReason, actor: Actor
) -> Certificate:
    """Revokes a current certificate (a re-issue revokes the previous one by itself)."""
    if certificate.status != CertificateStatus.CURRENT:
        raise Conflict("This certificate is already revoked.")
    certificate.status = CertificateStatus.REVOKED.value
    certificate.revoked_at = utcnow()
    certificate.revocation_reason = reason.value
    await announce(
        session,
        CertificateRevoked(
            certificate_id=certificate.id,
            tribunal=certificate.tribunal,
            revoked_at=certificate.revoked_at,
            revocation_reason=reason.value,
        ),
    )
    await audit.record(
        session,
        actor=actor,
        action="certificate.revoke",
        mediation_id=certificate.mediation_id,
        record_type="certificate",
        record_id=certificate.id,
    )
    await session.commit()
    metrics.certificate(METRICS_SERVICE, "revoked")
    return certificate


async def announce(session: AsyncSession, event: CertificateIssued | CertificateRevoked) -> None:
    """Queues a certificate webhook for the tribunal's registry subscriptions, in this
    transaction: what the registry's own routes show of a certificate, nothing more."""
    await webhooks.record_event(
        session,
        event,
        scope_code=event.tribunal,
        event_id=f"{event.event_type}:{event.certificate_id}",
    )


async def entity(*, session: AsyncSession, certificate_id: str) -> Certificate | None:
    """The certificate row as an entity, for the rare write (revocation)."""
    if not _valid_id(certificate_id):
        return None
    return await session.get(Certificate, certificate_id)


def _read(row: Mapping[Any, Any]) -> CertificateRead:
    return CertificateRead(
        **row,
        ongoing=row["end_date"] is None,
        current=row["status"] == CertificateStatus.CURRENT.value,
    )


async def read_by_id(
    *, connection: AsyncConnection, certificate_id: str, scope: Scope
) -> CertificateRead:
    """One certificate by id, if in the reader's scope: a Core select, the registry's hot path."""
    if not _valid_id(certificate_id):
        raise NotFound("No such certificate.")
    result = await connection.execute(
        scope.where(select(*_READ_COLUMNS).where(Certificate.id == certificate_id))
    )
    row = result.mappings().first()
    if row is None:
        raise NotFound("No such certificate.")
    return _read(row)


async def lookup(
    *,
    connection: AsyncConnection,
    tribunal_case_number: str,
    tribunal: str | None,
    scope: Scope,
) -> CertificateLookup:
    """Every certificate in the reader's scope for a tribunal case number, newest first, and
    which is current."""
    query = scope.where(
        select(*_READ_COLUMNS).where(Certificate.tribunal_case_number == tribunal_case_number)
    )
    if tribunal is not None:
        query = query.where(Certificate.tribunal == tribunal)
    query = query.order_by(Certificate.recorded_at.desc(), Certificate.id.desc()).limit(200)
    items = [_read(row) for row in (await connection.execute(query)).mappings()]
    current = next((c.id for c in items if c.current), None)
    return CertificateLookup(
        tribunal_case_number=tribunal_case_number, current=current, items=items
    )


async def of_mediation(*, session: AsyncSession, mediation: Mediation) -> list[CertificateRead]:
    """The certificates issued for a mediation, newest first."""
    query = (
        select(*_READ_COLUMNS)
        .where(Certificate.mediation_id == mediation.id)
        .order_by(Certificate.recorded_at.desc(), Certificate.id.desc())
    )
    return [_read(row) for row in (await session.execute(query)).mappings()]


def printable(certificate: CertificateRead) -> str:
    """A printable HTML page stating the same facts as the signed certificate."""
    end = certificate.end_date.isoformat() if certificate.end_date else "ongoing"
    status = "current" if certificate.current else f"revoked ({certificate.revocation_reason})"
    rows = [
        ("Certificate", certificate.id),
        ("Tribunal", certificate.tribunal.replace("_", " ").title()),
        ("Tribunal case number", certificate.tribunal_case_number),
        ("Start of mediation", certificate.start_date.isoformat()),
        ("End of mediation", end),
        ("Issuing office", certificate.issuing_office),
        ("Issued at", certificate.issued_at.strftime("%Y-%m-%d %H:%M UTC")),
        ("Status", status),
    ]
    cells = "\n".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Certificate of mediation dates {html.escape(certificate.id)}</title>
<style>
body{{font-family:Georgia,serif;max-width:40em;margin:3em auto;padding:0 1em;line-height:1.4}}
th{{text-align:left;padding-right:2em;vertical-align:top}}
td{{overflow-wrap:anywhere}}
.jws{{font-family:monospace;font-size:.7em;white-space:pre-wrap;word-break:break-all;
overflow-wrap:anywhere;border:1px solid #ccc;padding:.5em}}
@media print{{body{{margin:0;max-width:none}}}}
</style></head>
<body>
<h1>Certificate of the start and end dates of a mediation</h1>
<p>The Mediation Service certifies the following dates, and nothing else about the matter.</p>
<table>
{cells}
</table>
<p>Signed statement (JWS, key {html.escape(certificate.kid)}), verifiable against
<code>/.well-known/jwks.json</code>:</p>
<p class="jws" id="jws">{html.escape(certificate.jws)}</p>
</body></html>
"""
