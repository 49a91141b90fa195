from sqlalchemy.orm import DeclarativeBase

from ombuds_shared.db import new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()
