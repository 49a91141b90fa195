from enum import StrEnum

from pydantic import EmailStr, Field, model_validator

from ombuds_shared.schemas import InputModel


class ContactChannel(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    VIDEO_CALL = "video_call"
    IN_PERSON = "in_person"


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
