"""Secure messages between a case's visitor and its assigned ombudsman (issue 19, item 5).

Case content: sealed under the case's data key, read one case at a time by the
two sides only, every read audited, destroyed with the case; no listing across
cases, no export, no event, no webhook. The visitor's side reaches them through
intake alone, which knows who submitted the request that opened the case.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cases import audited_records
from cases.case.models import CaseRow
from cases.consent.service import data_key, seal, unseal
from cases.erasure import service as erasure
from cases.message.models import Message
from cases.message.schemas import CaseMessageRead, MessageCreate, Sender, VisitorView
from ombuds_shared.crypto import Envelope
from ombuds_shared.db import utcnow
from ombuds_shared.errors import Conflict
from ombuds_shared.tokens import Actor

_KIND = "message"


def refuse_if_destroyed(case: CaseRow) -> None:
    if case.destroyed_at is not None:
        raise Conflict("This case's content was destroyed under the retention schedule.")


async def send(
    *,
    session: AsyncSession,
    envelope: Envelope | None,
    case: CaseRow,
    actor: Actor,
    sender: Sender,
    data: MessageCreate,
) -> CaseMessageRead:
    """Adds a message from one side, sealed before it reaches the database (audited)."""
    refuse_if_destroyed(case)
    if case.status == "closed":
        raise Conflict("This case is closed: no more messages are exchanged on it.")
    key = await data_key(session, envelope, case.id)
    message_id = str(uuid.uuid4())
    message = Message(
        id=message_id,
        case_id=case.id,
        sender=sender.value,
        author=actor.subject if sender is Sender.HANDLER else None,
        sent_at=utcnow(),
        body_sealed=seal(key, case.id, _KIND, message_id, data.body),
    )
    session.add(message)
    await audited_records.commit_with_audit(
        session, actor, f"message.send.{sender.value}", case.id, _KIND, message
    )
    return CaseMessageRead(
        id=message.id,
        sender=sender,
        author=message.author,
        body=data.body,
        sent_at=message.sent_at,
        read_at=None,
    )


async def read_all(
    *,
    session: AsyncSession,
    envelope: Envelope | None,
    case: CaseRow,
    actor: Actor,
    reader: Sender,
) -> list[CaseMessageRead]:
    """The case's messages for one side (the read is audited); what the other side sent
    is marked read."""
    refuse_if_destroyed(case)
    key = await data_key(session, envelope, case.id)
    rows = await audited_records.list_rows(
        session=session, model=Message, case=case, actor=actor, what=f"message.{reader.value}"
    )
    now = utcnow()
    await session.execute(
        update(Message)
        .where(
            Message.case_id == case.id,
            Message.sender != reader.value,
            Message.read_at.is_(None),
        )
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    await session.commit()
    return [
        CaseMessageRead(
            id=r.id,
            sender=Sender(r.sender),
            author=r.author,
            body=unseal(key, case.id, _KIND, r.id, r.body_sealed),
            sent_at=r.sent_at,
            read_at=r.read_at or (now if r.sender != reader.value else None),
        )
        for r in rows
    ]


async def visitor_view(*, session: AsyncSession, case: CaseRow) -> VisitorView:
    """The case's status and how many of the handler's messages wait: never content."""
    waiting = await session.scalar(
        select(func.count())
        .select_from(Message)
        .where(
            Message.case_id == case.id,
            Message.sender == Sender.HANDLER.value,
            Message.read_at.is_(None),
        )
    )
    view = await erasure.visitor_view(session=session, case=case)
    return VisitorView(**view, messages_waiting=int(waiting or 0))
