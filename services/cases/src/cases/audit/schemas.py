import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from ombuds_shared.pagination import Page


class AuditEntryRead(BaseModel):
    """One entry of the audit log: who did what to which record, and when; never content."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    chain: int
    seq: int
    occurred_at: dt.datetime
    subject: str
    roles: str
    peer: str | None
    action: str
    record_type: str
    record_id: str
    context_id: str
    hash: str


AuditPage = Page[AuditEntryRead]


class ChainHeadRead(BaseModel):
    chain: int
    seq: int = Field(description="How many entries the chain holds.")
    hash: str = Field(description="The hash of its last entry (64 zeros while empty).")


class SignedHeadRead(BaseModel):
    """Where every chain of the log ends, signed with the cases service's key.

    Keep it outside the system: `ombuds audit verify --against` later proves that
    the log still passes through these heads, i.e. nothing was cut or rewritten.
    """

    service: str
    signed_at: dt.datetime
    entries: int
    kid: str = Field(description="The signing key, published at the gateway's /internal/jwks.json.")
    chains: list[ChainHeadRead]
    jws: str = Field(
        description="The same heads as a compact JWS (EdDSA, typ ombuds-audit-head+jwt): "
        "the part to keep; the other fields are a readable copy."
    )
