from pydantic import BaseModel, Field

from ombuds_shared.reference import Pillar
from ombuds_shared.schemas import InputModel


class HeadcountUpdate(InputModel):
    """Staff counts of one pillar in one year (internationally / nationally recruited)."""

    international: int = Field(ge=0, le=10_000_000)
    national: int = Field(ge=0, le=10_000_000)


class HeadcountRead(BaseModel):
    year: int
    pillar: Pillar
    international: int
    national: int


class HeadcountList(BaseModel):
    items: list[HeadcountRead]
