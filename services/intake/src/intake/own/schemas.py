import datetime as dt

from pydantic import BaseModel, Field

from intake.request.schemas import IntakeRead


class StatusStep(BaseModel):
    status: str
    changed_at: dt.datetime


class ErasureState(BaseModel):
    """Your request that a closed matter be erased: when you asked, when it was confirmed."""

    requested_at: dt.datetime
    confirmed_at: dt.datetime | None = None


class OwnCase(BaseModel):
    """Your case as you may see it: its statuses and dates. The handler's notes, consents,
    coding and referrals are the office's privileged working papers (Standards of
    Practice) and are not shown."""

    status: str
    opened_at: dt.datetime
    closed_at: dt.datetime | None = None
    status_history: list[StatusStep]
    erasure: ErasureState | None = None


class OwnRequest(IntakeRead):
    case: OwnCase | None = Field(None, description="The case an accepted request became.")


class OwnData(BaseModel):
    """Everything the office holds about you that is not privileged, as held now.

    A withdrawn or erased request is not listed: nothing ties it to you any more."""

    requests: list[OwnRequest]


class ErasureRequested(BaseModel):
    reference: str
    requested_at: dt.datetime
    confirmed_at: dt.datetime | None = None
