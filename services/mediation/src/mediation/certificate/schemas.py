import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, Field

from mediation.case.schemas import TribunalCaseNumber
from ombuds_shared.reference import Tribunal
from ombuds_shared.schemas import InputModel


class CertificateRequestStatus(StrEnum):
    """Where a tribunal's request for a certificate stands (not intake's RequestStatus)."""

    PENDING = "pending"
    ISSUED = "issued"
    DECLINED = "declined"


class CertificateDeclineReason(StrEnum):
    """Why a certificate request was declined (not the vocabulary's DeclineReason)."""

    NO_SUCH_MEDIATION = "no_such_mediation"
    MEDIATION_NOT_STARTED = "mediation_not_started"
    NOT_REFERRED_BY_THIS_TRIBUNAL = "not_referred_by_this_tribunal"
    OTHER = "other"


class RevocationReason(StrEnum):
    SUPERSEDED = "superseded"
    ISSUED_IN_ERROR = "issued_in_error"
    OTHER = "other"


class CertificateStatus(StrEnum):
    CURRENT = "current"
    REVOKED = "revoked"


class CertificateRequestCreate(InputModel):
    tribunal: Tribunal
    tribunal_case_number: TribunalCaseNumber = Field(examples=["UNDT/NY/2026/014"])


class CertificateRequestRead(BaseModel):
    id: str
    tribunal: Tribunal
    tribunal_case_number: str
    status: CertificateRequestStatus
    requested_at: dt.datetime
    decided_at: dt.datetime | None = None
    decline_reason: CertificateDeclineReason | None = None
    certificate_id: str | None = None


class CertificateRequestPage(BaseModel):
    items: list[CertificateRequestRead]


class CertificateIssue(InputModel):
    request_id: str | None = Field(
        None, max_length=36, description="The registry's request this certificate answers."
    )


class RequestDecline(InputModel):
    reason: CertificateDeclineReason


class CertificateRevoke(InputModel):
    reason: RevocationReason


class CertificateRead(BaseModel):
    """The certificate's facts, its status, and the signed JWS that carries the facts."""

    id: str
    tribunal: Tribunal
    tribunal_case_number: str
    start_date: dt.date
    end_date: dt.date | None = Field(None, description="Null while the mediation is ongoing.")
    ongoing: bool
    issuing_office: str
    issued_at: dt.datetime
    status: CertificateStatus
    current: bool = Field(description="This is the certificate to rely on now.")
    revoked_at: dt.datetime | None = None
    revocation_reason: RevocationReason | None = None
    superseded_by: str | None = None
    kid: str
    jws: str = Field(description="Compact JWS (EdDSA); verify with /.well-known/jwks.json.")


class CertificateLookup(BaseModel):
    """Every certificate issued for a tribunal case number, newest first."""

    tribunal_case_number: str
    current: str | None = Field(None, description="The id of the current certificate, if any.")
    items: list[CertificateRead]
