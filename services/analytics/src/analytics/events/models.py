from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from analytics.db import Base


class IngestedEvent(Base):
    """Every event applied once: its (pseudonymous) id is the deduplication key."""

    __tablename__ = "ingested_event"

    event_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(60))


class DataVersion(Base):
    """A counter bumped by every ingestion that changed facts; keys the statistics cache."""

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
