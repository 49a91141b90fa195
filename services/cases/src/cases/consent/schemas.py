import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, Field, model_validator

from ombuds_shared.schemas import InputModel

_OFFICE_CODE = r"^[a-z0-9_-]{2,60}$"


class ConsentScope(StrEnum):
    """What the visitor allowed the office to do (P2)."""

    CONTACT_SUPERVISOR = "contact_supervisor"
    CONTACT_HR = "contact_hr"
    CONTACT_THIRD_PARTY = "contact_third_party"
    SHARE_IDENTITY = "share_identity"


class ConsentCreate(InputModel):
    scope: ConsentScope
    with_office: str | None = Field(
        None, pattern=_OFFICE_CODE, description="For share_identity: the office named, by code."
    )
    details: str | None = Field(
        None, max_length=2000, description="The consent's terms in the visitor's words (sealed)."
    )

    @model_validator(mode="after")
    def _office_for_sharing(self) -> "ConsentCreate":
        if (self.scope == ConsentScope.SHARE_IDENTITY) != (self.with_office is not None):
            raise ValueError("with_office names the office for share_identity, and only then")
        return self


class ConsentRead(BaseModel):
    id: str
    scope: ConsentScope
    with_office: str | None
    details: str | None
    given_at: dt.datetime
    revoked_at: dt.datetime | None
    live: bool


class ActionCreate(InputModel):
    """An action that needs the visitor's consent of the same scope."""

    action: ConsentScope
    with_office: str | None = Field(None, pattern=_OFFICE_CODE)


class ActionRead(BaseModel):
    id: str
    action: ConsentScope
    with_office: str | None
    consent_id: str
    taken_at: dt.datetime


class DisclosureCreate(InputModel):
    """A break-glass disclosure for imminent risk of serious harm (P4)."""

    disclosed_to: str = Field(pattern=_OFFICE_CODE, examples=["security_and_safety"])
    justification: str = Field(min_length=20, max_length=4000)


class DisclosureRead(BaseModel):
    id: str
    disclosed_to: str
    made_by: str
    made_at: dt.datetime


class OversightMonth(BaseModel):
    month: str
    disclosures: int


class OversightReport(BaseModel):
    """Break-glass disclosures of the office, for the chief: counts and who, never why."""

    office: str
    total: int
    by_month: list[OversightMonth]
    disclosures: list[DisclosureRead]
