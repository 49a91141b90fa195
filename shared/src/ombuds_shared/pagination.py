"""Opaque cursors for keyset pagination: (sort value, id) of the last row seen."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field

from ombuds_shared.errors import ValidationFailed

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "Page",
    "decode_cursor",
    "decode_time_cursor",
    "encode_cursor",
    "encode_time_cursor",
]

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


class Page(BaseModel, Generic[T]):
    """One page of results and the cursor of the next one (null at the end)."""

    items: list[T]
    next_cursor: str | None = Field(None, description="Pass as `cursor` to get the next page.")


def encode_cursor(*values: Any) -> str:
    raw = json.dumps(list(values), default=str, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str, arity: int) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed("The cursor is not valid.") from exc
    if not isinstance(values, list) or len(values) != arity or "\x00" in str(values):
        raise ValidationFailed("The cursor is not valid.")
    return values


# Lists ordered by a time then an id, newest first by default, can be read oldest first;
# such a cursor carries this marker, so that it is refused by a list in the other order.
_OLDEST_FIRST = "oldest_first"


def encode_time_cursor(at: dt.datetime, row_id: str, *, oldest_first: bool = False) -> str:
    """The cursor after a row of a list ordered by (time, id)."""
    if oldest_first:
        return encode_cursor(at.isoformat(), row_id, _OLDEST_FIRST)
    return encode_cursor(at.isoformat(), row_id)


def decode_time_cursor(cursor: str, *, oldest_first: bool = False) -> tuple[dt.datetime, str]:
    """The (time, id) a cursor of `encode_time_cursor` points after, checked."""
    values = decode_cursor(cursor, 3 if oldest_first else 2)
    if oldest_first and values[2] != _OLDEST_FIRST:
        raise ValidationFailed("The cursor is not valid.")
    try:
        after = dt.datetime.fromisoformat(values[0])
    except (TypeError, ValueError) as exc:
        raise ValidationFailed("The cursor is not valid.") from exc
    if not isinstance(values[1], str):
        raise ValidationFailed("The cursor is not valid.")
    return after, values[1]
