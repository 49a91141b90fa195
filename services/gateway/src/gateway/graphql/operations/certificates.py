"""Certificates of start and end dates: the registry's lookups and requests, and issuing."""

from __future__ import annotations

from typing import Annotated

import strawberry

from gateway.graphql import resolvers
from gateway.graphql.context import GqlInfo
from gateway.graphql.errors import problems_as_errors
from gateway.graphql.types.certificate import Certificate, CertificateLookup, CertificateRequest
from gateway.graphql.types.common import Connection, page_size, rest_body
from ombuds_shared.pagination import DEFAULT_PAGE_SIZE

CERTIFICATES = "/v1/certificates"
REQUESTS = f"{CERTIFICATES}/requests"


@strawberry.type
class CertificateQuery:
    @resolvers.field(description="A certificate by id.")
    @problems_as_errors
    async def certificate(self, info: GqlInfo, id: strawberry.ID) -> Certificate:
        return Certificate.of(await info.context.loaders.certificate.load(id))

    @resolvers.field(description="The certificates for a tribunal case number, and the current.")
    @problems_as_errors
    async def certificates(
        self,
        info: GqlInfo,
        tribunal_case_number: str,
        tribunal: Annotated[
            str | None,
            strawberry.argument(description='A code of `reference(vocabulary: "tribunals")`.'),
        ] = None,
    ) -> CertificateLookup:
        query = {"tribunal_case_number": tribunal_case_number, "tribunal": tribunal}
        return CertificateLookup.of(await info.context.rest("GET", CERTIFICATES, query=query))

    @resolvers.field(
        description="Certificate requests: your own (registry), or all (mediators, chief); "
        "one page, newest first."
    )
    @problems_as_errors
    async def certificate_requests(
        self,
        info: GqlInfo,
        status: Annotated[
            str | None, strawberry.argument(description="pending, issued or declined.")
        ] = None,
        first: int = DEFAULT_PAGE_SIZE,
    ) -> Connection[CertificateRequest]:
        query = {"status": status, "limit": page_size(first)}
        page = await info.context.rest("GET", REQUESTS, query=query)
        return Connection.of([CertificateRequest.of(r) for r in page["items"]], None)

    @resolvers.field(description="Where a certificate request stands.")
    @problems_as_errors
    async def certificate_request(self, info: GqlInfo, id: strawberry.ID) -> CertificateRequest:
        return CertificateRequest.of(await info.context.rest("GET", f"{REQUESTS}/{id}"))


@strawberry.type
class CertificateMutation:
    @resolvers.mutation(description="Ask for the certificate of a tribunal case (registry).")
    @problems_as_errors
    async def request_certificate(
        self, info: GqlInfo, tribunal: str, tribunal_case_number: str
    ) -> CertificateRequest:
        body = rest_body(tribunal=tribunal, tribunal_case_number=tribunal_case_number)
        return CertificateRequest.of(await info.context.rest("POST", REQUESTS, body=body))

    @resolvers.mutation(description="Decline a certificate request, with a reason.")
    @problems_as_errors
    async def decline_certificate_request(
        self,
        info: GqlInfo,
        id: strawberry.ID,
        reason: Annotated[
            str,
            strawberry.argument(
                description="no_such_mediation, mediation_not_started, "
                "not_referred_by_this_tribunal or other."
            ),
        ],
    ) -> CertificateRequest:
        path = f"{REQUESTS}/{id}/decline"
        return CertificateRequest.of(await info.context.rest("POST", path, body={"reason": reason}))

    @resolvers.mutation(
        description="Issue a certificate of a mediation's start and end dates (it replaces the "
        "current one), optionally answering a registry's request."
    )
    @problems_as_errors
    async def issue_certificate(
        self, info: GqlInfo, mediation_id: strawberry.ID, request_id: strawberry.ID | None = None
    ) -> Certificate:
        path = f"/v1/mediations/{mediation_id}/certificates"
        body = rest_body(request_id=request_id)
        return Certificate.of(await info.context.rest("POST", path, body=body))

    @resolvers.mutation(description="Revoke a certificate, with a reason.")
    @problems_as_errors
    async def revoke_certificate(
        self,
        info: GqlInfo,
        id: strawberry.ID,
        reason: Annotated[
            str, strawberry.argument(description="superseded, issued_in_error or other.")
        ],
    ) -> Certificate:
        path = f"{CERTIFICATES}/{id}/revoke"
        return Certificate.of(await info.context.rest("POST", path, body={"reason": reason}))
