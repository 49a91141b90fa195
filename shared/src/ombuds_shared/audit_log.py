"""A service's audit log as a whole: recording, the auditors' routes, its signed heads.

The chain itself is `ombuds_shared.audit`. This module is what every service
that keeps a log (cases, intake, mediation) uses on top of it, so that the log
is written, read and signed the same way everywhere:

    AUDIT = ServiceAudit("mediation", AuditEvent, AuditHead)
    await AUDIT.record(session, AuditEntry(actor, "note.write", record_type="note",
                                           record_id=note.id, context_id=mediation.id))
    router = AUDIT.router(context_query="mediation_id", context_name="mediation")
    # GET /v1/audit/mediation and /v1/audit/mediation/head

A change is recorded with `record` in the transaction of the change; a read
(a reveal of content) with `record_read`, committed before the content leaves
the service. Entries carry ids only, never content.
"""

import asyncio
import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from ombuds_shared import audit
from ombuds_shared.auth import require_user
from ombuds_shared.db import utcnow
from ombuds_shared.dependencies import SessionDep, state_of
from ombuds_shared.errors import PROBLEM_RESPONSES, ValidationFailed
from ombuds_shared.keys import SigningKey
from ombuds_shared.pagination import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    Page,
    decode_cursor,
    encode_cursor,
)
from ombuds_shared.tokens import Actor

__all__ = [
    "READ_LOG",
    "ServiceAudit",
]

