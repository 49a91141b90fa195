from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import HTMLResponse

from mediation.case import service as case_service
from mediation.case.dependencies import MediationDep, SettingsDep, WorkerDep
from mediation.case.schemas import TribunalCaseNumber
from mediation.certificate import service
from mediation.certificate.dependencies import (
    CacheDep,
    CertificateReaderDep,
    ConnectionDep,
    KeysDep,
    RegistryDep,
    RequestReaderDep,
    connect,
)
from mediation.certificate.schemas import (
    CertificateIssue,
    CertificateLookup,
    CertificateRead,
    CertificateRequestCreate,
    CertificateRequestPage,
    CertificateRequestRead,
    CertificateRequestStatus,
    CertificateRevoke,
    RequestDecline,
)
from mediation.certificate.service import Scope
from ombuds_shared.dependencies import SessionDep, state_of
from ombuds_shared.errors import PROBLEM_RESPONSES, NotFound
from ombuds_shared.pages import html_page
from ombuds_shared.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from ombuds_shared.reference import Tribunal

router = APIRouter(prefix="/v1/certificates", tags=["certificates"], responses=PROBLEM_RESPONSES)
mediation_router = APIRouter(
    prefix="/v1/mediations", tags=["certificates"], responses=PROBLEM_RESPONSES
)
keys_router = APIRouter(prefix="/v1/internal/certificate-keys", tags=["internal"])

_NO_REQUEST = "No such certificate request."


# Static paths come before /{certificate_id}, which would otherwise swallow them.
@router.post(
    "/requests",
    status_code=status.HTTP_201_CREATED,
    response_model=CertificateRequestRead,
    summary="Ask for the start/end certificate of a tribunal case (registry)",
)
async def request_certificate(
    data: CertificateRequestCreate, session: SessionDep, actor: RegistryDep
) -> CertificateRequestRead:
    request = await service.create_request(session=session, actor=actor, data=data)
    return CertificateRequestRead.model_validate(request, from_attributes=True)


