from cases.db import Base
from ombuds_shared.models import OfficeColumns, StaffColumns


class Office(OfficeColumns, Base):
    __tablename__ = "office"


class StaffMember(StaffColumns, Base):
    """This service's copy of the roster (see ombuds_shared.directory)."""

    __tablename__ = "staff_member"
