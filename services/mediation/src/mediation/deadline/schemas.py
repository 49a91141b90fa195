import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, Field

from ombuds_shared.schemas import InputModel


class ClockKind(StrEnum):
    TRIBUNAL_SUSPENSION = "tribunal_suspension"
    FILING_PERIOD = "filing_period"
    MANAGEMENT_EVALUATION = "management_evaluation"
    ENFORCEMENT_WINDOW = "enforcement_window"


class ClockState(StrEnum):
    RUNNING = "running"
    STOPPED = "stopped"
    ENDED = "ended"


class ClockAction(StrEnum):
    STARTED = "started"
    STOPPED = "stopped"
    RESUMED = "resumed"
    EXTENDED = "extended"
    ENDED = "ended"


class ClockReason(StrEnum):
    REFERRAL_ACCEPTED = "referral_accepted"
    PERIOD_REGISTERED = "period_registered"
    PARTIES_CONSENTED_TO_MEDIATION = "parties_consented_to_mediation"
    MEDIATION_BROKE_DOWN = "mediation_broke_down"
    EXTENSION_GRANTED = "extension_granted"
    MEDIATION_ENDED = "mediation_ended"
    SETTLEMENT_SIGNED = "settlement_signed"


class ExtensionStatus(StrEnum):
    REQUESTED = "requested"
    GRANTED = "granted"
    REFUSED = "refused"


class ClockCreate(InputModel):
    """A filing period the mediation touches, registered so the ledger can stop and resume it."""

    kind: ClockKind = Field(description="filing_period or management_evaluation.")
    started_on: dt.date
    period_days: int | None = Field(
        None, ge=1, le=3650, description="Defaults to the configured period of its kind."
    )


class ClockEntryRead(BaseModel):
    action: ClockAction
    on: dt.date
    reason: ClockReason
    days: int | None = None


class ClockRead(BaseModel):
    id: str
    kind: ClockKind
    state: ClockState
    started_on: dt.date
    period_days: int
    due_on: dt.date | None = Field(None, description="Null while the clock is stopped.")
    days_remaining: int | None = Field(None, description="Days left when it was stopped.")
    entries: list[ClockEntryRead]


class ExtensionCreate(InputModel):
    requested_on: dt.date
    requested_days: int = Field(ge=1, le=365)


class ExtensionDecision(InputModel):
    granted: bool
    decided_on: dt.date
    days: int | None = Field(None, ge=1, le=365, description="Days granted; default: as asked.")


class ExtensionRead(BaseModel):
    id: str
    requested_on: dt.date
    requested_days: int
    status: ExtensionStatus
    decided_on: dt.date | None = None
    granted_days: int | None = None


class LedgerRead(BaseModel):
    clocks: list[ClockRead]
    extensions: list[ExtensionRead]
