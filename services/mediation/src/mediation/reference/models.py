from mediation.db import Base
from ombuds_shared.outbox import OutboxColumns
from ombuds_shared.taxonomy import IssueCodeColumns


class IssueCode(IssueCodeColumns, Base):
    """An issue of the shared taxonomy, in the version it was published in."""

    __tablename__ = "issue_code"


class OutboxEvent(OutboxColumns, Base):
    """Events for analytics, written in the transaction of the change they describe."""

    __tablename__ = "outbox_event"
