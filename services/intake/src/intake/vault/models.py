import datetime as dt
import secrets
import uuid

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from intake.db import Base
from ombuds_shared.db import UTCDateTime, utcnow


def new_visitor_ref() -> str:
    return "vis_" + secrets.token_hex(12)


class Visitor(Base):
    """A visitor's identity, sealed under a data key of its own (P1).

    Other services know the visitor only by `ref`, and the vault reveals the identity
    only through the one case or mediation it is bound to (`bound_kind`, `bound_id`,
    in `bound_office`), never by the reference alone. Destroying its data key
    (with the ciphertexts) makes the identity unrecoverable.
    """

    __tablename__ = "visitor"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    ref: Mapped[str] = mapped_column(String(64), unique=True, default=new_visitor_ref)
    name_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    email_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    staff_index_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    preferred_contact_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    destroyed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    # A case has one visitor; a mediation binds each of its parties the same way.
    bound_kind: Mapped[str | None] = mapped_column(String(20), default=None)
    bound_id: Mapped[str | None] = mapped_column(String(36), default=None)
    bound_office: Mapped[str | None] = mapped_column(String(40), default=None)


def new_party_ref() -> str:
    return "pty_" + secrets.token_hex(12)


class MediationParty(Base):
    """A party of a mediation (the administration's representative too), sealed like a visitor.

    Bound for good to one mediation and its office when it is sealed: the mediation service
    keeps only `ref`, and the vault reveals a party only through that mediation, to the
    mediator the mediation service vouches is assigned to it.
    """

    __tablename__ = "mediation_party"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    ref: Mapped[str] = mapped_column(String(64), unique=True, default=new_party_ref)
    mediation_id: Mapped[str] = mapped_column(String(36), index=True)
    office: Mapped[str] = mapped_column(String(40))
    name_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    role_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    email_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    preferred_contact_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    destroyed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
