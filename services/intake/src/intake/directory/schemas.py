import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from ombuds_shared.directory import CODE_PATTERN, StaffRead, StaffRole
from ombuds_shared.reference import Pillar

# A subject the roster's routes can name in a path (the gateway's path segments).
SUBJECT_PATTERN = r"^[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,63}$"


class OfficeCreate(BaseModel):
    """An office to open."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=CODE_PATTERN, description="Lower-case code, e.g. `lisbon`.")
    name: str = Field(min_length=1, max_length=200)
    city: str = Field(min_length=1, max_length=100)
    pillar: Pillar
    opened_on: dt.date | None = Field(None, description="Default: today; never in the future.")


class OfficeUpdate(BaseModel):
    """A rename (name) or a move (city, pillar); what is left out stays."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=200)
    city: str | None = Field(None, min_length=1, max_length=100)
    pillar: Pillar | None = None


class OfficeClose(BaseModel):
    model_config = ConfigDict(extra="forbid")

    closed_on: dt.date | None = Field(None, description="Default: today; never in the future.")


class OfficeRead(BaseModel):
    code: str
    name: str
    city: str
    pillar: str
    opened_on: dt.date
    closed_on: dt.date | None
    open: bool


class OfficeList(BaseModel):
    items: list[OfficeRead]


class StaffCreate(BaseModel):
    """A member of an office's staff, known by their identity-provider subject."""

    model_config = ConfigDict(extra="forbid")

    subject: str = Field(
        min_length=1,
        max_length=64,
        pattern=SUBJECT_PATTERN,
        description="The `sub` of their token.",
    )
    display_name: str = Field(min_length=1, max_length=200)
    office: str = Field(pattern=CODE_PATTERN)
    role: StaffRole


class SignIn(BaseModel):
    """A staff member's first sign-in, as the gateway read it from their token."""

    model_config = ConfigDict(extra="forbid")

    role: StaffRole
    display_name: str = Field(min_length=1, max_length=200)


class SignInResult(BaseModel):
    outcome: str = Field(description="added, known (left as it is) or skipped")


class StaffList(BaseModel):
    items: list[StaffRead]
