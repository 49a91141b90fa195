"""The routers this service mounts, all under /v1."""

from cases.assignment.router import router as assignment_router
from cases.audit.router import router as audit_router
from cases.bulk_reads.router import router as bulk_reads_router
from cases.case.router import internal_router as case_internal_router
from cases.case.router import router as case_router
from cases.consent.router import oversight_router
from cases.consent.router import router as consent_router
from cases.contact.router import router as contact_router
from cases.erasure.router import internal_router as erasure_internal_router
from cases.erasure.router import router as erasure_router
from cases.imports.router import router as imports_router
from cases.issue_coding.router import router as issue_coding_router
from cases.message.router import internal_router as message_internal_router
from cases.message.router import router as message_router
from cases.note.router import router as note_router
from cases.office.models import Office, StaffMember
from cases.office.router import router as reassignment_router
from cases.register.router import router as register_router
from cases.visitor.router import router as visitor_router
from ombuds_shared.directory import directory_receiver

ROUTERS = (
    case_router,
    assignment_router,
    issue_coding_router,
    contact_router,
    consent_router,
    note_router,
    message_router,
    visitor_router,
    oversight_router,
    register_router,
    audit_router,
    bulk_reads_router,
    case_internal_router,
    erasure_router,
    erasure_internal_router,
    message_internal_router,
    reassignment_router,
    directory_receiver(Office, StaffMember),
    imports_router,
)
