from mediation.db import Base
from ombuds_shared.taxonomy import IssueCodeColumns


class IssueCode(IssueCodeColumns, Base):
    """An issue of the shared taxonomy, in the version it was published in."""

    __tablename__ = "issue_code"
