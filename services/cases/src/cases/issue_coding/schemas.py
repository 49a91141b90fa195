import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cases.issue_coding.models import CaseIssue
from ombuds_shared.schemas import InputModel
from ombuds_shared.taxonomy import SYSTEMIC_ISSUES, category_of
from ombuds_shared.vocabulary import FormalChannel, ServiceKind


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


class IssueCreate(InputModel):
    code: str = Field(pattern=r"^[1-9]\.[a-z]$", examples=["2.b"], description="A sub-category.")


class IssueRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    category: str
    taxonomy_version: str
    recorded_at: dt.datetime

    @classmethod
    def of(cls, issue: CaseIssue) -> "IssueRead":
        """An issue as read, with the major category its code belongs to."""
        return cls(
            code=issue.code,
            category=category_of(issue.code),
            taxonomy_version=issue.taxonomy_version,
            recorded_at=issue.recorded_at,
        )


class ServiceCreate(InputModel):
    service: ServiceKind
    given_on: dt.date = Field(
        default_factory=_today,
        description="Default today; not in the future, not before the case was opened.",
    )


class ServiceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    service: ServiceKind
    given_on: dt.date
    mediation_id: str | None


class ReferralCreate(InputModel):
    formal_channel: FormalChannel
    referred_on: dt.date = Field(
        default_factory=_today,
        description="Default today; not in the future, not before the case was opened.",
    )


class ReferralRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    formal_channel: FormalChannel
    referred_on: dt.date


class SystemicTagCreate(InputModel):
    systemic_issue: str = Field(max_length=60, examples=["fear_of_speaking_out"])

    @field_validator("systemic_issue")
    @classmethod
    def _in_register(cls, value: str) -> str:
        if value not in SYSTEMIC_ISSUES:
            raise ValueError("not a systemic issue of the register")
        return value


class SystemicTagRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    systemic_issue: str
    tagged_at: dt.datetime