# The key of a session's `info` under which a service may put its ReadLog (group commit).
READ_LOG = "read_log"


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
    """Where every chain of a service's log ends, signed with that service's key.

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


_AuditorDep = Annotated[Actor, Depends(require_user("auditor"))]


class ServiceAudit:
    """The audit log of one service: its two tables and everything done with them."""

    def __init__(
        self,
        service: str,
        event_model: type[audit.AuditColumns],
        head_model: type[audit.AuditHeadColumns],
    ) -> None:
        self.service = service
        self.event_model = event_model
        self.head_model = head_model

    def attach_read_log(self, app: FastAPI) -> audit.ReadLog:
        """Gives every session of the app one group-committing ReadLog for its reads (call
        it once the app's engine exists, e.g. in an on_startup hook)."""
        state = state_of(app)
        read_log = audit.ReadLog(state.engine, self.event_model, self.head_model)
        for maker in (state.session_maker, state.read_session_maker):
            maker.configure(info={READ_LOG: read_log})
        return read_log

    async def record(self, session: AsyncSession, entry: audit.AuditEntry) -> None:
        """Adds an entry to the session's transaction; the caller commits it with the change."""
        await audit.append(session, self.event_model, self.head_model, entry)

    async def append(
        self, connection: AsyncConnection, entries: Sequence[audit.AuditEntry]
    ) -> None:
        """Adds entries to a Core connection's transaction, for changes written together in
        it (grouped writes); the caller commits with the changes."""
        await audit.append_many(connection, self.event_model, self.head_model, entries)

    async def record_read(self, session: AsyncSession, entry: audit.AuditEntry) -> None:
        """Records a read before its content is returned, and ends the session's transaction.

        With a `ReadLog` in the session's info (see READ_LOG), the read's own
        transaction ends first, handing its connection back, and the entry is
        committed together with the other reads of the moment; without one, the
        entry is committed in the session's own transaction.
        """
        read_log: audit.ReadLog | None = session.info.get(READ_LOG)
        if read_log is None:
            await self.record(session, entry)
            await session.commit()
            return
        await session.commit()
        await read_log.record(entry)

    async def record_changes(
        self,
        session: AsyncSession,
        *,
        actor: Actor | None,
        action: str,
        record_type: str,
        record_ids: Sequence[str],
    ) -> None:
        """`record` for several records at once, each its own context, in three statements
        whatever their number (a batch import); the caller commits with the change."""
        entries = _each_its_own_context(actor, action, record_type, record_ids)
        if entries:
            await audit.append_many(session, self.event_model, self.head_model, entries)

    async def record_reads(
        self,
        session: AsyncSession,
        *,
        actor: Actor,
        action: str,
        record_type: str,
        record_ids: Sequence[str],
    ) -> None:
        """record_read for several records at once, each its own context: one commit for all."""
        entries = _each_its_own_context(actor, action, record_type, record_ids)
        read_log: audit.ReadLog | None = session.info.get(READ_LOG)
        if read_log is None:
            for entry in entries:
                await self.record(session, entry)
            await session.commit()
            return
        await session.commit()
        # Recorded side by side, they go into one batch of the log (which locks in chain order).
        await asyncio.gather(*(read_log.record(entry) for entry in entries))

    async def list_entries(
        self,
        *,
        session: AsyncSession,
        record_id: str | None,
        context_id: str | None,
        cursor: str | None,
        limit: int,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """The log, oldest first, one page at a time (who, what, when; no content)."""
        table = self.event_model.__table__  # type: ignore[attr-defined]
        query = select(table)
        if record_id:
            query = query.where(table.c.record_id == record_id)
        if context_id:
            query = query.where(table.c.context_id == context_id)
        if cursor:
            (after,) = decode_cursor(cursor, 1)
            if not isinstance(after, int):
                raise ValidationFailed("The cursor is not valid.")
            query = query.where(table.c.id > after)
        result = await session.execute(query.order_by(table.c.id).limit(limit + 1))
        rows = [dict(row) for row in result.mappings()]
        await session.commit()
        next_cursor = None
        if len(rows) > limit:
            rows = rows[:limit]
            next_cursor = encode_cursor(rows[-1]["id"])
        return rows, next_cursor

    async def signed_head(
        self, *, session: AsyncSession, key: SigningKey
    ) -> tuple[audit.SignedHead, str]:
        """The heads of every chain now, and the JWS that signs them with this service's key."""
        heads = await audit.read_heads(await session.connection(), self.head_model)
        await session.commit()
        signed_at = utcnow().replace(microsecond=0)  # the instant the JWS carries, to the second
        token = audit.sign_heads(heads, key, service=self.service, signed_at=signed_at)
        return audit.SignedHead(self.service, signed_at, heads, key.kid), token

    def router(self, *, context_query: str, context_name: str) -> APIRouter:
        """The auditors' routes: `GET /v1/audit/<service>` (the log, filtered by a record or
        by the aggregate named `context_query`) and `GET /v1/audit/<service>/head`."""
        router = APIRouter(
            prefix=f"/v1/audit/{self.service}", tags=["audit"], responses=PROBLEM_RESPONSES
        )
        log = self

        @router.get(
            "",
            response_model=AuditPage,
            summary=f"The {self.service} service's audit log (auditor)",
        )
        async def read_log(
            session: SessionDep,
            actor: _AuditorDep,
            record_id: Annotated[str | None, Query(max_length=64)] = None,
            context_id: Annotated[
                str | None,
                Query(
                    alias=context_query,
                    max_length=64,
                    description=f"Only the entries about this {context_name}.",
                ),
            ] = None,
            cursor: Annotated[str | None, Query(max_length=500)] = None,
            limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
        ) -> AuditPage:
            rows, next_cursor = await log.list_entries(
                session=session,
                record_id=record_id,
                context_id=context_id,
                cursor=cursor,
                limit=limit,
            )
            return AuditPage(
                items=[AuditEntryRead.model_validate(r) for r in rows], next_cursor=next_cursor
            )

        @router.get(
            "/head",
            response_model=SignedHeadRead,
            summary="Where each chain of the log ends, signed: keep it to detect a rewrite "
            "later (auditor)",
        )
        async def signed_head(
            request: Request, session: SessionDep, actor: _AuditorDep
        ) -> SignedHeadRead:
            head, token = await log.signed_head(
                session=session, key=state_of(request.app).signing_key
            )
            return SignedHeadRead(
                service=head.service,
                signed_at=head.signed_at,
                entries=head.entries,
                kid=head.kid,
                chains=[ChainHeadRead(chain=h.chain, seq=h.seq, hash=h.hash) for h in head.heads],
                jws=token,
            )

        return router


def _each_its_own_context(
    actor: Actor | None, action: str, record_type: str, record_ids: Sequence[str]
) -> list[audit.AuditEntry]:
    """One entry per record, its own context, in chain order: each append locks its chain's
    head until commit, so two batches taking heads in the same order never wait on each
    other in a cycle."""
    return [
        audit.AuditEntry(actor, action, record_type, record_id, context_id=record_id)
        for record_id in sorted(record_ids, key=lambda r: (audit.chain_of(r), r))
    ]
