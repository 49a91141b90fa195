import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, Field

from cases.erasure.schemas import VisitorCaseView
from ombuds_shared.schemas import InputModel


class Sender(StrEnum):
    VISITOR = "visitor"
    HANDLER = "handler"


class MessageCreate(InputModel):
    body: str = Field(min_length=1, max_length=10_000)


class CaseMessageRead(BaseModel):
    id: str
    sender: Sender = Field(description="Which side wrote it: the visitor or the handler.")
    author: str | None = Field(
        description="The handling ombudsman who wrote it; null for the visitor, who is never "
        "named here."
    )
    body: str | None = Field(description="Null once the case's content was destroyed.")
    sent_at: dt.datetime
    read_at: dt.datetime | None = Field(description="When the other side first read it.")


class VisitorView(VisitorCaseView):
    """What the visitor's side (through intake) learns of the case: statuses and dates, and
    how many of the handler's messages wait; never content."""

    messages_waiting: int = Field(description="Messages from the handler not yet read.")
