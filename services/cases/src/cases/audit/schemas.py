import datetime as dt

from pydantic import BaseModel, ConfigDict

from ombuds_shared.pagination import Page


class AuditEntryRead(BaseModel):
    """One entry of the audit log: who did what to which record, and when; never content."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    chain: int
    seq: int
    occurred_at: dt.datetime
    subject: str
    roles: str
    peer: str | None
    action: str
    record_type: str
    record_id: str
    context_id: str
    hash: str


AuditPage = Page[AuditEntryRead]
