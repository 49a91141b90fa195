"""docs/principles.md stays true: every principle lists tests, and every listed test exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRINCIPLES = ROOT / "docs" / "principles.md"
_ROW = re.compile(r"^\| \*\*(P\d+)\*\* \|(.*)\|\s*$")
_TEST = re.compile(r"`((?:tests|services|shared)/[\w/.-]+\.py)(?:::(\w+))?`")


def _rows() -> dict[str, str]:
    rows = {}
    for line in PRINCIPLES.read_text().splitlines():
        found = _ROW.match(line)
        if found:
            rows[found[1]] = line.rsplit("|", 2)[-2]  # the last column: the tests
    return rows


def _test_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test")
    }


def test_every_principle_lists_tests_that_exist() -> None:
    rows = _rows()
    assert sorted(rows, key=lambda p: int(p[1:])) == [f"P{n}" for n in range(1, 13)]
    missing = []
    for principle, tests in rows.items():
        listed = _TEST.findall(tests)
        if not listed:
            missing.append(f"{principle}: no test listed")
        for file, name in listed:
            path = ROOT / file
            if not path.is_file():
                missing.append(f"{principle}: {file} does not exist")
            elif name and name not in _test_names(path):
                missing.append(f"{principle}: {file} has no test {name}")
    assert not missing, missing


def test_every_code_path_it_names_exists() -> None:
    paths = re.findall(r"`((?:services|shared|src)/[\w/.-]+/?)`", PRINCIPLES.read_text())
    assert paths
    assert [p for p in paths if not (ROOT / p).exists()] == []
