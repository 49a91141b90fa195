"""The routers this service mounts, all under /v1."""

from fastapi import APIRouter

from mediation.audit.router import router as audit_router
from mediation.case.router import internal_router as case_internal_router
from mediation.case.router import router as case_router
from mediation.certificate.router import keys_router
from mediation.certificate.router import mediation_router as certificate_mediation_router
from mediation.certificate.router import router as certificate_router
from mediation.contact.router import router as contact_router
from mediation.deadline.router import router as deadline_router
from mediation.imports.router import router as imports_router
from mediation.note.router import router as note_router
from mediation.office.models import Office, StaffMember
from mediation.office.router import router as reassignment_router
from mediation.party.router import router as party_router
from mediation.session.router import router as session_router
from mediation.session.router import schedule_router
from mediation.webhook.ingress import router as webhook_ingress_router
from mediation.webhook.router import router as webhook_router
from ombuds_shared.directory import directory_receiver

ROUTERS: tuple[APIRouter, ...] = (
    case_router,
    deadline_router,
    note_router,
    contact_router,
    party_router,
    session_router,
    schedule_router,
    certificate_mediation_router,
    certificate_router,
    case_internal_router,
    keys_router,
    audit_router,
    reassignment_router,
    directory_receiver(Office, StaffMember),
    imports_router,
    webhook_router,
    webhook_ingress_router,
)
