"""Reads of many cases at once, for list views: one request instead of one per case.

Each route answers what the per-case route of the same kind answers, for every
case of the caller's office among the ids given; each case's read is audited.
"""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from cases import audited_records
from cases.assignment.models import Assignment, ConflictDeclaration
from cases.assignment.schemas import AssignmentRead, DeclarationRead
from cases.bulk_reads.schemas import (
    CaseAssignmentHistory,
    CaseAssignmentHistoryList,
    CaseRecords,
    CaseRecordsList,
)
from cases.case.dependencies import CaseReaderDep
from cases.case.models import StatusChange
from cases.case.schemas import StatusChangeRead
from cases.issue_coding.models import CaseIssue, Referral, ServiceGiven, SystemicTag
from cases.issue_coding.schemas import IssueRead, ReferralRead, ServiceRead, SystemicTagRead
from ombuds_shared.dependencies import SessionDep
from ombuds_shared.errors import PROBLEM_RESPONSES
from ombuds_shared.pagination import MAX_PAGE_SIZE
from ombuds_shared.tokens import Actor

router = APIRouter(prefix="/v1", tags=["batch reads"], responses=PROBLEM_RESPONSES)

CaseIdsQuery = Annotated[
    list[str],
    Query(
        alias="case_id",
        min_length=1,
        max_length=MAX_PAGE_SIZE,
        description=f"A case id; repeat the parameter for each case (at most {MAX_PAGE_SIZE}).",
    ),
]


async def _records_of(
    session: AsyncSession,
    actor: Actor,
    case_ids: list[str],
    *,
    model: Any,
    what: str,
    read: Callable[[Any], BaseModel],
) -> list[CaseRecords[Any]]:
    found = await audited_records.office_case_ids(
        session=session, case_ids=case_ids, office=actor.office or ""
    )
    grouped = await audited_records.rows_by_case(
        session=session, model=model, case_ids=found, actor=actor, what=what
    )
    return [
        CaseRecords(case_id=case_id, records=[read(row) for row in rows])
        for case_id, rows in grouped.items()
    ]


@router.get(
    "/case-issues",
    response_model=CaseRecordsList[IssueRead],
    summary="The issues of several cases of your office",
)
async def issues_of_cases(
    case_ids: CaseIdsQuery, session: SessionDep, actor: CaseReaderDep
) -> CaseRecordsList[Any]:
    items = await _records_of(
        session, actor, case_ids, model=CaseIssue, what="issue", read=IssueRead.of
    )
    return CaseRecordsList(items=items)


@router.get(
    "/case-services",
    response_model=CaseRecordsList[ServiceRead],
    summary="The services given in several cases of your office",
)
async def services_of_cases(
    case_ids: CaseIdsQuery, session: SessionDep, actor: CaseReaderDep
) -> CaseRecordsList[Any]:
    items = await _records_of(
        session, actor, case_ids, model=ServiceGiven, what="service",
        read=ServiceRead.model_validate,
    )  # fmt: skip
    return CaseRecordsList(items=items)


@router.get(
    "/case-referrals",
    response_model=CaseRecordsList[ReferralRead],
    summary="The referrals made in several cases of your office",
)
async def referrals_of_cases(
    case_ids: CaseIdsQuery, session: SessionDep, actor: CaseReaderDep
) -> CaseRecordsList[Any]:
    items = await _records_of(
        session, actor, case_ids, model=Referral, what="referral",
        read=ReferralRead.model_validate,
    )  # fmt: skip
    return CaseRecordsList(items=items)


@router.get(
    "/case-systemic-issues",
    response_model=CaseRecordsList[SystemicTagRead],
    summary="The systemic issues several cases of your office are tagged with",
)
async def systemic_issues_of_cases(
    case_ids: CaseIdsQuery, session: SessionDep, actor: CaseReaderDep
) -> CaseRecordsList[Any]:
    items = await _records_of(
        session, actor, case_ids, model=SystemicTag, what="systemic_tag",
        read=SystemicTagRead.model_validate,
    )  # fmt: skip
    return CaseRecordsList(items=items)


@router.get(
    "/case-status-changes",
    response_model=CaseRecordsList[StatusChangeRead],
    summary="The status histories of several cases of your office",
)
async def status_changes_of_cases(
    case_ids: CaseIdsQuery, session: SessionDep, actor: CaseReaderDep
) -> CaseRecordsList[Any]:
    items = await _records_of(
        session, actor, case_ids, model=StatusChange, what="case.status_history",
        read=StatusChangeRead.model_validate,
    )  # fmt: skip
    return CaseRecordsList(items=items)


@router.get(
    "/case-assignments",
    response_model=CaseAssignmentHistoryList,
    summary="Who was assigned when, and the conflict declarations, for several cases",
)
async def assignments_of_cases(
    case_ids: CaseIdsQuery, session: SessionDep, actor: CaseReaderDep
) -> CaseAssignmentHistoryList:
    found = await audited_records.office_case_ids(
        session=session, case_ids=case_ids, office=actor.office or ""
    )
    assignments = await audited_records.rows_by_case(
        session=session, model=Assignment, case_ids=found, actor=actor, what="assignment"
    )
    declarations = await audited_records.rows_by_case(
        session=session,
        model=ConflictDeclaration,
        case_ids=found,
        actor=actor,
        what="conflict_declaration",
    )
    return CaseAssignmentHistoryList(
        items=[
            CaseAssignmentHistory(
                case_id=case_id,
                assigned_to=next(
                    (a.assignee for a in assignments[case_id] if a.ended_at is None), None
                ),
                assignments=[AssignmentRead.model_validate(a) for a in assignments[case_id]],
                declarations=[DeclarationRead.model_validate(d) for d in declarations[case_id]],
            )
            for case_id in found
        ]
    )
