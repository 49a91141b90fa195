"""The outbox of the mediation service: the `mediation.*` events of docs/events.md."""

from mediation.db import Base
from ombuds_shared.outbox import OutboxColumns


class OutboxEvent(OutboxColumns, Base):
    """Events for analytics, written in the transaction of the change they describe."""

    __tablename__ = "outbox_event"
