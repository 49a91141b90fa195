from intake.db import Base
from ombuds_shared.audit import AuditColumns, AuditHeadColumns


class AuditEvent(AuditColumns, Base):
    """Who saw or changed which identity or request in intake, and when (never content)."""

    __tablename__ = "audit_event"


class AuditHead(AuditHeadColumns, Base):
    __tablename__ = "audit_head"
