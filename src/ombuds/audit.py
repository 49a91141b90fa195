"""Verifying the services' audit logs from the operator's command."""

from __future__ import annotations

from cases.audit.models import AuditEvent, AuditHead
from ombuds_shared.audit import Verification, verify
from ombuds_shared.db import create_engine


async def verify_cases_audit(database_url: str) -> Verification:
    """Walks every chain of the cases service's audit log."""
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            return await verify(connection, AuditEvent, AuditHead)
    finally:
        await engine.dispose()
