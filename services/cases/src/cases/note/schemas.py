import datetime as dt

from pydantic import BaseModel, Field

from ombuds_shared.schemas import InputModel


class NoteCreate(InputModel):
    body: str = Field(min_length=1, max_length=20_000)


class NoteRead(BaseModel):
    id: str
    body: str | None
    author: str
    written_at: dt.datetime
