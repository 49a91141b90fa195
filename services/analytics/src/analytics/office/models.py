from analytics.db import Base
from ombuds_shared.models import OfficeColumns


class Office(OfficeColumns, Base):
    __tablename__ = "office"
