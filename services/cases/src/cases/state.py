"""What the cases service holds beyond every service's ServiceState."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.applications import Starlette

from cases.case.models import CaseRow
from ombuds_shared.audit import ReadLog
from ombuds_shared.db import KeyedReads
from ombuds_shared.dependencies import own_state

if TYPE_CHECKING:
    from cases.case.service import CaseOpenings


@dataclass(slots=True)
class CasesState:
    # Case reads by id, batched with the reads arriving with them (see case_reads).
    case_reads: KeyedReads[CaseRow]
    # Case openings arriving together, written in one transaction (see CaseOpenings).
    case_openings: "CaseOpenings"
    # Reads of cases are recorded through one group-committing log.
    read_log: ReadLog


def cases_state(app: Starlette) -> CasesState:
    """The cases service's own state (set by its startup hook)."""
    return own_state(app, CasesState)
