from pydantic import BaseModel, EmailStr, Field, model_validator

from ombuds_shared.schemas import InputModel
from ombuds_shared.vocabulary import ContactChannel


class VisitorIdentity(InputModel):
    """Who the visitor is and how they wish to be reached; stored encrypted only."""

    name: str = Field(min_length=1, max_length=200, examples=["Amina Diallo"])
    email: EmailStr | None = Field(None, examples=["amina.diallo@example.org"])
    phone: str | None = Field(None, max_length=40, pattern=r"^[+0-9 ()./-]{5,40}$")
    staff_index_number: str | None = Field(None, max_length=20, pattern=r"^[A-Za-z0-9-]{1,20}$")
    preferred_contact: ContactChannel = ContactChannel.EMAIL

    @model_validator(mode="after")
    def _reachable(self) -> "VisitorIdentity":
        if self.email is None and self.phone is None:
            raise ValueError("give an email or a phone number so the office can reach the visitor")
        if self.preferred_contact == ContactChannel.PHONE and self.phone is None:
            raise ValueError("preferred_contact is phone but no phone number was given")
        return self


class PartyIdentity(InputModel):
    """Who a party of a mediation is, their role in it, and how to reach them; sealed only."""

    name: str = Field(min_length=1, max_length=200, examples=["Rosa Martens"])
    role: str = Field(
        min_length=1,
        max_length=200,
        description="The party's role in the dispute, e.g. applicant, or the administration's "
        "representative and their function.",
        examples=["Representative of the administration (Human Resources)"],
    )
    email: EmailStr | None = Field(None, examples=["rosa.martens@example.org"])
    phone: str | None = Field(None, max_length=40, pattern=r"^[+0-9 ()./-]{5,40}$")
    preferred_contact: ContactChannel = ContactChannel.EMAIL

    @model_validator(mode="after")
    def _reachable(self) -> "PartyIdentity":
        if self.email is None and self.phone is None:
            raise ValueError("give an email or a phone number so the mediator can reach the party")
        if self.preferred_contact == ContactChannel.PHONE and self.phone is None:
            raise ValueError("preferred_contact is phone but no phone number was given")
        return self


class PartySeal(InputModel):
    """What the mediation service sends to seal a party and bind it to its mediation."""

    office: str = Field(min_length=1, max_length=40)
    identity: PartyIdentity


class PartySealed(BaseModel):
    party_ref: str
    mediation_id: str


class PartyRevealed(BaseModel):
    party_ref: str
    identity: PartyIdentity | None = Field(description="Null once destroyed under retention.")


class BoundParties(BaseModel):
    mediation_id: str
    items: list[PartyRevealed]


class PartiesDestroyed(BaseModel):
    mediation_id: str
    destroyed: int = Field(description="Parties destroyed by this call (0 when repeated).")
    total: int = Field(description="Parties ever sealed for this mediation.")
    identities: int = Field(
        0, description="Other identities bound to the mediation (a referred visitor), destroyed."
    )
