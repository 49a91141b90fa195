import datetime as dt

from pydantic import BaseModel, Field

from ombuds_shared.schemas import InputModel


class NoteCreate(InputModel):
    body: str = Field(min_length=1, max_length=20_000)


class NoteRead(BaseModel):
    id: str
    author: str
    body: str | None = Field(None, description="Null once the notes have been destroyed.")
    written_at: dt.datetime


class NoteList(BaseModel):
    items: list[NoteRead]
