"""ombuds_shared's public surface: each public module says what it offers in `__all__`,
and the services, the CLI, the test support and the benches import nothing else."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from collections import defaultdict
from pathlib import Path

import ombuds_shared

ROOT = Path(__file__).resolve().parents[2]
# Code that uses the library as a library; its own tests may reach into private names.
CONSUMERS = (
    *sorted((ROOT / "services").glob("*/src")),
    ROOT / "src",
    ROOT / "shared-testing" / "src",
    ROOT / "bench",
)


def imported_names(folders: tuple[Path, ...]) -> dict[str, dict[str, set[str]]]:
    """module -> name -> files, for every name taken from ombuds_shared in `folders`.

    `from ombuds_shared import metrics` then `metrics.RECORDED` counts as taking
    `RECORDED` from `ombuds_shared.metrics`.
    """
    found: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for folder in folders:
        for path in folder.rglob("*.py"):
            where = str(path.relative_to(ROOT))
            tree = ast.parse(path.read_text(), filename=where)
            aliases: dict[str, str] = {}
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module == "ombuds_shared":
                    for alias in node.names:
                        found["ombuds_shared"][alias.name].add(where)
                        aliases[alias.asname or alias.name] = f"ombuds_shared.{alias.name}"
                elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                    "ombuds_shared."
                ):
                    for alias in node.names:
                        found[str(node.module)][alias.name].add(where)
                elif isinstance(node, ast.Import):
                    for alias in node.names:
                        if alias.name.startswith("ombuds_shared.") and alias.asname:
                            aliases[alias.asname] = alias.name
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Attribute)
                    and isinstance(node.value, ast.Name)
                    and node.value.id in aliases
                ):
                    found[aliases[node.value.id]][node.attr].add(where)
    return found


def public_modules() -> list[str]:
    return sorted(
        info.name
        for info in pkgutil.iter_modules(ombuds_shared.__path__)
        if not info.name.startswith("_")
    )


def test_the_package_lists_its_public_modules_and_each_has_an_all() -> None:
    assert sorted(ombuds_shared.__all__) == public_modules()
    for name in public_modules():
        module = importlib.import_module(f"ombuds_shared.{name}")
        assert isinstance(getattr(module, "__all__", None), list), f"{name} has no __all__"
        missing = [n for n in module.__all__ if not hasattr(module, n)]
        assert not missing, f"ombuds_shared.{name}.__all__ names what it lacks: {missing}"


def test_consumers_import_only_public_names() -> None:
    outside: list[str] = []
    for module_name, names in sorted(imported_names(CONSUMERS).items()):
        module = importlib.import_module(module_name)
        public = set(getattr(module, "__all__", ()))
        if module_name.rpartition(".")[2].startswith("_"):
            public = set()  # a private module offers nothing, whatever it lists
        outside += [
            f"{module_name}.{name} (in {', '.join(sorted(files))})"
            for name, files in sorted(names.items())
            if name not in public
        ]
    assert not outside, "not in a public __all__:\n" + "\n".join(outside)