@router.get(
    "/requests",
    response_model=CertificateRequestPage,
    summary="Certificate requests: your own (registry), or all (the Mediation Service)",
)
async def list_requests(
    session: SessionDep,
    actor: RequestReaderDep,
    settings: SettingsDep,
    status_: Annotated[CertificateRequestStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
) -> CertificateRequestPage:
    rows = await service.list_requests(
        session=session,
        actor=actor,
        status=status_,
        limit=limit,
        service_office=settings.service_office,
    )
    return CertificateRequestPage(
        items=[CertificateRequestRead.model_validate(r, from_attributes=True) for r in rows]
    )


@router.get(
    "/requests/{request_id}",
    response_model=CertificateRequestRead,
    summary="Where a certificate request stands, and the certificate once issued",
)
async def read_request(
    request_id: str, session: SessionDep, actor: RequestReaderDep, settings: SettingsDep
) -> CertificateRequestRead:
    request = await service.get_request(
        session=session, actor=actor, request_id=request_id, service_office=settings.service_office
    )
    if request is None:
        raise NotFound(_NO_REQUEST)
    return CertificateRequestRead.model_validate(request, from_attributes=True)


@router.post(
    "/requests/{request_id}/decline",
    response_model=CertificateRequestRead,
    summary="Decline a certificate request, with a reason",
)
async def decline_request(
    request_id: str,
    data: RequestDecline,
    session: SessionDep,
    actor: WorkerDep,
    settings: SettingsDep,
) -> CertificateRequestRead:
    request = await service.get_request(
        session=session, actor=actor, request_id=request_id, service_office=settings.service_office
    )
    if request is None:
        raise NotFound(_NO_REQUEST)
    await service.decline_request(session=session, actor=actor, request=request, reason=data.reason)
    return CertificateRequestRead.model_validate(request, from_attributes=True)


@router.get(
    "",
    response_model=CertificateLookup,
    summary="Certificates for a tribunal case number in your reach, newest first",
)
async def lookup_certificates(
    request: Request,
    actor: CertificateReaderDep,
    cache: CacheDep,
    tribunal_case_number: Annotated[TribunalCaseNumber, Query()],
    tribunal: Annotated[Tribunal | None, Query()] = None,
) -> Response:
    scope = Scope.of(actor)
    key = ("number", tribunal_case_number, tribunal, scope)
    content = cache.get(key)
    if content is None:
        async with connect(state_of(request.app).engine) as connection:
            found = await service.lookup(
                connection=connection,
                tribunal_case_number=tribunal_case_number,
                tribunal=tribunal.value if tribunal else None,
                scope=scope,
            )
        content = found.model_dump_json().encode()
        cache.put(key, content, tribunal_case_number)
    return Response(content, media_type="application/json")


@router.get(
    "/{certificate_id}",
    response_model=CertificateRead,
    summary="A certificate by id, with its signed JWS and whether it is current",
)
async def read_certificate(
    certificate_id: str, request: Request, actor: CertificateReaderDep, cache: CacheDep
) -> Response:
    scope = Scope.of(actor)
    key = ("id", certificate_id, scope)
    content = cache.get(key)
    if content is None:
        async with connect(state_of(request.app).engine) as connection:
            found = await service.read_by_id(
                connection=connection, certificate_id=certificate_id, scope=scope
            )
        content = found.model_dump_json().encode()
        cache.put(key, content, found.tribunal_case_number)
    return Response(content, media_type="application/json")


@router.get(
    "/{certificate_id}/printable",
    response_class=HTMLResponse,
    summary="A printable rendering (HTML) of the certificate",
)
async def printable_certificate(
    certificate_id: str, connection: ConnectionDep, actor: CertificateReaderDep
) -> HTMLResponse:
    certificate = await service.read_by_id(
        connection=connection, certificate_id=certificate_id, scope=Scope.of(actor)
    )
    return html_page(service.printable(certificate))


@router.post(
    "/{certificate_id}/revoke",
    response_model=CertificateRead,
    summary="Revoke a certificate (mediators and chief of its office)",
)
async def revoke_certificate(
    certificate_id: str,
    data: CertificateRevoke,
    session: SessionDep,
    connection: ConnectionDep,
    actor: WorkerDep,
    cache: CacheDep,
) -> CertificateRead:
    certificate = await service.entity(session=session, certificate_id=certificate_id)
    if certificate is None:
        raise NotFound("No such certificate.")
    mediation = await case_service.get(session=session, mediation_id=certificate.mediation_id)
    if mediation is None or not case_service.may_work_on(actor, mediation):
        raise NotFound("No such certificate.")
    await service.revoke(session=session, certificate=certificate, reason=data.reason, actor=actor)
    cache.forget(certificate.tribunal_case_number)
    return await service.read_by_id(
        connection=connection, certificate_id=certificate_id, scope=Scope.of(actor)
    )


@mediation_router.post(
    "/{mediation_id}/certificates",
    status_code=status.HTTP_201_CREATED,
    response_model=CertificateRead,
    summary="Issue a certificate of the start and end dates (replaces the current one)",
)
async def issue_certificate(
    data: CertificateIssue,
    mediation: MediationDep,
    session: SessionDep,
    connection: ConnectionDep,
    actor: WorkerDep,
    keys: KeysDep,
    cache: CacheDep,
    settings: SettingsDep,
) -> CertificateRead:
    certificate = await service.issue(
        session=session,
        keys=keys,
        mediation=mediation,
        actor=actor,
        request_id=data.request_id,
        service_office=settings.service_office,
    )
    cache.forget(certificate.tribunal_case_number)
    return await service.read_by_id(
        connection=connection, certificate_id=certificate.id, scope=Scope.of(actor)
    )


@mediation_router.get(
    "/{mediation_id}/certificates",
    response_model=list[CertificateRead],
    summary="The certificates issued for a mediation, newest first",
)
async def mediation_certificates(
    mediation: MediationDep, session: SessionDep
) -> list[CertificateRead]:
    return await service.of_mediation(session=session, mediation=mediation)


@keys_router.get(
    "",
    summary="Public keys of certificates, for the gateway's JWKS (public data; no token needed)",
)
async def certificate_public_keys(keys: KeysDep) -> dict[str, Any]:
    return {"keys": keys.public_jwks()}
