"""Column sets several services declare alike (each in its own database)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Date, String
from sqlalchemy.orm import Mapped, mapped_column

from ombuds_shared.reference import INITIAL_OFFICES

__all__ = [
    "OfficeColumns",
    "StaffColumns",
    "initial_office_rows",
]


class OfficeColumns:
    """An office of the Ombudsman: reference data that opens, moves and closes."""

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100))
    pillar: Mapped[str] = mapped_column(String(40))
    opened_on: Mapped[dt.date] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date, default=None)


def initial_office_rows() -> list[dict[str, Any]]:
    """The seed rows of the office table, for a service's first migration."""
    return [
        {
            "code": code,
            "name": name,
            "city": city,
            "pillar": pillar,
            "opened_on": dt.date.fromisoformat(opened),
            "closed_on": None,
        }
        for code, name, city, pillar, opened in INITIAL_OFFICES
    ]


class StaffColumns:
    """A roster entry as the case services keep it: who may be assigned, in which office.

    No display name: that is a staff identity, kept by intake's directory alone."""

    subject: Mapped[str] = mapped_column(String(200), primary_key=True)
    office: Mapped[str] = mapped_column(String(40), index=True)
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
