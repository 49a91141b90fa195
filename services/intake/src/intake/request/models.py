import datetime as dt
import uuid

from sqlalchemy import Boolean, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from intake.db import Base
from intake.vault.models import Visitor
from ombuds_shared.db import UTCDateTime, utcnow
from ombuds_shared.outbox import OutboxColumns


class IntakeRequest(Base):
    """A request for the office's help, from one of the three intake channels."""

    __tablename__ = "intake_request"
    __table_args__ = (
        # One request per client and Idempotency-Key, however often it is sent.
        UniqueConstraint("submitted_by", "idempotency_key"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    channel: Mapped[str] = mapped_column(String(20))
    # The submitter's login subject as a keyed HMAC, never in plain text (an anonymous
    # request must not name its visitor's account; intake.request.submitter): erased, with
    # the Idempotency-Key and the keyed fingerprint, when the request's identity is destroyed.
    submitted_by: Mapped[str | None] = mapped_column(String(200), index=True)
    referring_unit: Mapped[str | None] = mapped_column(String(40))
    visitor_id: Mapped[str] = mapped_column(ForeignKey("visitor.id"))
    pillar: Mapped[str] = mapped_column(String(40))
    office: Mapped[str] = mapped_column(ForeignKey("office.code"), index=True)
    location: Mapped[str] = mapped_column(String(40))
    occupational_group: Mapped[str] = mapped_column(String(40))
    consent_to_contact: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    decline_reason: Mapped[str | None] = mapped_column(String(40))
    # The ombudsman's explanation may name people, so it is sealed with the identity.
    decline_note_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    case_id: Mapped[str | None] = mapped_column(String(36))
    triaged_by: Mapped[str | None] = mapped_column(String(200))
    triaged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # When an accept began opening the case: a decline waits until that has settled
    # (see intake.request.service.accept), so a declined request never leaves a case behind.
    accept_started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    request_hash: Mapped[str | None] = mapped_column(String(64))
    # An anonymous request's receipt code, as a keyed hash only (intake.receipt.codes);
    # cleared when the request's identity is destroyed, which ends the code for good.
    receipt_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # When the visitor withdrew it before triage (its identity went at the same moment).
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    # When retention (or its case's destruction) erased the request's identity and content.
    destroyed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)

    visitor: Mapped[Visitor] = relationship(lazy="joined")


class RequestConflict(Base):
    """An ombudsman's declared conflict of interest with a request, before triage (P10).

    There is no way to withdraw one: it shuts its author out of the identity and the
    triage, and it follows the request into the case that accepting it opens.
    """

    __tablename__ = "request_conflict"
    __table_args__ = (UniqueConstraint("request_id", "ombudsman"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    request_id: Mapped[str] = mapped_column(ForeignKey("intake_request.id"))
    ombudsman: Mapped[str] = mapped_column(String(200))
    declared_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookOutbox(OutboxColumns, Base):
    """Webhook events (`request.received`, docs/webhooks.md), relayed to mediation, which
    hosts webhooks: the request's reference, office and day, never who submitted it."""

    __tablename__ = "webhook_outbox"
