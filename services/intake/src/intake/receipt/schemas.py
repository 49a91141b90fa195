import datetime as dt

from pydantic import BaseModel, Field

from intake.request.schemas import RequestStatus
from ombuds_shared.vocabulary import DeclineReason


class ReceiptRequestRead(BaseModel):
    """What the holder of a receipt code learns of their request: its course, no identity."""

    reference: str
    status: RequestStatus
    submitted_at: dt.datetime
    triaged_at: dt.datetime | None = None
    decline_reason: DeclineReason | None = None
    decline_note: str | None = Field(None, description="The office's explanation of a decline.")
    case_status: str | None = Field(
        None, description="The status of the case the request opened, once accepted."
    )
    messages_waiting: int | None = Field(
        None,
        description="Messages from the handler not read yet (no content: read them with "
        "GET /v1/receipts/messages).",
    )
    contact_given: bool = Field(description="Whether the holder added contact details.")


class ContactAdded(BaseModel):
    reference: str
    contact_given: bool = True
