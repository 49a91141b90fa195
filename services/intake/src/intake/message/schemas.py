import datetime as dt

from pydantic import BaseModel, Field

from ombuds_shared.schemas import InputModel


class MessageCreate(InputModel):
    body: str = Field(min_length=1, max_length=10_000)


class VisitorMessageRead(BaseModel):
    """A secure message of the request's case, as its visitor sees it."""

    id: str
    sender: str = Field(description="visitor or handler.")
    body: str | None = Field(description="Null once the case's content was destroyed.")
    sent_at: dt.datetime
    read_at: dt.datetime | None = Field(description="When the other side first read it.")


class CaseView(BaseModel):
    """What the visitor learns of the case their request opened: no content."""

    status: str = Field(description="opened, in_progress, on_hold or closed.")
    closed_at: dt.datetime | None
    messages_waiting: int = Field(
        description="Messages from the handler not yet read: their content only in the "
        "messages themselves."
    )
