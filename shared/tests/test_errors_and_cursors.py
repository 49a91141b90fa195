import pytest

from ombuds_shared.errors import (
    Conflict,
    IdempotencyConflict,
    NotFound,
    TooManyRequests,
    ValidationFailed,
    error_from_problem,
)
from ombuds_shared.pagination import decode_cursor, encode_cursor


@pytest.mark.parametrize(
    "error", [NotFound("gone"), Conflict("busy"), IdempotencyConflict("reused"), TooManyRequests()]
)
def test_a_problem_becomes_the_same_error_again(error: Exception) -> None:
    problem = error.to_problem("/v1/x")  # type: ignore[attr-defined]
    rebuilt = error_from_problem(problem["status"], problem)
    assert type(rebuilt) is type(error)
    assert rebuilt.detail == error.detail  # type: ignore[attr-defined]


def test_problem_extensions_survive() -> None:
    problem = ValidationFailed("bad", field="office").to_problem()
    assert error_from_problem(422, problem).extensions == {"field": "office"}


def test_cursor_round_trip_and_garbage() -> None:
    assert decode_cursor(encode_cursor("2026-01-01T00:00:00+00:00", "abc"), 2) == [
        "2026-01-01T00:00:00+00:00",
        "abc",
    ]
    for bad in ("!!!", encode_cursor("only-one"), "eyJ"):
        with pytest.raises(ValidationFailed):
            decode_cursor(bad, 2)
