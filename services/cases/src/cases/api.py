"""The routers this service mounts, all under /v1."""

from cases.assignment.router import router as assignment_router
from cases.audit.router import router as audit_router
from cases.batch.router import router as batch_router
from cases.case.router import internal_router as case_internal_router
from cases.case.router import router as case_router
from cases.coding.router import router as coding_router
from cases.consent.router import oversight_router
from cases.consent.router import router as consent_router
from cases.imports.router import router as imports_router
from cases.note.router import router as note_router
from cases.visitor.router import router as visitor_router

ROUTERS = (
    case_router,
    assignment_router,
    coding_router,
    consent_router,
    note_router,
    visitor_router,
    oversight_router,
    audit_router,
    batch_router,
    case_internal_router,
    imports_router,
)
