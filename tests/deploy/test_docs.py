"""docs/operations.md: its configuration reference is the settings classes, not a copy."""

from __future__ import annotations

import runpy
from typing import Any

from .conftest import DOCS, SERVICE_NAMES, settings_fields

DOCUMENT = DOCS / "operations.md"
GENERATOR: dict[str, Any] = runpy.run_path(str(DOCS / "gen_config.py"))


def test_the_committed_reference_matches_the_settings_classes() -> None:
    text = DOCUMENT.read_text()
    assert GENERATOR["updated"](text) == text, "run: uv run python docs/gen_config.py"
    for service in SERVICE_NAMES:
        for variable in settings_fields(service):
            assert f"`{variable}`" in text, variable


def test_a_stale_reference_is_caught() -> None:
    text = DOCUMENT.read_text()
    stale = text.replace("| `OMBUDS_CASES_LOG_LEVEL` |", "| `OMBUDS_CASES_LOG_LEVELS` |")
    assert stale != text
    assert GENERATOR["updated"](stale) != stale
    assert GENERATOR["main"](["--check"]) == 0
