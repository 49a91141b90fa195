"""DataLoaders, created per request: each service read happens once per key, in batches.

A list of cases asks the cases service for the issues (assignments, ...) of all
of its cases in one call to a batch route, however many cases the page holds.
Records that have no batch route are read per key, concurrently, once each.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from strawberry.dataloader import DataLoader

from ombuds_shared.errors import NotFound
from ombuds_shared.pagination import MAX_PAGE_SIZE

if TYPE_CHECKING:
    from gateway.graphql.context import Context


class Loaders:
    """The loaders of one GraphQL request (never shared: answers depend on the caller)."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        records = _records_of_cases
        self.case_issues = records(ctx, "/v1/case-issues")
        self.case_services = records(ctx, "/v1/case-services")
        self.case_referrals = records(ctx, "/v1/case-referrals")
        self.case_systemic_issues = records(ctx, "/v1/case-systemic-issues")
        self.case_status_changes = records(ctx, "/v1/case-status-changes")
        self.case_assignments = records(ctx, "/v1/case-assignments", whole_item=True)
        self.case_consents = _each(ctx, lambda case_id: f"/v1/cases/{case_id}/consents")
        self.case_notes = _each(ctx, lambda case_id: f"/v1/cases/{case_id}/notes")
        self.case_messages = _each(ctx, lambda case_id: f"/v1/cases/{case_id}/messages")
        self.case_visitor = _each(ctx, lambda case_id: f"/v1/cases/{case_id}/visitor")
        self.case_contacts = _each(ctx, lambda case_id: f"/v1/cases/{case_id}/contacts")
        self.mediation = _each(ctx, lambda mediation_id: f"/v1/mediations/{mediation_id}")
        self.mediation_ledger = _each(ctx, lambda m: f"/v1/mediations/{m}/deadlines")
        self.mediation_notes = _each(ctx, lambda m: f"/v1/mediations/{m}/notes")
        self.mediation_contacts = _each(ctx, lambda m: f"/v1/mediations/{m}/contacts")
        self.mediation_parties = _each(ctx, lambda m: f"/v1/mediations/{m}/parties")
        self.mediation_certificates = _each(ctx, lambda m: f"/v1/mediations/{m}/certificates")
        self.certificate = _each(ctx, lambda certificate_id: f"/v1/certificates/{certificate_id}")

    def clear(self) -> None:
        """Forgets everything loaded (after a change)."""
        for loader in vars(self).values():
            if isinstance(loader, DataLoader):
                loader.clear_all()


def _records_of_cases(ctx: Context, path: str, *, whole_item: bool = False) -> DataLoader[str, Any]:
    """Loads one kind of record for many cases with one call to a batch route of cases."""

    async def load(case_ids: list[str]) -> list[Any]:
        page = await ctx.rest("GET", path, query={"case_id": case_ids})
        found = {item["case_id"]: item if whole_item else item["records"] for item in page["items"]}
        # A case the batch did not answer for is not one of the caller's office.
        return [found[c] if c in found else NotFound("No such case.") for c in case_ids]

    return DataLoader(load, max_batch_size=MAX_PAGE_SIZE)


def _each(ctx: Context, path_of: Callable[[str], str]) -> DataLoader[str, Any]:
    """Loads records that have no batch route: one call per distinct key, concurrently."""

    async def load(keys: list[str]) -> list[Any]:
        return await asyncio.gather(
            *(ctx.rest("GET", path_of(key)) for key in keys), return_exceptions=True
        )

    return DataLoader(load)
