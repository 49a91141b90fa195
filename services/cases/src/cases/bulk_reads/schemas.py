from typing import Generic, TypeVar

from pydantic import BaseModel

from cases.assignment.schemas import AssignmentHistory

T = TypeVar("T")


class CaseRecords(BaseModel, Generic[T]):
    """The records of one kind of one case."""

    case_id: str
    records: list[T]


class CaseRecordsList(BaseModel, Generic[T]):
    """Records of several cases: one item per case of your office asked for, in that order.

    A case id that names no case of your office has no item (as if it did not exist).
    """

    items: list[CaseRecords[T]]


class CaseAssignmentHistory(AssignmentHistory):
    case_id: str


class CaseAssignmentHistoryList(BaseModel):
    items: list[CaseAssignmentHistory]
