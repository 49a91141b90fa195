"""Certificates of a mediation's start and end dates (P7), and the registries' requests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry

from gateway.graphql import resolvers
from gateway.graphql.context import GqlInfo
from gateway.graphql.errors import problems_as_errors
from gateway.graphql.types.common import from_rest


@strawberry.type(
    description="A signed certificate of a mediation's start and end dates, and nothing else; "
    "verify `jws` with the keys at /.well-known/jwks.json."
)
class Certificate:
    id: strawberry.ID
    tribunal: str
    tribunal_case_number: str
    start_date: dt.date
    end_date: dt.date | None = strawberry.field(description="Null while the mediation goes on.")
    ongoing: bool
    issuing_office: str
    issued_at: dt.datetime
    status: str = strawberry.field(description="current or revoked.")
    current: bool = strawberry.field(description="This is the certificate to rely on now.")
    revoked_at: dt.datetime | None
    revocation_reason: str | None
    superseded_by: str | None
    kid: str
    jws: str = strawberry.field(description="Compact JWS (EdDSA) carrying the facts above.")

    @classmethod
    def of(cls, data: dict[str, Any]) -> Certificate:
        return from_rest(cls, data)


@strawberry.type(description="Every certificate issued for a tribunal case number, newest first.")
class CertificateLookup:
    tribunal_case_number: str
    current: str | None = strawberry.field(description="The id of the current certificate.")
    items: list[Certificate]

    @classmethod
    def of(cls, data: dict[str, Any]) -> CertificateLookup:
        return from_rest(cls, data, items=[Certificate.of(c) for c in data["items"]])


@strawberry.type(description="A registry's request for a certificate, and where it stands.")
class CertificateRequest:
    id: strawberry.ID
    tribunal: str
    tribunal_case_number: str
    status: str = strawberry.field(description="pending, issued or declined.")
    requested_at: dt.datetime
    decided_at: dt.datetime | None
    decline_reason: str | None
    certificate_id: str | None

    @resolvers.field(description="The certificate issued in answer, once it is.")
    @problems_as_errors
    async def certificate(self, info: GqlInfo) -> Certificate | None:
        if self.certificate_id is None:
            return None
        return Certificate.of(await info.context.loaders.certificate.load(self.certificate_id))

    @classmethod
    def of(cls, data: dict[str, Any]) -> CertificateRequest:
        return from_rest(cls, data)
