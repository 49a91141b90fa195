from mediation.db import Base
from ombuds_shared.audit import AuditColumns, AuditHeadColumns


class AuditEvent(AuditColumns, Base):
    """Who read or changed which note, party or certificate of a mediation (never content)."""

    __tablename__ = "audit_event"


class AuditHead(AuditHeadColumns, Base):
    __tablename__ = "audit_head"
